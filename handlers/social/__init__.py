"""What people share: posts and their views, feeds, follows, reactions, comments, hot tracks,
collections (Openwhyd's playlists and Sono's albums, playlists and compilations: one table,
with roles, tracks and collaborators), search, now-playing, the live pushes of all of these, and who may
subscribe to the domain's channels.
"""
