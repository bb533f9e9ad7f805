"""A fake Spotify (accounts service and Web API) served by aiohttp, in the real wire format.

Accounts: `GET /authorize` (approves at once for the current user), `POST /api/token`
(client_credentials, authorization_code, refresh_token; client auth Basic or form).
Web API under `/v1`: search (tracks, albums, artists, playlists paging objects), tracks/{id},
albums/{id} and /tracks, playlists/{id} and /tracks, artists/{id} and /albums (with
include_groups), me, me/player/recently-played; the account's playlists, player, library and
the browse lists are tests.fakes.spotify_me's. Errors are `{"error": {"status", "message"}}`
(400 "Invalid base62 id", 404 "Resource not found", 401 for a bad or expired token).
`rate_limit_next` answers 429 with Retry-After, `fail_next` any status, before any handler.
The seeded catalog is small and real-looking; tests add more with `add_track` & co.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from yarl import URL

from tests.fakes.spotify_data import (
    album_simple,
    artist_full,
    links,
    parse_query,
    playlist_item,
    playlist_simple,
    search_items,
    seed,
    track_full,
    track_simple,
)
from tests.fakes.spotify_me import add_account_routes
from tests.fakes.spotify_wire import USER
from tests.fakes.spotify_wire import base as _base
from tests.fakes.spotify_wire import error as _error
from tests.fakes.spotify_wire import int_arg as _int
from tests.fakes.spotify_wire import page_args as _page_args
from tests.fakes.spotify_wire import paging as _paging

__all__ = ["FakeSpotify", "SPOTIFY", "CLIENT_ID", "CLIENT_SECRET", "make_spotify_app",
           "state_of", "add_user", "rate_limit_next", "fail_next", "expire_tokens",
           "add_track", "add_playlist", "spotify_settings", "oauth_config"]

CLIENT_ID = "fake-spotify-client"
CLIENT_SECRET = "fake-spotify-secret"
_BASE62 = re.compile(r"[0-9A-Za-z]{22}")
GROUPS = ("album", "single", "compilation", "appears_on")


@dataclass
class FakeSpotify:
    """Catalog, accounts and switches; `calls` lists "METHOD /path?query" of every request."""

    artists: dict[str, dict[str, Any]] = field(default_factory=dict)
    albums: dict[str, dict[str, Any]] = field(default_factory=dict)
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    playlists: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    played: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    current: str | None = None
    app_tokens: dict[str, bool] = field(default_factory=dict)  # token -> still valid
    user_tokens: dict[str, tuple[str, bool]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def issue_user_tokens(self, user_id: str) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.user_tokens[access] = (user_id, True)
        self.refresh_tokens[refresh] = user_id
        return access, refresh

    def calls_to(self, prefix: str) -> list[str]:
        return [c for c in self.calls if c.split(" ", 1)[1].startswith(prefix)]


SPOTIFY: web.AppKey[FakeSpotify] = web.AppKey("fake_spotify", FakeSpotify)


def state_of(app: web.Application) -> FakeSpotify:
    return app[SPOTIFY]


def add_user(app: web.Application, user_id: str, display_name: str = "",
             email: str | None = None) -> tuple[str, str]:
    """A Spotify account, made the one /authorize approves; its (access, refresh) tokens."""
    state = app[SPOTIFY]
    state.users[user_id] = {"id": user_id, "display_name": display_name or user_id,
                            "email": email, "country": "FR", "product": "premium"}
    state.current = user_id
    return state.issue_user_tokens(user_id)


def rate_limit_next(app: web.Application, retry_after: str | None = "1", times: int = 1) -> None:
    fail_next(app, 429, retry_after, times)


def fail_next(app: web.Application, status: int = 503, retry_after: str | None = None,
              times: int = 1) -> None:
    app[SPOTIFY].failures.extend([(status, retry_after)] * times)


def expire_tokens(app: web.Application) -> None:
    """Every token issued so far answers 401 "The access token expired" from now on."""
    state = app[SPOTIFY]
    state.app_tokens = dict.fromkeys(state.app_tokens, False)
    state.user_tokens = {t: (u, False) for t, (u, _) in state.user_tokens.items()}


def add_track(app: web.Application, track_id: str, name: str, album_id: str,
              artist_ids: list[str], **fields: Any) -> None:
    state = app[SPOTIFY]
    state.tracks[track_id] = {"name": name, "album": album_id, "artists": artist_ids,
                              "duration_ms": 200000, "explicit": False, "popularity": 50,
                              "isrc": "FAKE00000000", "disc_number": 1, **fields}
    album = state.albums[album_id]
    album["tracks"].append(track_id)
    state.tracks[track_id].setdefault("track_number", len(album["tracks"]))


def add_playlist(app: web.Application, playlist_id: str, name: str, track_ids: list[str],
                 **fields: Any) -> None:
    app[SPOTIFY].playlists[playlist_id] = {
        "name": name, "description": "", "owner": {"id": "chorus", "display_name": "Chorus"},
        "public": True, "collaborative": False, "tracks": list(track_ids), **fields}


def spotify_settings(server_url: Any) -> dict[str, str]:
    """Chorus config overrides pointing the catalog at a fake served at `server_url`."""
    base = str(server_url).rstrip("/")
    return {"spotify_client_id": CLIENT_ID, "spotify_client_secret": CLIENT_SECRET,
            "spotify_api_url": f"{base}/v1", "spotify_accounts_url": base}


def oauth_config(server_url: Any) -> Any:
    """The OAuthProviderConfig of Spotify sign-in and connect at the fake."""
    from hub.config import OAUTH_PROVIDERS, OAuthProviderConfig

    base = str(server_url).rstrip("/")
    return OAuthProviderConfig(name="spotify", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                               authorize_url=f"{base}/authorize", token_url=f"{base}/api/token",
                               userinfo_url=f"{base}/v1/me",
                               scope=OAUTH_PROVIDERS["spotify"]["scope"])


def make_spotify_app() -> web.Application:
    app = web.Application(middlewares=[_record_and_fail])
    state = FakeSpotify()
    seed(state)
    app[SPOTIFY] = state
    r = app.router
    r.add_get("/authorize", _authorize)
    r.add_post("/api/token", _token)
    r.add_get("/v1/search", _search)
    r.add_get("/v1/tracks/{id}", _track)
    r.add_get("/v1/albums/{id}", _album)
    r.add_get("/v1/albums/{id}/tracks", _album_tracks)
    r.add_get("/v1/playlists/{id}", _playlist)
    r.add_get("/v1/playlists/{id}/tracks", _playlist_tracks)
    r.add_get("/v1/artists/{id}", _artist)
    r.add_get("/v1/artists/{id}/albums", _artist_albums)
    r.add_get("/v1/me", _me)
    r.add_get("/v1/me/player/recently-played", _recently_played)
    add_account_routes(app, state)
    return app


# -- plumbing ----------------------------------------------------------------------------------


@web.middleware
async def _record_and_fail(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[SPOTIFY]
    state.calls.append(f"{request.method} {request.path_qs}")
    if state.failures:
        status, retry_after = state.failures.pop(0)
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        message = "API rate limit exceeded" if status == 429 else "Service unavailable"
        return _error(status, message, headers)
    if request.path.startswith("/v1/"):
        refused = _check_token(request, user_only=request.path.startswith("/v1/me"))
        if refused is not None:
            return refused
    return await handler(request)


def _check_token(request: web.Request, user_only: bool) -> web.Response | None:
    state = request.app[SPOTIFY]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not token:
        return _error(401, "No token provided")
    if token in state.user_tokens:
        user_id, valid = state.user_tokens[token]
        request[USER] = user_id
        return None if valid else _error(401, "The access token expired")
    if token in state.app_tokens:
        if not state.app_tokens[token]:
            return _error(401, "The access token expired")
        return _error(401, "Valid user authentication required") if user_only else None
    return _error(401, "Invalid access token")


def _lookup(table: dict[str, Any], item_id: str) -> dict[str, Any] | web.Response:
    if not _BASE62.fullmatch(item_id):
        return _error(400, "Invalid base62 id")
    if item_id not in table:
        return _error(404, "Resource not found")
    return table[item_id]


# -- accounts ----------------------------------------------------------------------------------


async def _authorize(request: web.Request) -> web.Response:
    state = request.app[SPOTIFY]
    query = request.query
    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
        return web.Response(status=400, text="INVALID_CLIENT: Invalid client")
    if state.current is None:
        return web.Response(status=400, text="nobody is signed in at the fake Spotify")
    code = secrets.token_urlsafe(12)
    state.codes[code] = (state.current, query.get("redirect_uri", ""))
    target = URL(query.get("redirect_uri", "")).update_query(code=code,
                                                              state=query.get("state", ""))
    raise web.HTTPFound(str(target))


def _client_ok(request: web.Request, form: Any) -> bool:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        pair = base64.b64decode(header[6:]).decode(errors="replace").partition(":")
        return (pair[0], pair[2]) == (CLIENT_ID, CLIENT_SECRET)
    return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)


async def _token(request: web.Request) -> web.Response:
    state = request.app[SPOTIFY]
    form = await request.post()
    if not _client_ok(request, form):
        return web.json_response({"error": "invalid_client",
                                  "error_description": "Invalid client"}, status=400)
    grant = form.get("grant_type")
    if grant == "client_credentials":
        token = secrets.token_urlsafe(16)
        state.app_tokens[token] = True
        return web.json_response({"access_token": token, "token_type": "Bearer",
                                  "expires_in": 3600})
    if grant == "authorization_code":
        user_id, redirect_uri = state.codes.pop(str(form.get("code", "")), ("", ""))
        if not user_id or redirect_uri != form.get("redirect_uri"):
            return web.json_response({"error": "invalid_grant",
                                      "error_description": "Invalid authorization code"},
                                     status=400)
        access, refresh = state.issue_user_tokens(user_id)
        return web.json_response({"access_token": access, "token_type": "Bearer",
                                  "scope": "user-read-email user-read-private",
                                  "expires_in": 3600, "refresh_token": refresh})
    if grant == "refresh_token":
        user_id = state.refresh_tokens.get(str(form.get("refresh_token", "")), "")
        if not user_id:
            return web.json_response({"error": "invalid_grant",
                                      "error_description": "Invalid refresh token"}, status=400)
        access = secrets.token_urlsafe(16)
        state.user_tokens[access] = (user_id, True)  # the refresh token stays valid, as Spotify's
        return web.json_response({"access_token": access, "token_type": "Bearer",
                                  "scope": "user-read-email user-read-private",
                                  "expires_in": 3600})
    return web.json_response({"error": "unsupported_grant_type",
                              "error_description": f"grant_type {grant!r} unsupported"},
                             status=400)


# -- Web API -----------------------------------------------------------------------------------


async def _search(request: web.Request) -> web.Response:
    state, base = request.app[SPOTIFY], _base(request)
    q = request.query.get("q", "")
    if not q.strip():
        return _error(400, "No search query")
    types = [t for t in request.query.get("type", "").split(",") if t]
    if not types or any(t not in ("track", "album", "artist", "playlist") for t in types):
        return _error(400, "Bad search type field")
    args = _page_args(request, 20, 50)
    if isinstance(args, web.Response):
        return args
    offset, limit = args
    if offset > 1000:
        return _error(400, "Invalid offset")
    words, genres = parse_query(q)
    url = request.url.with_query({"q": q, "type": request.query["type"]})
    return web.json_response({f"{t}s": _paging(url, search_items(state, base, t, words, genres),
                                                offset, limit) for t in types})


async def _track(request: web.Request) -> web.Response:
    state = request.app[SPOTIFY]
    found = _lookup(state.tracks, request.match_info["id"])
    if isinstance(found, web.Response):
        return found
    return web.json_response(track_full(state, _base(request), request.match_info["id"]))


async def _album(request: web.Request) -> web.Response:
    state, base, album_id = request.app[SPOTIFY], _base(request), request.match_info["id"]
    found = _lookup(state.albums, album_id)
    if isinstance(found, web.Response):
        return found
    tracks = [track_simple(state, base, i) for i in found["tracks"]]
    return web.json_response({
        **album_simple(state, base, album_id), "genres": [], "label": found["label"],
        "popularity": found["popularity"], "copyrights": [{"text": found["label"], "type": "C"}],
        "external_ids": {"upc": "0000000000000"},
        "tracks": _paging(URL(f"{base}/albums/{album_id}/tracks"), tracks, 0, 50)})


async def _album_tracks(request: web.Request) -> web.Response:
    state, base, album_id = request.app[SPOTIFY], _base(request), request.match_info["id"]
    found = _lookup(state.albums, album_id)
    args = _page_args(request, 20, 50)
    if isinstance(found, web.Response) or isinstance(args, web.Response):
        return found if isinstance(found, web.Response) else args  # type: ignore[return-value]
    tracks = [track_simple(state, base, i) for i in found["tracks"]]
    return web.json_response(_paging(URL(f"{base}/albums/{album_id}/tracks"), tracks, *args))


async def _playlist(request: web.Request) -> web.Response:
    state, base, playlist_id = request.app[SPOTIFY], _base(request), request.match_info["id"]
    found = _lookup(state.playlists, playlist_id)
    if isinstance(found, web.Response):
        return found
    items = [playlist_item(state, base, i) for i in found["tracks"]]
    return web.json_response({
        **playlist_simple(state, base, playlist_id), "followers": {"href": None, "total": 7},
        "tracks": _paging(URL(f"{base}/playlists/{playlist_id}/tracks"), items, 0, 100)})


async def _playlist_tracks(request: web.Request) -> web.Response:
    state, base, playlist_id = request.app[SPOTIFY], _base(request), request.match_info["id"]
    found = _lookup(state.playlists, playlist_id)
    args = _page_args(request, 100, 100)
    if isinstance(found, web.Response) or isinstance(args, web.Response):
        return found if isinstance(found, web.Response) else args  # type: ignore[return-value]
    items = [playlist_item(state, base, i) for i in found["tracks"]]
    return web.json_response(_paging(URL(f"{base}/playlists/{playlist_id}/tracks"), items, *args))


async def _artist(request: web.Request) -> web.Response:
    state = request.app[SPOTIFY]
    found = _lookup(state.artists, request.match_info["id"])
    if isinstance(found, web.Response):
        return found
    return web.json_response(artist_full(state, _base(request), request.match_info["id"]))


def _group(album: dict[str, Any], artist_id: str) -> str:
    if artist_id not in album["artists"]:
        return "appears_on"
    return str(album["album_type"])


async def _artist_albums(request: web.Request) -> web.Response:
    state, base, artist_id = request.app[SPOTIFY], _base(request), request.match_info["id"]
    found = _lookup(state.artists, artist_id)
    args = _page_args(request, 20, 50)
    if isinstance(found, web.Response) or isinstance(args, web.Response):
        return found if isinstance(found, web.Response) else args  # type: ignore[return-value]
    groups = [g for g in request.query.get("include_groups", "").split(",") if g] or list(GROUPS)
    if any(g not in GROUPS for g in groups):
        return _error(400, "Invalid include_groups")
    related = [(i, a) for i, a in state.albums.items() if artist_id in a["artists"]
               or any(artist_id in state.tracks[t]["artists"] for t in a["tracks"])]
    items = [{**album_simple(state, base, i), "album_group": _group(a, artist_id)}
             for i, a in related if _group(a, artist_id) in groups]
    url = URL(f"{base}/artists/{artist_id}/albums").update_query(include_groups=",".join(groups))
    return web.json_response(_paging(url, items, *args))


async def _me(request: web.Request) -> web.Response:
    user = request.app[SPOTIFY].users[request[USER]]
    return web.json_response({**links(_base(request), "user", user["id"]),
                              "display_name": user["display_name"], "email": user["email"],
                              "country": user["country"], "product": user["product"],
                              "images": [], "followers": {"href": None, "total": 3}})


async def _recently_played(request: web.Request) -> web.Response:
    """Newest first; `before` (Unix ms) pages back, with `next` and `cursors` as Spotify's;
    `after` (Unix ms) keeps the plays that ended after it (`next` then pages forward)."""
    state, base = request.app[SPOTIFY], _base(request)
    limit = _int(request, "limit", 20, 50)
    if isinstance(limit, web.Response):
        return limit
    before = int(request.query.get("before", "0") or 0)
    after = int(request.query.get("after", "0") or 0)
    if before and after:
        return _error(400, "Only one of before and after may be given")
    played = sorted(state.played.get(request[USER], []), key=lambda p: p[1], reverse=True)
    if before:
        played = [p for p in played if _ms(p[1]) < before]
    if after:
        played = [p for p in played if _ms(p[1]) > after]
    page = played[-limit:] if after else played[:limit]
    items = [{"track": track_full(state, base, t), "played_at": at,
              "context": None} for t, at in page]
    more = len(played) > limit
    cursor = str(_ms(page[-1][1])) if page else None
    url = URL(f"{base}/me/player/recently-played")
    following = None
    if more and page:
        following = str(url.update_query(after=str(_ms(page[0][1])), limit=limit) if after
                        else url.update_query(before=cursor, limit=limit))
    return web.json_response({
        "href": str(request.url), "items": items, "limit": limit, "next": following,
        "cursors": {"after": str(_ms(page[0][1])), "before": cursor} if page else None})


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
