-- Quiz rooms owned by one process at a time (handlers/quiz/registry.py): the fencing token
-- of the room's owner (each process that takes a room over has a higher one; the owner's
-- writes carry it, so a stale owner's writes are refused), and what a new owner needs to
-- resume a room from its rows: the open round's question and the answers given so far,
-- and when each round was revealed (NULL while it is open).
ALTER TABLE quiz_rooms ADD COLUMN owner_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quiz_rounds ADD COLUMN question TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quiz_rounds ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quiz_rounds ADD COLUMN revealed_at REAL;
-- rows from before were stored at their reveal
UPDATE quiz_rounds SET revealed_at = deadline;
