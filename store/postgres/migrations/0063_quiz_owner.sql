-- PostgreSQL twin of 0063_quiz_owner.sql: the fencing token of the process that owns a live
-- quiz room, and what another process needs to resume it (the open round's question and
-- answers, when each round was revealed).
ALTER TABLE quiz_rooms ADD COLUMN owner_token BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quiz_rounds ADD COLUMN question TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quiz_rounds ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quiz_rounds ADD COLUMN revealed_at DOUBLE PRECISION;
-- rows from before were stored at their reveal
UPDATE quiz_rounds SET revealed_at = deadline;
