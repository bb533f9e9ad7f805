-- The social core: the local catalog, posts with reactions, comments and tags, follows,
-- collections (Openwhyd playlists now, Sono collections later), full-text search (FTS5)
-- and a spatial index over located posts (R*Tree).

CREATE TABLE catalog (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    url TEXT NOT NULL,
    eid TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    artist_names TEXT NOT NULL DEFAULT '[]',
    album_name TEXT NOT NULL DEFAULT '',
    playlist_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    image TEXT NOT NULL DEFAULT '',
    genres TEXT NOT NULL DEFAULT '[]',
    duration_ms INTEGER,
    ai_description TEXT,
    lyrics TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (provider, kind, provider_id)
);
CREATE INDEX catalog_eid ON catalog(eid);

CREATE VIRTUAL TABLE catalog_fts USING fts5(
    name, artist_names, album_name, playlist_name, description, genres,
    content='catalog', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
    prefix='2 3'
);
CREATE TRIGGER catalog_fts_insert AFTER INSERT ON catalog BEGIN
    INSERT INTO catalog_fts(rowid, name, artist_names, album_name, playlist_name, description,
                            genres)
    VALUES (new.id, new.name, new.artist_names, new.album_name, new.playlist_name,
            new.description, new.genres);
END;
CREATE TRIGGER catalog_fts_delete AFTER DELETE ON catalog BEGIN
    INSERT INTO catalog_fts(catalog_fts, rowid, name, artist_names, album_name, playlist_name,
                            description, genres)
    VALUES ('delete', old.id, old.name, old.artist_names, old.album_name, old.playlist_name,
            old.description, old.genres);
END;
CREATE TRIGGER catalog_fts_update AFTER UPDATE ON catalog BEGIN
    INSERT INTO catalog_fts(catalog_fts, rowid, name, artist_names, album_name, playlist_name,
                            description, genres)
    VALUES ('delete', old.id, old.name, old.artist_names, old.album_name, old.playlist_name,
            old.description, old.genres);
    INSERT INTO catalog_fts(rowid, name, artist_names, album_name, playlist_name, description,
                            genres)
    VALUES (new.id, new.name, new.artist_names, new.album_name, new.playlist_name,
            new.description, new.genres);
END;

CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'playlist' CHECK (kind IN ('playlist', 'album', 'compilation')),
    artist TEXT NOT NULL DEFAULT '',
    curator_note TEXT NOT NULL DEFAULT '',
    image TEXT NOT NULL DEFAULT '',
    is_public INTEGER NOT NULL DEFAULT 1,
    is_collaborative INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (owner_id, number)
);

CREATE VIRTUAL TABLE collections_fts USING fts5(
    title, description, content='collections', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE TRIGGER collections_fts_insert AFTER INSERT ON collections BEGIN
    INSERT INTO collections_fts(rowid, title, description)
    VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER collections_fts_delete AFTER DELETE ON collections BEGIN
    INSERT INTO collections_fts(collections_fts, rowid, title, description)
    VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER collections_fts_update AFTER UPDATE ON collections BEGIN
    INSERT INTO collections_fts(collections_fts, rowid, title, description)
    VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO collections_fts(rowid, title, description)
    VALUES (new.id, new.title, new.description);
END;

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    catalog_id INTEGER REFERENCES catalog(id) ON DELETE SET NULL,
    link TEXT NOT NULL,
    eid TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    image TEXT NOT NULL DEFAULT '',
    ctx TEXT,
    src_id TEXT,
    src_name TEXT,
    repost_of INTEGER REFERENCES posts(id) ON DELETE SET NULL,
    collection_id INTEGER REFERENCES collections(id) ON DELETE SET NULL,
    track_order INTEGER,
    latitude REAL,
    longitude REAL,
    geohash TEXT,
    play_count INTEGER NOT NULL DEFAULT 0,
    repost_count INTEGER NOT NULL DEFAULT 0,
    like_count INTEGER NOT NULL DEFAULT 0,
    dislike_count INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX posts_user ON posts(user_id, id);
CREATE INDEX posts_collection ON posts(collection_id, track_order, id);
CREATE INDEX posts_eid ON posts(eid);
CREATE INDEX posts_link ON posts(link);
CREATE INDEX posts_created ON posts(created_at);
CREATE INDEX posts_repost ON posts(repost_of);

CREATE VIRTUAL TABLE posts_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);

CREATE VIRTUAL TABLE posts_fts USING fts5(
    name, text, content='posts', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts(rowid, name, text) VALUES (new.id, new.name, new.text);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, name, text) VALUES ('delete', old.id, old.name, old.text);
    DELETE FROM posts_geo WHERE id = old.id;
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF name, text ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, name, text) VALUES ('delete', old.id, old.name, old.text);
    INSERT INTO posts_fts(rowid, name, text) VALUES (new.id, new.name, new.text);
END;

CREATE TABLE post_reactions (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('like', 'dislike')),
    created_at REAL NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_reactions_user ON post_reactions(user_id, kind, created_at);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    tag TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags(tag);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX comments_post ON comments(post_id, id);

CREATE TABLE follows (
    follower_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id != followee_id)
);
CREATE INDEX follows_followee ON follows(followee_id, created_at);

-- users_fts keeps its own copy (usernames may be NULL, which external content handles badly)
CREATE VIRTUAL TABLE users_fts USING fts5(
    name, surname, username, labels, tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
INSERT INTO users_fts(rowid, name, surname, username, labels)
    SELECT id, name, surname, coalesce(username, ''), labels FROM users;
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts(rowid, name, surname, username, labels)
    VALUES (new.id, new.name, new.surname, coalesce(new.username, ''), new.labels);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF name, surname, username, labels ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts(rowid, name, surname, username, labels)
    VALUES (new.id, new.name, new.surname, coalesce(new.username, ''), new.labels);
END;
