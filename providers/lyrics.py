"""What a lyrics provider answers (providers.lrclib, providers.musixmatch) and how it fails."""

from __future__ import annotations

import msgspec

__all__ = ["FoundLyrics", "LyricsQuery", "LyricsUnavailable", "USER_AGENT"]

# LRCLIB asks clients to name themselves (app, version, homepage)
USER_AGENT = "Chorus/0.1 (self-hosted music hub; https://github.com/chorus-hub/chorus)"


class LyricsQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The track to look up: title and first artist (album and duration help LRCLIB match)."""

    title: str
    artist: str
    album: str = ""
    duration_s: float | None = None


class FoundLyrics(msgspec.Struct, frozen=True, kw_only=True):
    """Lyrics a provider had: plain text, LRC text when synced, and a link to the source."""

    plain: str
    synced: str | None = None
    source: str
    source_url: str = ""


class LyricsUnavailable(Exception):
    """The provider could not be asked (network, timeout, 5xx, bad answer), as opposed to a
    miss, which is None."""
