"""The fake Spotify's per-account endpoints, in Spotify's wire format: the account's playlists
(`GET /v1/me/playlists`), its player (`GET /v1/me/player` — 204 when nothing is active —,
`/devices`, `/queue`; `PUT /play`, `PUT /pause`, `POST /next`, `POST /previous`, all 204),
its library (`GET /v1/me/following?type=artist` with cursor paging, `GET /v1/me/albums`) and
the browse lists (`GET /v1/browse/new-releases`, `/featured-playlists`, `/categories`).

Each account (the token's owner) has its own player, so a command moves only its player.
Player errors are Spotify's: 404 "Player command failed: No active device found", 404
"Device not found", 403 "Player command failed: Premium required" for a free account, 403
"Player command failed: Restriction violated" (pausing what is paused, resuming nothing).
Tests set the scene with `add_device`, `start_playing`, `follow_artists`, `save_albums`,
`own_playlists`, `finish_plays` (the recently-played list) and read it with `player_of`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from yarl import URL

from tests.fakes.spotify_data import (
    DISCOVERY,
    GET_LUCKY_SINGLE,
    OPERA,
    PICKS,
    RAM,
    album_simple,
    artist_full,
    images,
    links,
    playlist_simple,
    track_full,
    track_simple,
)
from tests.fakes.spotify_wire import USER, base, error, int_arg, page_args, paging

__all__ = ["FakePlayer", "FakeAccounts", "ACCOUNTS", "add_account_routes", "add_device",
           "start_playing", "player_of", "follow_artists", "save_albums", "own_playlists",
           "finish_plays",
           "CATEGORIES", "FEATURED_MESSAGE"]

FEATURED_MESSAGE = "Good afternoon"
CATEGORIES = [("toplists", "Top Lists"), ("pop", "Pop"), ("rock", "Rock"),
              ("electronic", "Electronic")]


@dataclass
class FakePlayer:
    """One account's player: its devices, the active one, the track and what comes next."""

    devices: list[dict[str, Any]] = field(default_factory=list)
    active: str | None = None
    track: str | None = None
    queue: list[str] = field(default_factory=list)
    played: list[str] = field(default_factory=list)
    is_playing: bool = False
    progress_ms: int = 0
    context_uri: str | None = None


@dataclass
class FakeAccounts:
    """Per-account data beside the catalog (`catalog`: the FakeSpotify)."""

    catalog: Any
    players: dict[str, FakePlayer] = field(default_factory=dict)
    playlists: dict[str, list[str]] = field(default_factory=dict)
    following: dict[str, list[str]] = field(default_factory=dict)
    saved: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    new_releases: list[str] = field(default_factory=lambda: [
        RAM, GET_LUCKY_SINGLE, DISCOVERY, OPERA])
    featured: list[str] = field(default_factory=lambda: [PICKS])

    def player(self, user_id: str) -> FakePlayer:
        return self.players.setdefault(user_id, FakePlayer())


ACCOUNTS: web.AppKey[FakeAccounts] = web.AppKey("fake_spotify_accounts", FakeAccounts)


# -- setting the scene -------------------------------------------------------------------------


def player_of(app: web.Application, user_id: str) -> FakePlayer:
    return app[ACCOUNTS].player(user_id)


def add_device(app: web.Application, user_id: str, device_id: str, name: str,
               kind: str = "Computer", volume: int = 65) -> None:
    player_of(app, user_id).devices.append({
        "id": device_id, "is_active": False, "is_private_session": False,
        "is_restricted": False, "name": name, "type": kind, "volume_percent": volume,
        "supports_volume": True})


def start_playing(app: web.Application, user_id: str, track_id: str, queue: list[str],
                  progress_ms: int = 0) -> None:
    """The account's first device plays `track_id`, `queue` after it."""
    player = player_of(app, user_id)
    _activate(player, player.devices[0]["id"])
    player.track, player.queue, player.is_playing = track_id, list(queue), True
    player.progress_ms = progress_ms


def follow_artists(app: web.Application, user_id: str, artist_ids: list[str]) -> None:
    app[ACCOUNTS].following[user_id] = list(artist_ids)


def save_albums(app: web.Application, user_id: str, albums: list[tuple[str, str]]) -> None:
    """(album id, added_at ISO time), newest first as Spotify lists them."""
    app[ACCOUNTS].saved[user_id] = list(albums)


def own_playlists(app: web.Application, user_id: str, playlist_ids: list[str]) -> None:
    app[ACCOUNTS].playlists[user_id] = list(playlist_ids)


def finish_plays(app: web.Application, user_id: str, plays: list[tuple[str, str]]) -> None:
    """The account finished playing these (track id, ISO time the play ended): what
    `GET /v1/me/player/recently-played` lists (tests.fakes.spotify)."""
    app[ACCOUNTS].catalog.played.setdefault(user_id, []).extend(plays)


def _activate(player: FakePlayer, device_id: str) -> None:
    player.active = device_id
    for device in player.devices:
        device["is_active"] = device["id"] == device_id


# -- routes ------------------------------------------------------------------------------------


def add_account_routes(app: web.Application, catalog: Any) -> None:
    app[ACCOUNTS] = FakeAccounts(catalog=catalog)
    r = app.router
    r.add_get("/v1/me/playlists", _my_playlists)
    r.add_get("/v1/me/player", _player)
    r.add_get("/v1/me/player/devices", _devices)
    r.add_get("/v1/me/player/queue", _queue)
    r.add_put("/v1/me/player/play", _play)
    r.add_put("/v1/me/player/pause", _pause)
    r.add_post("/v1/me/player/next", _next)
    r.add_post("/v1/me/player/previous", _previous)
    r.add_get("/v1/me/following", _following)
    r.add_get("/v1/me/albums", _saved_albums)
    r.add_get("/v1/browse/new-releases", _new_releases)
    r.add_get("/v1/browse/featured-playlists", _featured)
    r.add_get("/v1/browse/categories", _categories)


def _accounts(request: web.Request) -> tuple[FakeAccounts, str]:
    return request.app[ACCOUNTS], request[USER]


def _player_error(status: int, message: str, reason: str) -> web.Response:
    return web.json_response({"error": {"status": status, "message": message,
                                        "reason": reason}}, status=status)


async def _my_playlists(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    args = page_args(request, 20, 50)
    if isinstance(args, web.Response):
        return args
    items = [playlist_simple(accounts.catalog, base(request), i)
             for i in accounts.playlists.get(user, [])]
    return web.json_response(paging(URL(f"{base(request)}/me/playlists"), items, *args))


async def _player(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    player = accounts.player(user)
    if player.active is None or player.track is None:
        return web.Response(status=204)
    device = next(d for d in player.devices if d["id"] == player.active)
    context = None
    if player.context_uri:
        _, kind, item_id = player.context_uri.split(":", 2)
        context = {**links(base(request), kind, item_id), "type": kind}
    return web.json_response({
        "device": device, "repeat_state": "off", "shuffle_state": False, "context": context,
        "timestamp": int(time.time() * 1000), "progress_ms": player.progress_ms,
        "is_playing": player.is_playing,
        "item": track_full(accounts.catalog, base(request), player.track),
        "currently_playing_type": "track",
        "actions": {"disallows": {"resuming": True} if player.is_playing else {"pausing": True}}})


async def _devices(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    return web.json_response({"devices": accounts.player(user).devices})


async def _queue(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    player, state, b = accounts.player(user), accounts.catalog, base(request)
    return web.json_response({
        "currently_playing": track_full(state, b, player.track) if player.track else None,
        "queue": [track_full(state, b, t) for t in player.queue]})


def _target(request: web.Request, player: FakePlayer) -> web.Response | None:
    """Premium, and a device to command (the `device_id` asked, else the active one)."""
    accounts, user = _accounts(request)
    if accounts.catalog.users[user]["product"] != "premium":
        return _player_error(403, "Player command failed: Premium required",
                             "PREMIUM_REQUIRED")
    device_id = request.query.get("device_id")
    if device_id is not None:
        if not any(d["id"] == device_id for d in player.devices):
            return error(404, "Device not found")
        _activate(player, device_id)
    if player.active is None:
        return _player_error(404, "Player command failed: No active device found",
                             "NO_ACTIVE_DEVICE")
    return None


def _tracks_of_uri(state: Any, uri: str) -> list[str] | None:
    kind, _, item_id = uri.removeprefix("spotify:").partition(":")
    if kind == "track" and item_id in state.tracks:
        return [item_id]
    if kind == "album" and item_id in state.albums:
        return list(state.albums[item_id]["tracks"])
    if kind == "playlist" and item_id in state.playlists:
        return list(state.playlists[item_id]["tracks"])
    return None


async def _play(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    player = accounts.player(user)
    refused = _target(request, player)
    if refused is not None:
        return refused
    body = await request.json() if request.can_read_body else {}
    uris = [body["context_uri"]] if body.get("context_uri") else body.get("uris") or []
    tracks: list[str] = []
    for uri in uris:
        found = _tracks_of_uri(accounts.catalog, str(uri))
        if found is None:
            return error(400, f"Invalid {'context' if body.get('context_uri') else 'track'} "
                              f"uri: {uri}")
        tracks += found
    if tracks:
        player.track, player.queue, player.progress_ms = tracks[0], tracks[1:], 0
        player.context_uri = body.get("context_uri")
    elif player.track is None:
        return _player_error(403, "Player command failed: Restriction violated", "UNKNOWN")
    player.is_playing = True
    return web.Response(status=204)


async def _pause(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    player = accounts.player(user)
    refused = _target(request, player)
    if refused is not None:
        return refused
    if not player.is_playing:
        return _player_error(403, "Player command failed: Restriction violated", "UNKNOWN")
    player.is_playing = False
    return web.Response(status=204)


async def _next(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    player = accounts.player(user)
    refused = _target(request, player)
    if refused is not None:
        return refused
    if player.track is not None:
        player.played.append(player.track)
    player.track = player.queue.pop(0) if player.queue else None
    player.progress_ms, player.is_playing = 0, player.track is not None
    return web.Response(status=204)


async def _previous(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    player = accounts.player(user)
    refused = _target(request, player)
    if refused is not None:
        return refused
    if player.played:
        if player.track is not None:
            player.queue.insert(0, player.track)
        player.track = player.played.pop()
    player.progress_ms = 0
    return web.Response(status=204)


async def _following(request: web.Request) -> web.Response:
    """Cursor paging: `after` is the last artist id of the previous page."""
    accounts, user = _accounts(request)
    if request.query.get("type") != "artist":
        return error(400, "Only valid type is 'artist'")
    limit = int_arg(request, "limit", 20, 50)
    if isinstance(limit, web.Response):
        return limit
    followed = accounts.following.get(user, [])
    after = request.query.get("after")
    start = followed.index(after) + 1 if after in followed else 0
    page = followed[start:start + limit]
    url = URL(f"{base(request)}/me/following").with_query(type="artist", limit=limit)
    more = start + limit < len(followed)
    return web.json_response({"artists": {
        "href": str(request.url), "limit": limit, "total": len(followed),
        "items": [artist_full(accounts.catalog, base(request), a) for a in page],
        "next": str(url.update_query(after=page[-1])) if more else None,
        "cursors": {"after": page[-1] if more else None}}})


async def _saved_albums(request: web.Request) -> web.Response:
    accounts, user = _accounts(request)
    args = page_args(request, 20, 50)
    if isinstance(args, web.Response):
        return args
    state, b = accounts.catalog, base(request)
    items = []
    for album_id, added_at in accounts.saved.get(user, []):
        album = state.albums[album_id]
        tracks = [track_simple(state, b, t) for t in album["tracks"]]
        items.append({"added_at": added_at, "album": {
            **album_simple(state, b, album_id), "genres": [], "label": album["label"],
            "popularity": album["popularity"],
            "tracks": paging(URL(f"{b}/albums/{album_id}/tracks"), tracks, 0, 50)}})
    return web.json_response(paging(URL(f"{b}/me/albums"), items, *args))


async def _new_releases(request: web.Request) -> web.Response:
    accounts, _ = _accounts(request)
    args = page_args(request, 20, 50)
    if isinstance(args, web.Response):
        return args
    items = [album_simple(accounts.catalog, base(request), a) for a in accounts.new_releases]
    url = URL(f"{base(request)}/browse/new-releases")
    return web.json_response({"albums": paging(url, items, *args)})


async def _featured(request: web.Request) -> web.Response:
    accounts, _ = _accounts(request)
    args = page_args(request, 20, 50)
    if isinstance(args, web.Response):
        return args
    items = [playlist_simple(accounts.catalog, base(request), p) for p in accounts.featured]
    url = URL(f"{base(request)}/browse/featured-playlists")
    return web.json_response({"message": FEATURED_MESSAGE, "playlists": paging(url, items,
                                                                              *args)})


async def _categories(request: web.Request) -> web.Response:
    args = page_args(request, 20, 50)
    if isinstance(args, web.Response):
        return args
    b = base(request)
    items = [{"href": f"{b}/browse/categories/{cid}", "id": cid, "name": name,
              "icons": [{**images(cid)[1], "url": f"https://t.scdn.co/media/{cid}.jpg"}]}
             for cid, name in CATEGORIES]
    return web.json_response({"categories": paging(URL(f"{b}/browse/categories"), items,
                                                   *args)})
