-- ListenBrainz listen tokens (handlers/listening/tokens.py): one per user, what scrobblers send
-- as `Authorization: Token <token>`. `token_hash` (SHA-256 hex) is how a request finds its user;
-- `token_encrypted` (Fernet, the process vault) is only decrypted to show the user their token.
CREATE TABLE listen_tokens (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    token_encrypted TEXT NOT NULL,
    created_at REAL NOT NULL
);
