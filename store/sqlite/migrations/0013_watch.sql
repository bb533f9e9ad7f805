-- Spotizerr's watch lists (handlers/watch.py): the playlists and artists each user watches,
-- checked by workers/watcher.py every check_interval; new tracks (playlists) and albums
-- (artists) become download jobs. `options` is JSON: watch_new_additions/download_existing
-- for a playlist, watch_new_releases/album_types for an artist. Service credentials are not
-- here: they are system settings, encrypted field by field (handlers/credentials.py).
CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('playlist', 'artist')),
    item_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    options TEXT NOT NULL DEFAULT '{}',
    snapshot_id TEXT NOT NULL DEFAULT '',
    total_items INTEGER NOT NULL DEFAULT 0,
    m3u_path TEXT,
    created_at REAL NOT NULL,
    last_checked REAL,
    last_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner_id, kind, item_id)
);
CREATE INDEX watches_due ON watches(last_checked);
CREATE INDEX watches_m3u ON watches(m3u_path) WHERE m3u_path IS NOT NULL;

-- What a watch knows of its playlist's tracks or its artist's albums. `job_id` is the
-- download queued for it (NULL: known without a download: there before the watch began, or
-- marked known by the user); `position` is its place in the playlist, NULL once it left it;
-- `target` the file the download writes; `requeues` how often a failed download was retried.
CREATE TABLE watch_items (
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    position INTEGER,
    job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
    target TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    artist TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER,
    requeues INTEGER NOT NULL DEFAULT 0,
    added_at REAL NOT NULL,
    PRIMARY KEY (watch_id, item_id)
);
CREATE INDEX watch_items_job ON watch_items(job_id) WHERE job_id IS NOT NULL;
