-- All-time rollups of listens (issue 11's overview at a million listens): per user and track,
-- artist, album, genre, and per UTC weekday (Monday 0) and hour. They hold the sums of the
-- daily rollups of 0014 over every day, are written in the same transaction as the listens
-- (store/sqlite/listen_rollups.py) and are rebuilt with them.

CREATE TABLE listen_tracks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, track_id)
) WITHOUT ROWID;

CREATE TABLE listen_artists (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    artist TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, artist)
) WITHOUT ROWID;

CREATE TABLE listen_albums (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    artist TEXT NOT NULL,
    album TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, artist, album)
) WITHOUT ROWID;

CREATE TABLE listen_genres (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    genre TEXT NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, genre)
) WITHOUT ROWID;

CREATE TABLE listen_weekday_hours (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, weekday, hour)
) WITHOUT ROWID;

-- the rollups are derived data: existing listens get them from the daily ones
INSERT INTO listen_tracks SELECT user_id, track_id, SUM(plays), SUM(ms) FROM listen_day_tracks
    GROUP BY user_id, track_id;
INSERT INTO listen_artists SELECT user_id, artist, SUM(plays), SUM(ms) FROM listen_day_artists
    GROUP BY user_id, artist;
INSERT INTO listen_albums SELECT user_id, artist, album, SUM(plays), SUM(ms)
    FROM listen_day_albums GROUP BY user_id, artist, album;
INSERT INTO listen_genres SELECT user_id, genre, SUM(plays), SUM(ms) FROM listen_day_genres
    GROUP BY user_id, genre;
INSERT INTO listen_weekday_hours
    SELECT user_id, (CAST(strftime('%w', day) AS INTEGER) + 6) % 7, hour, SUM(plays), SUM(ms)
    FROM listen_day_hours GROUP BY 1, 2, 3;
