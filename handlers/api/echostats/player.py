"""EchoStats' `/api/v1/player/*`: the signed-in user's Spotify player, through their linked
account (handlers.listening.spotify_account)."""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_json, read_struct
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats
from handlers.api.keys import context
from handlers.listening import spotify_account as account
from handlers.listening.spotify_account import PlayingTrack

__all__ = ["setup_routes", "PREFIX"]

PREFIX = "/api/v1/player"


class NothingPlaying(msgspec.Struct):
    is_playing: bool = False


class NowPlaying(msgspec.Struct, kw_only=True):
    is_playing: bool
    track_name: str
    artist_name: str
    album_name: str
    album_image: str | None
    track_id: str
    duration_ms: int
    progress_ms: int
    device: str
    shuffle: bool
    repeat: str


class DeviceOut(msgspec.Struct):
    id: str
    name: str
    type: str
    is_active: bool
    volume_percent: int | None


class Devices(msgspec.Struct):
    devices: list[DeviceOut]


class QueueOut(msgspec.Struct):
    currently_playing: PlayingTrack | None
    queue: list[PlayingTrack]


class PlayBody(msgspec.Struct):
    context_uri: str | None = None
    uris: list[str] | None = None
    device_id: str | None = None


class Status(msgspec.Struct):
    status: str


async def current(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    state = await account.playback(context(request), principal.user.id)
    if state.track is None:
        return json_response(NothingPlaying())
    track = state.track
    return json_response(NowPlaying(
        is_playing=state.is_playing, track_name=track.name, artist_name=track.artist,
        album_name=track.album, album_image=track.image, track_id=track.id,
        duration_ms=track.duration_ms, progress_ms=state.progress_ms, device=state.device,
        shuffle=state.shuffle, repeat=state.repeat))


async def devices(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await account.devices(context(request), principal.user.id)
    return json_response(Devices([DeviceOut(d.id, d.name, d.type, d.is_active, d.volume_percent)
                                  for d in found]))


async def queue(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await account.queue(context(request), principal.user.id)
    return json_response(QueueOut(found.currently_playing, found.queue))


async def play(request: web.Request) -> web.Response:
    """Every body field is optional, and so is the body: no body resumes playback."""
    principal = await require_principal(request)
    has_body = bool(await read_json(request, required=False))
    body = await read_struct(request, PlayBody) if has_body else PlayBody()
    await account.play(context(request), principal.user.id, context_uri=body.context_uri,
                       uris=body.uris, device_id=body.device_id)
    return json_response(Status("playing"))


async def pause(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await account.pause(context(request), principal.user.id)
    return json_response(Status("paused"))


async def skip_next(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await account.skip_next(context(request), principal.user.id)
    return json_response(Status("skipped"))


async def skip_previous(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await account.skip_previous(context(request), principal.user.id)
    return json_response(Status("skipped_back"))


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", f"{PREFIX}/current", current)
    echostats.add(r, "GET", f"{PREFIX}/devices", devices)
    echostats.add(r, "GET", f"{PREFIX}/queue", queue)
    echostats.add(r, "POST", f"{PREFIX}/play", play)
    echostats.add(r, "POST", f"{PREFIX}/pause", pause)
    echostats.add(r, "POST", f"{PREFIX}/next", skip_next)
    echostats.add(r, "POST", f"{PREFIX}/previous", skip_previous)
