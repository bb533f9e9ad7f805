-- PostgreSQL twin of 0015_listen_tokens.sql: ListenBrainz listen tokens, one per user, found
-- by their SHA-256 hash; the encrypted copy is only decrypted to show the user their token.
CREATE TABLE listen_tokens (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    token_encrypted TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
