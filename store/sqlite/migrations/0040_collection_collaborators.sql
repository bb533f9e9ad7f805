-- Sono collections are the same rows as Openwhyd playlists (collections, their tracks the posts
-- filed in them). This adds who else may see or edit a collection, and makes a collection's
-- track orders unique: the ordered posts of each collection are first renumbered 1..n in the
-- order they show (which keeps that order), then a partial unique index guards it.

CREATE TABLE collection_collaborators (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission TEXT NOT NULL CHECK (permission IN ('edit', 'view')),
    added_by_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at REAL NOT NULL,
    UNIQUE (collection_id, user_id)
);
CREATE INDEX collection_collaborators_user ON collection_collaborators(user_id);

UPDATE posts SET track_order = ranked.position
FROM (SELECT id, row_number() OVER (PARTITION BY collection_id ORDER BY track_order, id DESC)
             AS position
      FROM posts WHERE collection_id IS NOT NULL AND track_order IS NOT NULL) AS ranked
WHERE posts.id = ranked.id;

UPDATE posts SET track_order = NULL WHERE collection_id IS NULL AND track_order IS NOT NULL;

CREATE UNIQUE INDEX posts_collection_order ON posts(collection_id, track_order)
    WHERE collection_id IS NOT NULL AND track_order IS NOT NULL;

CREATE INDEX collections_listing ON collections(is_public, kind, id);
