-- Jobs (DESIGN §5): durable rows that workers/jobs.py claims, runs and finishes.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES jobs(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'skipped')),
    progress TEXT NOT NULL DEFAULT '{}',
    payload TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    dedupe_key TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    run_after REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    heartbeat_at REAL,
    claimed_by TEXT
);
-- a second request for the same thing finds the active job instead of queueing another
CREATE UNIQUE INDEX jobs_dedupe_active ON jobs(dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs(kind, run_after) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs(heartbeat_at) WHERE status = 'running';
CREATE INDEX jobs_owner ON jobs(owner_id, created_at);
CREATE INDEX jobs_parent ON jobs(parent_id);
CREATE INDEX jobs_updated ON jobs(updated_at);
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
