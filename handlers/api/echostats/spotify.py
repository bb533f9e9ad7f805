"""EchoStats' playlists, browse and library routes: what the signed-in user's linked Spotify
account shows, live (handlers.listening.spotify_account).

`/api/v1/playlists` pages (page 1.., limit 1-100) over the user's Spotify playlists; with no
copy kept, an item's `id` is its Spotify id, as `spotify_id`. Browse limits are Spotify's
(1-50), library limits the document's (1-50).
"""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats
from handlers.api.echostats._query import QueryReader
from handlers.api.keys import context
from handlers.listening import spotify_account as account
from handlers.listening.spotify_account import Category, FollowedArtist, PlaylistSummary

__all__ = ["setup_routes", "PLAYLISTS", "BROWSE", "LIBRARY"]

PLAYLISTS = "/api/v1/playlists"
BROWSE = "/api/v1/browse"
LIBRARY = "/api/v1/library"
MAX_PLAYLISTS = 100
MAX_BROWSE = 50  # Spotify's own limit for browse lists
MAX_LIBRARY = 50
MAX_OFFSET = 100_000  # Spotify's own bound for a saved-albums offset


class PlaylistOut(msgspec.Struct, kw_only=True):
    id: str
    user_id: str
    spotify_id: str
    name: str
    description: str
    image_url: str | None
    tracks_total: int
    owner: str
    public: bool | None
    collaborative: bool
    external_url: str


class PlaylistsOut(msgspec.Struct):
    items: list[PlaylistOut]
    total: int
    page: int
    limit: int


class ReleaseOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    artists: str
    image: str | None
    release_date: str
    total_tracks: int
    type: str


class ReleasesOut(msgspec.Struct):
    items: list[ReleaseOut]


class FeaturedOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    description: str
    image: str | None
    tracks_total: int
    owner: str


class FeaturedListOut(msgspec.Struct):
    message: str
    items: list[FeaturedOut]


class CategoriesOut(msgspec.Struct):
    items: list[Category]


class FollowedOut(msgspec.Struct):
    items: list[FollowedArtist]
    total: int


class SavedAlbumOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    artists: str
    image: str | None
    release_date: str
    total_tracks: int
    added_at: str | None


class SavedAlbumsOut(msgspec.Struct):
    items: list[SavedAlbumOut]
    total: int
    limit: int
    offset: int


def _playlist(p: PlaylistSummary, user_id: int) -> PlaylistOut:
    return PlaylistOut(id=p.spotify_id, user_id=str(user_id), spotify_id=p.spotify_id,
                       name=p.name, description=p.description, image_url=p.image_url,
                       tracks_total=p.tracks_total, owner=p.owner, public=p.public,
                       collaborative=p.collaborative, external_url=p.external_url)


async def playlists(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    page, limit = query.page(), query.limit(50, MAX_PLAYLISTS)
    query.check()
    found = await account.my_playlists(context(request), principal.user.id,
                                       offset=(page - 1) * limit, limit=limit)
    return json_response(PlaylistsOut([_playlist(p, principal.user.id) for p in found.items],
                                      total=found.total, page=page, limit=limit))


async def new_releases(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    limit = query.limit(20, MAX_BROWSE)
    query.check()
    albums = await account.new_releases(context(request), principal.user.id, limit=limit)
    return json_response(ReleasesOut([
        ReleaseOut(id=a.id, name=a.name, artists=a.artists, image=a.image,
                   release_date=a.release_date, total_tracks=a.total_tracks, type=a.type)
        for a in albums]))


async def featured_playlists(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    limit = query.limit(20, MAX_BROWSE)
    query.check()
    found = await account.featured_playlists(context(request), principal.user.id, limit=limit)
    return json_response(FeaturedListOut(found.message, [
        FeaturedOut(id=p.spotify_id, name=p.name, description=p.description,
                    image=p.image_url, tracks_total=p.tracks_total, owner=p.owner)
        for p in found.items]))


async def categories(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    limit = query.limit(50, MAX_BROWSE)
    query.check()
    found = await account.categories(context(request), principal.user.id, limit=limit)
    return json_response(CategoriesOut(found))


async def followed_artists(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    limit = query.limit(50, MAX_LIBRARY)
    query.check()
    found = await account.followed_artists(context(request), principal.user.id, limit=limit)
    return json_response(FollowedOut(found.items, found.total))


async def saved_albums(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    limit = query.limit(50, MAX_LIBRARY)
    offset = query.whole("offset", 0, low=0, high=MAX_OFFSET) or 0
    query.check()
    found = await account.saved_albums(context(request), principal.user.id, limit=limit,
                                       offset=offset)
    return json_response(SavedAlbumsOut([
        SavedAlbumOut(id=a.id, name=a.name, artists=a.artists, image=a.image,
                      release_date=a.release_date, total_tracks=a.total_tracks,
                      added_at=a.added_at) for a in found.items],
        total=found.total, limit=limit, offset=offset))


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", PLAYLISTS, playlists)
    echostats.add(r, "GET", f"{BROWSE}/new-releases", new_releases)
    echostats.add(r, "GET", f"{BROWSE}/featured-playlists", featured_playlists)
    echostats.add(r, "GET", f"{BROWSE}/categories", categories)
    echostats.add(r, "GET", f"{LIBRARY}/followed-artists", followed_artists)
    echostats.add(r, "GET", f"{LIBRARY}/saved-albums", saved_albums)
