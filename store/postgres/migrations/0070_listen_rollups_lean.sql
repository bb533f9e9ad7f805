-- PostgreSQL twin of 0070_listen_rollups_lean.sql: each user's all-time track rollup also
-- holds the track's first artist, album and genres; the per-day and all-time artist, album
-- and genre rollups go. (SQLite's json_extract(artist_names, '$[0]') is
-- artist_names::json ->> 0 here.)

ALTER TABLE listen_tracks ADD COLUMN artist TEXT NOT NULL DEFAULT '';
ALTER TABLE listen_tracks ADD COLUMN album TEXT NOT NULL DEFAULT '';
ALTER TABLE listen_tracks ADD COLUMN genres TEXT NOT NULL DEFAULT '[]';

UPDATE listen_tracks SET artist = COALESCE(c.artist_names::json ->> 0, ''),
    album = COALESCE(c.album_name, ''), genres = COALESCE(c.genres, '[]')
    FROM catalog c WHERE c.id = listen_tracks.track_id;

DROP TABLE listen_day_artists;
DROP TABLE listen_day_albums;
DROP TABLE listen_day_genres;
DROP TABLE listen_artists;
DROP TABLE listen_albums;
DROP TABLE listen_genres;

DROP INDEX listen_day_tracks_track;
CREATE INDEX listen_tracks_track ON listen_tracks(track_id, user_id);
