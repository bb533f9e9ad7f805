"""What a user's linked Spotify account shows and does, live from Spotify's Web API with
their own token (handlers.catalog.factory.spotify_user: refreshed when it expires): their
playlists, their player (state, devices, queue, play / pause / next / previous), Spotify's
browse lists (new releases, featured playlists, categories) and their library (followed
artists, saved albums).

Failures are domain errors: no linked account Unauthorized "spotify_not_connected" (or
"oauth_refresh_failed" when the refresh is refused); Spotify refusing the token even after a
refresh Unauthorized "spotify_token_refused"; Spotify's 403 (Premium required, a player
restriction, a missing scope) Forbidden "spotify_forbidden"; its 404 (no active device)
NotFound "spotify_not_found"; its 429 RateLimited with Retry-After; a 400 Invalid; anything
else BadGateway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec

from handlers.catalog.factory import spotify_client, spotify_user
from handlers.context import Context
from handlers.errors import (
    BadGateway,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from providers.spotify import PAGE_LIMIT, SpotifyError

__all__ = ["PlaylistSummary", "PlaylistPage", "PlayingTrack", "Playback", "Device", "Queue",
           "AlbumSummary", "AlbumPage", "FeaturedPlaylists", "Category", "FollowedArtist",
           "ArtistPage", "MAX_QUEUE", "my_playlists", "playback", "devices", "queue", "play",
           "pause", "skip_next", "skip_previous", "new_releases", "featured_playlists",
           "categories", "followed_artists", "saved_albums"]

Json = dict[str, Any]
MAX_QUEUE = 20  # the queue as EchoStats shows it: up to 20 items


class PlaylistSummary(msgspec.Struct, frozen=True, kw_only=True):
    spotify_id: str
    name: str
    description: str
    image_url: str | None
    tracks_total: int
    owner: str
    public: bool | None
    collaborative: bool
    external_url: str


class PlaylistPage(msgspec.Struct, frozen=True):
    items: list[PlaylistSummary]
    total: int


class PlayingTrack(msgspec.Struct, frozen=True, kw_only=True):
    """A track as the player shows it: artist names joined with ", "."""

    id: str
    name: str
    artist: str
    album: str
    image: str | None
    duration_ms: int


class Playback(msgspec.Struct, frozen=True, kw_only=True):
    """The player's state; `track` None when nothing is playing (nor paused on a track)."""

    is_playing: bool
    track: PlayingTrack | None = None
    progress_ms: int = 0
    device: str = ""
    shuffle: bool = False
    repeat: str = "off"


class Device(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    type: str
    is_active: bool
    volume_percent: int | None


class Queue(msgspec.Struct, frozen=True):
    currently_playing: PlayingTrack | None
    queue: list[PlayingTrack]


class AlbumSummary(msgspec.Struct, frozen=True, kw_only=True):
    """An album in a list; `added_at` only for saved albums."""

    id: str
    name: str
    artists: str
    image: str | None
    release_date: str
    total_tracks: int
    type: str
    added_at: str | None = None


class AlbumPage(msgspec.Struct, frozen=True):
    items: list[AlbumSummary]
    total: int


class FeaturedPlaylists(msgspec.Struct, frozen=True):
    message: str
    items: list[PlaylistSummary]


class Category(msgspec.Struct, frozen=True):
    id: str
    name: str
    image: str | None


class FollowedArtist(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    image: str | None
    followers: int
    genres: list[str]


class ArtistPage(msgspec.Struct, frozen=True):
    items: list[FollowedArtist]
    total: int


# -- Spotify JSON -> records -------------------------------------------------------------------


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _items(paging: Any) -> list[Json]:
    return [i for i in _dict(paging).get("items") or [] if isinstance(i, dict)]


def _image(raw: Json, key: str = "images") -> str | None:
    """The first (largest) image's URL; Spotify sends null images for some playlists."""
    found = [i for i in raw.get(key) or [] if isinstance(i, dict) and i.get("url")]
    return str(found[0]["url"]) if found else None


def _names(raw: Json) -> str:
    return ", ".join(str(a.get("name") or "") for a in raw.get("artists") or []
                     if isinstance(a, dict))


def _url(raw: Json) -> str:
    return str(_dict(raw.get("external_urls")).get("spotify") or "")


def _playlist(raw: Json) -> PlaylistSummary:
    owner = _dict(raw.get("owner"))
    return PlaylistSummary(
        spotify_id=str(raw.get("id") or ""), name=str(raw.get("name") or ""),
        description=str(raw.get("description") or ""), image_url=_image(raw),
        tracks_total=int(_dict(raw.get("tracks")).get("total") or 0),
        owner=str(owner.get("display_name") or owner.get("id") or ""),
        public=raw.get("public"), collaborative=bool(raw.get("collaborative")),
        external_url=_url(raw))


def _playing(raw: Json) -> PlayingTrack:
    """A track or an episode (whose show stands for the album and the artist)."""
    album = _dict(raw.get("album")) or _dict(raw.get("show"))
    artist = _names(raw) or str(album.get("publisher") or "")
    return PlayingTrack(id=str(raw.get("id") or ""), name=str(raw.get("name") or ""),
                        artist=artist, album=str(album.get("name") or ""),
                        image=_image(album) or _image(raw),
                        duration_ms=int(raw.get("duration_ms") or 0))


def _album(raw: Json, added_at: str | None = None) -> AlbumSummary:
    return AlbumSummary(id=str(raw.get("id") or ""), name=str(raw.get("name") or ""),
                        artists=_names(raw), image=_image(raw),
                        release_date=str(raw.get("release_date") or ""),
                        total_tracks=int(raw.get("total_tracks") or 0),
                        type=str(raw.get("album_type") or ""), added_at=added_at)


def _artist(raw: Json) -> FollowedArtist:
    return FollowedArtist(id=str(raw.get("id") or ""), name=str(raw.get("name") or ""),
                          image=_image(raw),
                          followers=int(_dict(raw.get("followers")).get("total") or 0),
                          genres=[str(g) for g in raw.get("genres") or []])


# -- errors ------------------------------------------------------------------------------------


@asynccontextmanager
async def _spotify() -> AsyncIterator[None]:
    """A SpotifyError as the domain error a dialect renders (see the module docstring)."""
    try:
        yield
    except SpotifyError as exc:
        said = f"Spotify: {exc.message}"
        if exc.reason == "unauthorized":
            raise Unauthorized("Spotify refused the account's token; sign in with Spotify "
                               "again", code="spotify_token_refused") from exc
        if exc.reason == "forbidden":
            raise Forbidden(said, code="spotify_forbidden") from exc
        if exc.reason == "not_found":
            raise NotFound(said, code="spotify_not_found") from exc
        if exc.reason == "rate_limited":
            raise RateLimited("Spotify is rate limiting Chorus; try again later",
                              code="spotify_rate_limited", retry_after=exc.retry_after) from exc
        if exc.reason == "bad_request":
            raise Invalid(said, code="spotify_bad_request") from exc
        if exc.reason == "not_configured":
            raise Unavailable("Spotify is not configured", code="spotify_not_configured") from exc
        if exc.reason == "network":  # the details (addresses) are in the log, not for clients
            raise BadGateway("Spotify could not be reached", code="spotify_unavailable") from exc
        raise BadGateway(f"Spotify failed: {exc.message}", code="spotify_unavailable") from exc


# -- operations --------------------------------------------------------------------------------


async def my_playlists(ctx: Context, user_id: int, *, offset: int, limit: int) -> PlaylistPage:
    """The playlists the user owns or follows, `limit` of them from `offset` (Spotify pages
    by 50 at most, so a larger `limit` reads two pages)."""
    client, user = spotify_client(ctx), spotify_user(ctx, user_id)
    async with _spotify():
        first = await client.my_playlists(user, limit=min(limit, PAGE_LIMIT), offset=offset)
        items = [_playlist(p) async for p in client.follow(first, user=user, max_items=limit)
                 if isinstance(p, dict)]
    return PlaylistPage(items=items, total=int(_dict(first).get("total") or 0))


async def playback(ctx: Context, user_id: int) -> Playback:
    """What the user's player is doing; `is_playing` false and no track when nothing plays."""
    async with _spotify():
        state = _dict(await spotify_client(ctx).playback_state(spotify_user(ctx, user_id)))
    item = _dict(state.get("item"))
    if not item:
        return Playback(is_playing=False)
    return Playback(is_playing=bool(state.get("is_playing")), track=_playing(item),
                    progress_ms=int(state.get("progress_ms") or 0),
                    device=str(_dict(state.get("device")).get("name") or ""),
                    shuffle=bool(state.get("shuffle_state")),
                    repeat=str(state.get("repeat_state") or "off"))


async def devices(ctx: Context, user_id: int) -> list[Device]:
    async with _spotify():
        raw = _dict(await spotify_client(ctx).devices(spotify_user(ctx, user_id)))
    return [Device(id=str(d.get("id") or ""), name=str(d.get("name") or ""),
                   type=str(d.get("type") or ""), is_active=bool(d.get("is_active")),
                   volume_percent=d.get("volume_percent"))
            for d in raw.get("devices") or [] if isinstance(d, dict)]


async def queue(ctx: Context, user_id: int) -> Queue:
    """The track playing and up to MAX_QUEUE tracks after it."""
    async with _spotify():
        raw = _dict(await spotify_client(ctx).queue(spotify_user(ctx, user_id)))
    current = _dict(raw.get("currently_playing"))
    upcoming = [t for t in raw.get("queue") or [] if isinstance(t, dict)][:MAX_QUEUE]
    return Queue(currently_playing=_playing(current) if current else None,
                 queue=[_playing(t) for t in upcoming])


async def play(ctx: Context, user_id: int, *, context_uri: str | None = None,
               uris: Sequence[str] | None = None, device_id: str | None = None) -> None:
    """Start `context_uri` or `uris` (on `device_id`), or resume when neither is given."""
    async with _spotify():
        await spotify_client(ctx).play(spotify_user(ctx, user_id), device_id=device_id,
                                       context_uri=context_uri, uris=uris)


async def pause(ctx: Context, user_id: int) -> None:
    async with _spotify():
        await spotify_client(ctx).pause(spotify_user(ctx, user_id))


async def skip_next(ctx: Context, user_id: int) -> None:
    async with _spotify():
        await spotify_client(ctx).skip_next(spotify_user(ctx, user_id))


async def skip_previous(ctx: Context, user_id: int) -> None:
    async with _spotify():
        await spotify_client(ctx).skip_previous(spotify_user(ctx, user_id))


async def new_releases(ctx: Context, user_id: int, *, limit: int) -> list[AlbumSummary]:
    async with _spotify():
        raw = _dict(await spotify_client(ctx).new_releases(spotify_user(ctx, user_id),
                                                           limit=limit))
    return [_album(a) for a in _items(raw.get("albums"))]


async def featured_playlists(ctx: Context, user_id: int, *, limit: int) -> FeaturedPlaylists:
    async with _spotify():
        raw = _dict(await spotify_client(ctx).featured_playlists(spotify_user(ctx, user_id),
                                                                 limit=limit))
    return FeaturedPlaylists(message=str(raw.get("message") or ""),
                             items=[_playlist(p) for p in _items(raw.get("playlists"))])


async def categories(ctx: Context, user_id: int, *, limit: int) -> list[Category]:
    async with _spotify():
        raw = _dict(await spotify_client(ctx).categories(spotify_user(ctx, user_id),
                                                         limit=limit))
    return [Category(id=str(c.get("id") or ""), name=str(c.get("name") or ""),
                     image=_image(c, "icons")) for c in _items(raw.get("categories"))]


async def followed_artists(ctx: Context, user_id: int, *, limit: int) -> ArtistPage:
    """The first `limit` artists the user follows, and how many they follow in all."""
    async with _spotify():
        raw = _dict(await spotify_client(ctx).followed_artists(spotify_user(ctx, user_id),
                                                               limit=limit))
    paging = _dict(raw.get("artists"))
    return ArtistPage(items=[_artist(a) for a in _items(paging)],
                      total=int(paging.get("total") or 0))


async def saved_albums(ctx: Context, user_id: int, *, limit: int, offset: int) -> AlbumPage:
    async with _spotify():
        raw = _dict(await spotify_client(ctx).saved_albums(spotify_user(ctx, user_id),
                                                           limit=limit, offset=offset))
    items = [_album(_dict(i.get("album")), added_at=str(i.get("added_at") or ""))
             for i in _items(raw) if isinstance(i.get("album"), dict)]
    return AlbumPage(items=items, total=int(raw.get("total") or 0))
