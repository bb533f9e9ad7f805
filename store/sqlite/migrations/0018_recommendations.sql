-- Indexes for Chorus's own recommender (handlers/listening/recommendations.py, issue 11):
-- who played or posted a given track (item-to-item co-occurrence), and an artist's tracks.

CREATE INDEX listen_day_tracks_track ON listen_day_tracks(track_id, user_id);
CREATE INDEX posts_catalog ON posts(catalog_id, user_id);
CREATE INDEX catalog_first_artist ON catalog(kind, json_extract(artist_names, '$[0]'));
