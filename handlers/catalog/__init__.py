"""What music there is: links parsed into provider and id, the local catalog of every item Chorus
has seen (items), and the Catalog interface (search, track, album, playlist, artist) with its
local and Spotify implementations and the factory that picks one.
"""
