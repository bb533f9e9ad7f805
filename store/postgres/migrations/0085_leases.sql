-- PostgreSQL twin of 0085_leases.sql: named leases for work done once across the processes.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
