-- Lyrics of catalog tracks (handlers/catalog/lyrics.py), one row per track: the plain text,
-- the LRC text with its timestamps when the source had synced lyrics, where they came from
-- (lrclib, musixmatch, import, admin), a link to that source, and when they were fetched.
-- Kept apart from catalog.lyrics so that no catalog read ever carries them in bulk.
CREATE TABLE lyrics (
    catalog_id INTEGER PRIMARY KEY REFERENCES catalog(id) ON DELETE CASCADE,
    plain TEXT NOT NULL,
    synced TEXT,
    source TEXT NOT NULL,
    source_url TEXT NOT NULL DEFAULT '',
    fetched_at REAL NOT NULL
);
