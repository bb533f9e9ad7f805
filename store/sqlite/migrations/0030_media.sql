-- Media: uploaded audio files (each one a catalog track too), per-user upload quotas,
-- announcements, and the Kworb charts loaded by `chorus charts import`.

CREATE TABLE audio_files (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    catalog_id INTEGER REFERENCES catalog(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    original_filename TEXT NOT NULL DEFAULT '',
    stored_name TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    duration REAL,
    bitrate INTEGER,
    sample_rate INTEGER,
    channels INTEGER,
    tags TEXT NOT NULL DEFAULT '{}',
    is_public INTEGER NOT NULL DEFAULT 0,
    play_count INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX audio_files_owner ON audio_files(owner_id, id);
CREATE INDEX audio_files_public ON audio_files(is_public, id);

-- used: upload slots taken (one per file held; reset by an admin); max_uploads NULL: default
CREATE TABLE upload_quotas (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    max_uploads INTEGER CHECK (max_uploads >= 0)
);

CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    is_published INTEGER NOT NULL DEFAULT 0,
    published_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX announcements_published ON announcements(is_published, id);

CREATE TABLE kworb_top_streamed_artists (
    rank INTEGER NOT NULL,
    artist TEXT NOT NULL,
    streams INTEGER,
    daily INTEGER,
    as_lead INTEGER,
    solo INTEGER,
    as_feature INTEGER,
    scraped_at TEXT NOT NULL
);
CREATE INDEX kworb_top_streamed_artists_rank ON kworb_top_streamed_artists(rank);

CREATE TABLE kworb_monthly_listeners (
    rank INTEGER NOT NULL,
    artist TEXT NOT NULL,
    listeners INTEGER,
    peak INTEGER,
    peak_date TEXT,
    scraped_at TEXT NOT NULL
);
CREATE INDEX kworb_monthly_listeners_rank ON kworb_monthly_listeners(rank);

CREATE TABLE kworb_top_songs (
    rank INTEGER NOT NULL,
    title TEXT NOT NULL,
    artist TEXT NOT NULL,
    streams INTEGER,
    daily INTEGER,
    scraped_at TEXT NOT NULL
);
CREATE INDEX kworb_top_songs_rank ON kworb_top_songs(rank);
