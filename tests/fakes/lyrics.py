"""Fake lyrics providers served by aiohttp, in their real wire formats.

LRCLIB: `GET /api/get?track_name=&artist_name=&album_name=&duration=` answers the record
`{id, name, trackName, artistName, albumName, duration, instrumental, plainLyrics,
syncedLyrics}` when the lowercase names match, else 404 `{code, name: "TrackNotFound",
message}`; 400 without track_name or artist_name. Musixmatch: `GET /ws/1.1/matcher.lyrics.get`
always answers HTTP 200 with `{"message": {"header": {"status_code"}, "body"}}`: 401 for a key
other than `key`, 404 with an empty body list on a miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FakeLyrics", "LrclibTrack", "make_lrclib_app", "make_musixmatch_app",
           "MUSIXMATCH_KEY"]

MUSIXMATCH_KEY = "mxm-test-key"


@dataclass
class LrclibTrack:
    track: str
    artist: str
    plain: str | None
    synced: str | None = None
    album: str = ""
    duration: float = 200.0
    instrumental: bool = False


@dataclass
class FakeLyrics:
    """Tracks each fake knows, a forced status, and the queries seen."""

    lrclib: list[LrclibTrack] = field(default_factory=list)
    musixmatch: dict[tuple[str, str], str] = field(default_factory=dict)  # (artist, track)
    status: int | None = None
    calls: list[dict[str, str]] = field(default_factory=list)


state_key = web.AppKey("lyrics_state", FakeLyrics)


def _record(number: int, track: LrclibTrack) -> dict[str, Any]:
    return {"id": number, "name": track.track, "trackName": track.track,
            "artistName": track.artist, "albumName": track.album, "duration": track.duration,
            "instrumental": track.instrumental, "plainLyrics": track.plain,
            "syncedLyrics": track.synced}


async def lrclib_get(request: web.Request) -> web.Response:
    state = request.app[state_key]
    query = dict(request.query)
    state.calls.append(query)
    if state.status is not None:
        return web.json_response({"code": state.status, "name": "Error", "message": "forced"},
                                 status=state.status)
    if not query.get("track_name") or not query.get("artist_name"):
        return web.json_response({"code": 400, "name": "ValidationError",
                                  "message": "track_name and artist_name are required"},
                                 status=400)
    for number, track in enumerate(state.lrclib, start=1):
        if (track.track.lower() == query["track_name"].lower()
                and track.artist.lower() == query["artist_name"].lower()):
            return web.json_response(_record(number, track))
    return web.json_response({"code": 404, "name": "TrackNotFound",
                              "message": "Failed to find specified track"}, status=404)


def _mxm(status: int, body: Any) -> web.Response:
    return web.json_response({"message": {"header": {"status_code": status,
                                                     "execute_time": 0.01}, "body": body}})


async def musixmatch_lyrics(request: web.Request) -> web.Response:
    state = request.app[state_key]
    query = dict(request.query)
    state.calls.append(query)
    if query.get("apikey") != MUSIXMATCH_KEY:
        return _mxm(401, [])
    text = state.musixmatch.get((query.get("q_artist", "").lower(),
                                 query.get("q_track", "").lower()))
    if text is None:
        return _mxm(404, [])
    return _mxm(200, {"lyrics": {
        "lyrics_id": 1, "explicit": 0,
        "lyrics_body": text + "\n...\n\n******* This Lyrics is NOT for Commercial use *******\n"
                              "(1409623089069)",
        "script_tracking_url": "https://tracking.musixmatch.com/t1.0/x",
        "pixel_tracking_url": "https://tracking.musixmatch.com/t1.0/y",
        "lyrics_copyright": "Lyrics powered by www.musixmatch.com.",
        "backlink_url": "https://www.musixmatch.com/lyrics/x/y",
        "updated_time": "2024-01-01T00:00:00Z"}})


def make_lrclib_app(state: FakeLyrics) -> web.Application:
    app = web.Application()
    app[state_key] = state
    app.router.add_get("/api/get", lrclib_get)
    return app


def make_musixmatch_app(state: FakeLyrics) -> web.Application:
    app = web.Application()
    app[state_key] = state
    app.router.add_get("/ws/1.1/matcher.lyrics.get", musixmatch_lyrics)
    return app
