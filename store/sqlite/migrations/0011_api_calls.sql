-- Every outbound call Chorus makes to an external API (Spotify first), one row per HTTP
-- attempt, for EchoStats' /api/v1/api-logs. The URL is stored without secrets (tokens, keys
-- and codes are redacted from its query before it gets here); status is NULL when no answer
-- came (network error, timeout).
CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER,
    duration_ms REAL NOT NULL DEFAULT 0,
    error TEXT,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at REAL NOT NULL
);
CREATE INDEX api_calls_created ON api_calls(created_at);
CREATE INDEX api_calls_provider ON api_calls(provider, created_at);
CREATE INDEX api_calls_user ON api_calls(user_id, created_at);
