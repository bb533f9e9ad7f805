-- Live quiz rooms (handlers/quiz, workers/quizmaster.py). A room is played by one actor in
-- memory; these rows are its history: settings (JSON), status lobby -> running -> finished,
-- the final board (JSON list of {user, name, score, rank}) and why it ended (completed,
-- empty, shutdown, restart). Players keep their score as each round is revealed, so a
-- restart ends running rooms with the scores they had.
CREATE TABLE quiz_rooms (
    id TEXT PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'lobby' CHECK (status IN ('lobby', 'running', 'finished')),
    settings TEXT NOT NULL DEFAULT '{}',
    invite_code TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    end_reason TEXT NOT NULL DEFAULT '',
    board TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX quiz_rooms_open ON quiz_rooms(status) WHERE status != 'finished';

CREATE TABLE quiz_players (
    room_id TEXT NOT NULL REFERENCES quiz_rooms(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    score INTEGER NOT NULL DEFAULT 0,
    joined_at REAL NOT NULL,
    left_at REAL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX quiz_players_user ON quiz_players(user_id);

-- One row per round played: which track it asked about, its deadline, the correct option
-- and each player's points (JSON {user id: points}).
CREATE TABLE quiz_rounds (
    room_id TEXT NOT NULL REFERENCES quiz_rooms(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    catalog_id INTEGER REFERENCES catalog(id) ON DELETE SET NULL,
    started_at REAL NOT NULL,
    deadline REAL NOT NULL,
    correct INTEGER NOT NULL,
    points TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (room_id, number)
);
