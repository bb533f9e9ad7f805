-- A user's track sums over their recent days (issue 11's year overview at a million listens):
-- `listen_recent_tracks` holds, per track, the sum of the user's per-day track rows
-- (listen_day_tracks) from the UTC day `listen_recent.since` on. A long period is read as
-- these sums less the few days between `since` and the period's first day, instead of
-- summing a year of per-day rows. Writers keep the two equal and move `since` forward as
-- days fall out of reach (store/sqlite/listen_rollups.py).

CREATE TABLE listen_recent (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    since TEXT NOT NULL
);

CREATE TABLE listen_recent_tracks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL,
    plays INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, track_id)
) WITHOUT ROWID;

INSERT INTO listen_recent SELECT user_id, MIN(day) FROM listen_day_tracks GROUP BY user_id;
INSERT INTO listen_recent_tracks SELECT user_id, track_id, SUM(plays), SUM(ms)
    FROM listen_day_tracks GROUP BY user_id, track_id;
