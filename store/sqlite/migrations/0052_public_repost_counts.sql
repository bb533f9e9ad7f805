-- repost_count counts public reposts by other people only: a repost filed in a private
-- collection no longer shows its author in the original's count (store/sqlite/_private.py
-- recount_reposts keeps it so from now on).
UPDATE posts SET repost_count = (
    SELECT count(*) FROM posts r
    WHERE r.repost_of = posts.id AND r.user_id != posts.user_id
      AND (r.collection_id IS NULL
           OR r.collection_id IN (SELECT id FROM collections WHERE is_public = 1)))
WHERE id IN (SELECT repost_of FROM posts WHERE repost_of IS NOT NULL);
