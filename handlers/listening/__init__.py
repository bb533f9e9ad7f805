"""What people played: one listen per play (from Spotify exports, Spotify's recently-played,
ListenBrainz-speaking scrobblers, now-playing and manual entry), the daily rollups every
aggregate is read from, the analytics EchoStats serves, imports as durable jobs, listen tokens
and recommendations.
"""
