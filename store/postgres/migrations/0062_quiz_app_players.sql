-- PostgreSQL twin of 0062_quiz_app_players.sql: players of live quiz rooms who are an app's
-- users (keyed by "app:<sub>"), not Chorus accounts.
CREATE TABLE quiz_app_players (
    room_id TEXT NOT NULL REFERENCES quiz_rooms(id) ON DELETE CASCADE,
    player TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    score BIGINT NOT NULL DEFAULT 0,
    joined_at DOUBLE PRECISION NOT NULL,
    left_at DOUBLE PRECISION,
    PRIMARY KEY (room_id, player)
);
