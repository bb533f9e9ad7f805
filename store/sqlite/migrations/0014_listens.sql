-- Listens: one row per play (issue 11), and the daily rollups every aggregate reads.
--
-- played_at is when the play started (UTC epoch seconds). The rollups are keyed by the UTC
-- day of played_at ('YYYY-MM-DD'); the artist of a listen is its track's first artist, its
-- album the track's (album name, first artist), its genres the track's genres. They are
-- written in the same transaction as the listens (store/sqlite/listen_rollups.py) and can
-- be rebuilt from the listens at any time.

CREATE TABLE listens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    played_at REAL NOT NULL,
    ms_played INTEGER NOT NULL,
    track_id INTEGER NOT NULL REFERENCES catalog(id),
    source TEXT NOT NULL,
    context_type TEXT NOT NULL DEFAULT '',
    context_uri TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    reason_start TEXT NOT NULL DEFAULT '',
    reason_end TEXT NOT NULL DEFAULT '',
    shuffle INTEGER,
    skipped INTEGER,
    offline INTEGER,
    created_at REAL NOT NULL,
    UNIQUE (user_id, played_at, track_id)
);
-- (user_id, played_at) ranges come from the UNIQUE index; this one serves a track's listens
CREATE INDEX listens_user_track ON listens(user_id, track_id, played_at);

-- tracks found by name (plays without a URI), artists and albums found by name (their
-- Spotify ids and images)
CREATE INDEX catalog_kind_name ON catalog(kind, lower(name));

CREATE TABLE listen_days (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

CREATE TABLE listen_day_tracks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    track_id INTEGER NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, track_id)
) WITHOUT ROWID;

CREATE TABLE listen_day_artists (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    artist TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, artist)
) WITHOUT ROWID;

CREATE TABLE listen_day_albums (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    artist TEXT NOT NULL,
    album TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, artist, album)
) WITHOUT ROWID;

CREATE TABLE listen_day_genres (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    genre TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, genre)
) WITHOUT ROWID;

CREATE TABLE listen_day_hours (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    hour INTEGER NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, hour)
) WITHOUT ROWID;
