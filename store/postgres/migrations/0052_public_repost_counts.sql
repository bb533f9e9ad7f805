-- PostgreSQL twin of 0052_public_repost_counts.sql: repost_count counts public reposts by
-- other people only (a no-op on a new database's empty posts).
UPDATE posts SET repost_count = (
    SELECT count(*) FROM posts r
    WHERE r.repost_of = posts.id AND r.user_id != posts.user_id
      AND (r.collection_id IS NULL
           OR r.collection_id IN (SELECT id FROM collections WHERE is_public = 1)))
WHERE id IN (SELECT repost_of FROM posts WHERE repost_of IS NOT NULL);
