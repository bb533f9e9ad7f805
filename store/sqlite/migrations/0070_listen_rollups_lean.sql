-- Fewer rollup rows per listen (issue 11's import and overview figures).
--
-- The per-day artist, album and genre rollups and the all-time ones are replaced by what
-- each user's all-time track rollup now also holds: the track's first artist, album name and
-- genres (from the catalog when the user first played it, or at the last rebuild). A
-- period's top artists, albums and genres are the period's track sums grouped by those.
-- Per-day track rows are written for the days a period can still reach (the last 366 days
-- at write time, store/sqlite/listen_rollups.py); older days keep their day and hour rows.
-- Recommendations read who played a track from the all-time track rollup.

ALTER TABLE listen_tracks ADD COLUMN artist TEXT NOT NULL DEFAULT '';
ALTER TABLE listen_tracks ADD COLUMN album TEXT NOT NULL DEFAULT '';
ALTER TABLE listen_tracks ADD COLUMN genres TEXT NOT NULL DEFAULT '[]';

UPDATE listen_tracks SET artist = COALESCE(json_extract(c.artist_names, '$[0]'), ''),
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
