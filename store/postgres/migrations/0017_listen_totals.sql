-- PostgreSQL twin of 0017_listen_totals.sql: all-time rollups of listens per user and track,
-- artist, album, genre, and per UTC weekday (Monday 0) and hour.
CREATE TABLE listen_tracks (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id BIGINT NOT NULL,
    plays BIGINT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, track_id)
);

CREATE TABLE listen_artists (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    artist TEXT NOT NULL,
    plays BIGINT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, artist)
);

CREATE TABLE listen_albums (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    artist TEXT NOT NULL,
    album TEXT NOT NULL,
    plays BIGINT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, artist, album)
);

CREATE TABLE listen_genres (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    genre TEXT NOT NULL,
    plays BIGINT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, genre)
);

CREATE TABLE listen_weekday_hours (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    weekday BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    plays BIGINT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, weekday, hour)
);

-- the rollups are derived data: existing listens get them from the daily ones (on a new
-- PostgreSQL database the daily tables are empty here; kept for an upgrade's sake)
INSERT INTO listen_tracks SELECT user_id, track_id, SUM(plays), SUM(ms) FROM listen_day_tracks
    GROUP BY user_id, track_id;
INSERT INTO listen_artists SELECT user_id, artist, SUM(plays), SUM(ms) FROM listen_day_artists
    GROUP BY user_id, artist;
INSERT INTO listen_albums SELECT user_id, artist, album, SUM(plays), SUM(ms)
    FROM listen_day_albums GROUP BY user_id, artist, album;
INSERT INTO listen_genres SELECT user_id, genre, SUM(plays), SUM(ms) FROM listen_day_genres
    GROUP BY user_id, genre;
INSERT INTO listen_weekday_hours
    SELECT user_id, (CAST(extract(dow FROM CAST(day AS date)) AS BIGINT) + 6) % 7, hour,
           SUM(plays), SUM(ms)
    FROM listen_day_hours GROUP BY 1, 2, 3;
