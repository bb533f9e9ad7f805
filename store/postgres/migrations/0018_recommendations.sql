-- PostgreSQL twin of 0018_recommendations.sql: indexes for Chorus's own recommender (who
-- played or posted a track, an artist's tracks). SQLite's json_extract(artist_names, '$[0]')
-- is (artist_names::json ->> 0) here: a query must use that expression to use the index.
CREATE INDEX listen_day_tracks_track ON listen_day_tracks(track_id, user_id);
CREATE INDEX posts_catalog ON posts(catalog_id, user_id);
CREATE INDEX catalog_first_artist ON catalog(kind, (artist_names::json ->> 0));
