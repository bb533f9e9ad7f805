"""What people share: posts and their views, feeds, follows, reactions, comments, hot tracks,
collections (playlists), search, now-playing, the live pushes of all of these, and who may
subscribe to the domain's channels.
"""
