"""A play as a source hands it in, before it is a stored listen: what every ingest path
(Spotify exports, Spotify's recently-played, ListenBrainz submissions, now-playing, manual)
produces and `handlers.listening.listens.record_plays` stores."""

from __future__ import annotations

import msgspec

__all__ = ["SOURCES", "MIN_PLAY_MS", "TrackRef", "PlayIn", "RecordResult"]

SOURCES = ("import", "spotify_sync", "listenbrainz", "nowplaying", "manual", "upload")
MIN_PLAY_MS = 30_000  # a play under 30 s is not a play


class TrackRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """How to find the played track in the catalog: its Spotify URI when the source has one,
    else its names (resolved through the catalog by artist and title)."""

    spotify_uri: str = ""  # spotify:track:<id>
    catalog_id: int | None = None  # an item the caller already knows (an uploaded file)
    name: str = ""
    artist: str = ""
    album: str = ""
    duration_ms: int | None = None


class PlayIn(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One play: `played_at` is when it started (UTC epoch seconds). Plays and their TrackRefs
    are not tracked by the garbage collector (no cycle possible): an import makes millions."""

    played_at: float
    ms_played: int
    track: TrackRef
    source: str
    context_type: str = ""
    context_uri: str = ""
    platform: str = ""
    reason_start: str = ""
    reason_end: str = ""
    shuffle: bool | None = None
    skipped: bool | None = None
    offline: bool | None = None


class RecordResult(msgspec.Struct, frozen=True):
    """What `record_plays` did: new listens stored, plays it already had, and plays it did not
    keep (shorter than MIN_PLAY_MS, or naming no track)."""

    inserted: int
    duplicates: int
    dropped: int = 0
