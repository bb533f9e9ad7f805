-- Named leases: work that runs once for every process sharing the store (the periodic actors,
-- the watch-list checker) is done by whoever holds its lease (store/sqlite/leases.py).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL
);
