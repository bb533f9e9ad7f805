-- PostgreSQL twin of 0071_listen_recent_tracks.sql: a user's track sums over their recent
-- days (from the UTC day `listen_recent.since` on), kept equal to the per-day track rows by
-- the writers.

CREATE TABLE listen_recent (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    since TEXT NOT NULL
);

CREATE TABLE listen_recent_tracks (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id BIGINT NOT NULL,
    plays BIGINT NOT NULL,
    ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, track_id)
);

INSERT INTO listen_recent SELECT user_id, MIN(day) FROM listen_day_tracks GROUP BY user_id;
INSERT INTO listen_recent_tracks SELECT user_id, track_id, SUM(plays), SUM(ms)
    FROM listen_day_tracks GROUP BY user_id, track_id;
