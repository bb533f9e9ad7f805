-- PostgreSQL twin of 0060_lyrics.sql: lyrics of catalog tracks, one row per track (plain text,
-- LRC text when synced, their source), kept apart from catalog.lyrics.
CREATE TABLE lyrics (
    catalog_id BIGINT PRIMARY KEY REFERENCES catalog(id) ON DELETE CASCADE,
    plain TEXT NOT NULL,
    synced TEXT,
    source TEXT NOT NULL,
    source_url TEXT NOT NULL DEFAULT '',
    fetched_at DOUBLE PRECISION NOT NULL
);
