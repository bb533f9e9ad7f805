-- Players of live quiz rooms who are an app's users (a Centrifugo connection token's `sub`),
-- not Chorus accounts: keyed by "app:<sub>", otherwise as quiz_players (whose rows, Chorus
-- users', stay as they are).
CREATE TABLE quiz_app_players (
    room_id TEXT NOT NULL REFERENCES quiz_rooms(id) ON DELETE CASCADE,
    player TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    score INTEGER NOT NULL DEFAULT 0,
    joined_at REAL NOT NULL,
    left_at REAL,
    PRIMARY KEY (room_id, player)
);
