-- PostgreSQL twin of 0061_quiz.sql: live quiz rooms' history (settings, status, final board),
-- their players and the rounds played.
CREATE TABLE quiz_rooms (
    id TEXT PRIMARY KEY,
    host_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'lobby' CHECK (status IN ('lobby', 'running', 'finished')),
    settings TEXT NOT NULL DEFAULT '{}',
    invite_code TEXT NOT NULL DEFAULT '',
    created_at DOUBLE PRECISION NOT NULL,
    started_at DOUBLE PRECISION,
    ended_at DOUBLE PRECISION,
    end_reason TEXT NOT NULL DEFAULT '',
    board TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX quiz_rooms_open ON quiz_rooms(status) WHERE status != 'finished';

CREATE TABLE quiz_players (
    room_id TEXT NOT NULL REFERENCES quiz_rooms(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    score BIGINT NOT NULL DEFAULT 0,
    joined_at DOUBLE PRECISION NOT NULL,
    left_at DOUBLE PRECISION,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX quiz_players_user ON quiz_players(user_id);

-- one row per round played: its track, deadline, correct option and each player's points
CREATE TABLE quiz_rounds (
    room_id TEXT NOT NULL REFERENCES quiz_rooms(id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    catalog_id BIGINT REFERENCES catalog(id) ON DELETE SET NULL,
    started_at DOUBLE PRECISION NOT NULL,
    deadline DOUBLE PRECISION NOT NULL,
    correct BIGINT NOT NULL,
    points TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (room_id, number)
);
