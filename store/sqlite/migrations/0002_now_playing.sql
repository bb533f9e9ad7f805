-- Now playing: every update is kept (most-listened-nearby counts them); located ones are
-- indexed in an R*Tree so nearby queries read a bounding box, not the whole table.
CREATE TABLE now_playing (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    link TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    latitude REAL,
    longitude REAL,
    geohash TEXT,
    created_at REAL NOT NULL,
    cleared_at REAL
);
CREATE INDEX now_playing_user ON now_playing(user_id, created_at);

CREATE VIRTUAL TABLE now_playing_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);
