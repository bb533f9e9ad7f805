"""When a scrobbled play ended (`handlers.listening.live.ends_at`)."""

from __future__ import annotations

from handlers.listening.live import ends_at
from handlers.listening.plays import PlayIn, TrackRef


def test_a_play_ends_after_the_tracks_duration_else_what_was_played():
    known = PlayIn(played_at=1000.0, ms_played=30_000, source="listenbrainz",
                   track=TrackRef(name="Jóga", artist="Björk", duration_ms=305_000))
    assert ends_at(known) == 1305.0
    unknown = PlayIn(played_at=1000.0, ms_played=45_000, source="listenbrainz",
                     track=TrackRef(name="Jóga", artist="Björk"))
    assert ends_at(unknown) == 1045.0
