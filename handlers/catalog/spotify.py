"""SpotifyCatalog: the catalog interface (handlers.catalog.interface.Catalog) over Spotify's Web API.

Ids are Spotify ids. Every track, album, artist and playlist it returns is also upserted into
the local catalog (provider "spotify"), so every dialect, and the local catalog when Spotify is
not configured any more, can find it later. Spotify failures become domain errors: an unknown
or malformed id NotFound, a long rate limit RateLimited with its Retry-After, refused app
credentials or an unreachable API BadGateway.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from handlers.catalog.interface import (
    DEFAULT_ALBUM_TYPES,
    Album,
    AlbumRef,
    Artist,
    ArtistRef,
    Image,
    Page,
    PlaylistInfo,
    SearchResult,
    Track,
)
from handlers.catalog.links import parse_link
from handlers.errors import BadGateway, Invalid, NotFound, RateLimited, Unavailable
from providers.spotify import PAGE_LIMIT, SpotifyClient, SpotifyError
from store.interface import CatalogBatchRepo

__all__ = ["SpotifyCatalog", "track_of", "album_of", "artist_of", "playlist_of"]

T = TypeVar("T")
_Item = TypeVar("_Item", Track, Album, Artist, PlaylistInfo)  # what the catalog remembers
Json = dict[str, Any]

MAX_OFFSET = 1000  # Spotify's search stops there
PLAYLIST_PAGE = 100
MAX_PLAYLIST_TRACKS = 10_000


# -- Spotify JSON -> Chorus records ------------------------------------------------------------


def _url(raw: Json) -> str:
    urls = raw.get("external_urls")
    return str(urls.get("spotify") or "") if isinstance(urls, dict) else ""


def _images(raw: Json) -> list[Image]:
    return [Image(url=str(i["url"]), height=i.get("height"), width=i.get("width"))
            for i in raw.get("images") or [] if isinstance(i, dict) and i.get("url")]


def _artists(raw: Json) -> list[ArtistRef]:
    return [ArtistRef(id=str(a.get("id") or ""), name=str(a.get("name") or ""),
                      external_url=_url(a)) for a in raw.get("artists") or []
            if isinstance(a, dict)]


def _album_ref(raw: Json) -> AlbumRef:
    return AlbumRef(id=str(raw.get("id") or ""), name=str(raw.get("name") or ""),
                    album_type=str(raw.get("album_type") or ""),
                    release_date=str(raw.get("release_date") or ""), images=_images(raw),
                    external_url=_url(raw))


def track_of(raw: Json, album: AlbumRef | None = None) -> Track:
    """A track object (full, or simplified with the `album` it came from)."""
    if isinstance(raw.get("album"), dict):
        album = _album_ref(raw["album"])
    ids = raw.get("external_ids")
    return Track(id=str(raw["id"]), name=str(raw.get("name") or ""), artists=_artists(raw),
                 album=album, duration_ms=raw.get("duration_ms"),
                 explicit=bool(raw.get("explicit")), track_number=raw.get("track_number"),
                 disc_number=raw.get("disc_number"), preview_url=raw.get("preview_url"),
                 external_url=_url(raw), images=album.images if album else [],
                 popularity=raw.get("popularity"),
                 isrc=ids.get("isrc") if isinstance(ids, dict) else None)


def album_of(raw: Json, tracks: Page[Track] | None = None) -> Album:
    return Album(id=str(raw["id"]), name=str(raw.get("name") or ""), artists=_artists(raw),
                 album_type=str(raw.get("album_type") or "album"),
                 release_date=str(raw.get("release_date") or ""),
                 total_tracks=int(raw.get("total_tracks") or 0), images=_images(raw),
                 external_url=_url(raw), genres=list(raw.get("genres") or []),
                 label=str(raw.get("label") or ""), popularity=raw.get("popularity"),
                 tracks=tracks)


def artist_of(raw: Json) -> Artist:
    followers = raw.get("followers")
    return Artist(id=str(raw["id"]), name=str(raw.get("name") or ""),
                  genres=list(raw.get("genres") or []), images=_images(raw),
                  external_url=_url(raw), popularity=raw.get("popularity"),
                  followers=followers.get("total") if isinstance(followers, dict) else None)


def playlist_of(raw: Json, tracks: list[Track] | None = None) -> PlaylistInfo:
    owner: Json = raw["owner"] if isinstance(raw.get("owner"), dict) else {}
    paging: Json = raw["tracks"] if isinstance(raw.get("tracks"), dict) else {}
    return PlaylistInfo(id=str(raw["id"]), name=str(raw.get("name") or ""),
                        description=str(raw.get("description") or ""),
                        owner=str(owner.get("display_name") or owner.get("id") or ""),
                        owner_id=str(owner.get("id") or ""), images=_images(raw),
                        external_url=_url(raw), public=raw.get("public"),
                        collaborative=bool(raw.get("collaborative")),
                        snapshot_id=str(raw.get("snapshot_id") or ""),
                        total_tracks=int(paging.get("total") or 0), tracks=tracks)


def _playlist_track(item: Any) -> Track | None:
    """A playlist item's track; None for removed, local-file and podcast items."""
    track = item.get("track") if isinstance(item, dict) else None
    if not isinstance(track, dict) or not track.get("id") or track.get("type", "track") != "track":
        return None
    return track_of(track)


def _page(paging: Json, convert: Callable[[Json], T]) -> Page[T]:
    items = [convert(i) for i in paging.get("items") or [] if isinstance(i, dict) and i.get("id")]
    return Page(items=items, total=int(paging.get("total") or 0),
                limit=int(paging.get("limit") or len(items)),
                offset=int(paging.get("offset") or 0))


# -- errors ------------------------------------------------------------------------------------


@asynccontextmanager
async def _spotify(what: str) -> AsyncIterator[None]:
    """Turn a SpotifyError into the domain error a dialect can render."""
    try:
        yield
    except SpotifyError as exc:
        if exc.reason == "not_found":
            raise NotFound(f"{what} not found on Spotify", code="not_found") from exc
        if exc.reason == "rate_limited":
            raise RateLimited("Spotify is rate limiting Chorus; try again later",
                              code="spotify_rate_limited", retry_after=exc.retry_after) from exc
        if exc.reason == "bad_request":
            raise Invalid(f"Spotify refused the request: {exc.message}",
                          code="spotify_bad_request") from exc
        if exc.reason == "not_configured":
            raise Unavailable("Spotify is not configured", code="spotify_not_configured") from exc
        if exc.reason == "network":  # the details (addresses) are in the log, not for clients
            raise BadGateway("Spotify could not be reached", code="spotify_unavailable") from exc
        raise BadGateway(f"Spotify failed: {exc.message}", code="spotify_unavailable") from exc


# -- the catalog -------------------------------------------------------------------------------


class SpotifyCatalog:
    """See handlers.catalog.interface.Catalog."""

    name = "spotify"

    def __init__(self, client: SpotifyClient, local: CatalogBatchRepo,
                 rng: random.Random | None = None) -> None:
        self.client = client
        self.local = local
        self.rng = rng or random.Random()

    async def search(self, query: str, types: Sequence[str] = ("track",), limit: int = 20,
                     offset: int = 0) -> SearchResult:
        async with _spotify("search"):
            raw = await self.client.search(query, types, limit=limit, offset=offset)
        result = SearchResult(
            tracks=_page(raw["tracks"], track_of) if "tracks" in raw else None,
            albums=_page(raw["albums"], album_of) if "albums" in raw else None,
            artists=_page(raw["artists"], artist_of) if "artists" in raw else None,
            playlists=_page(raw["playlists"], playlist_of) if "playlists" in raw else None)
        for page in (result.tracks, result.albums, result.artists, result.playlists):
            if page is not None:
                await self._remember(page.items)
        return result

    async def _one(self, what: str, fetch: Awaitable[Any], convert: Callable[[Any], _Item]) -> _Item:
        """One item Spotify is asked for (`what` names it in errors), converted and remembered."""
        async with _spotify(what):
            item = convert(await fetch)
        await self._remember([item])
        return item

    async def track(self, track_id: str) -> Track:
        return await self._one(f"Track {track_id}", self.client.track(track_id), track_of)

    async def album(self, album_id: str, limit: int = 50, offset: int = 0) -> Album:
        async with _spotify(f"Album {album_id}"):
            raw = await self.client.album(album_id)
            ref = _album_ref(raw)
            embedded = raw.get("tracks") or {}
            first = [t for t in embedded.get("items") or [] if isinstance(t, dict) and t.get("id")]
            if not embedded.get("next") or offset + limit <= len(first):
                items = [track_of(t, ref) for t in first[offset:offset + limit]]
            else:
                items = [track_of(t, ref) async for t in self.client.iter_items(
                    f"albums/{album_id}/tracks", {"limit": min(limit, PAGE_LIMIT),
                                                  "offset": offset}, max_items=limit)]
        total = int(embedded.get("total") or raw.get("total_tracks") or len(items))
        album = album_of(raw, Page(items=items, total=total, limit=limit, offset=offset))
        await self._remember([album, *items])
        return album

    async def playlist(self, playlist_id: str, include_tracks: bool = False) -> PlaylistInfo:
        async with _spotify(f"Playlist {playlist_id}"):
            raw = await self.client.playlist(playlist_id)
            tracks = None
            if include_tracks:
                tracks = await self._playlist_items(raw.get("tracks"))
        playlist = playlist_of(raw, tracks)
        await self._remember([playlist, *(tracks or [])])
        return playlist

    async def playlist_tracks(self, playlist_id: str) -> list[Track]:
        async with _spotify(f"Playlist {playlist_id}"):
            first = await self.client.playlist_tracks(playlist_id, limit=PLAYLIST_PAGE)
            tracks = await self._playlist_items(first)
        await self._remember(tracks)
        return tracks

    async def _playlist_items(self, paging: Any) -> list[Track]:
        tracks = []
        async for item in self.client.follow(paging, max_items=MAX_PLAYLIST_TRACKS):
            track = _playlist_track(item)
            if track is not None:
                tracks.append(track)
        return tracks

    async def artist(self, artist_id: str) -> Artist:
        return await self._one(f"Artist {artist_id}", self.client.artist(artist_id), artist_of)

    async def artist_albums(self, artist_id: str,
                            album_types: Sequence[str] = DEFAULT_ALBUM_TYPES, limit: int = 20,
                            offset: int = 0) -> Page[Album]:
        async with _spotify(f"Artist {artist_id}"):
            first = await self.client.artist_albums(artist_id, include_groups=album_types,
                                                    limit=min(limit, PAGE_LIMIT), offset=offset)
            items = [album_of(a) async for a in self.client.follow(first, max_items=limit)
                     if isinstance(a, dict) and a.get("id")]
        await self._remember(items)
        return Page(items=items, total=int(first.get("total") or 0), limit=limit,
                    offset=offset)

    async def sample_tracks(self, limit: int = 10, *, query: str = "", genre: str = ""
                            ) -> list[Track]:
        """A random page of a track search: `query` (a random vowel when empty) and the
        `genre:` filter, at a random offset Spotify still serves."""
        words = [query] if query else []
        if genre:
            words.append(f'genre:"{genre}"')
        # a vowel matches a good part of any catalog, so the random offset has room to roam
        q = " ".join(words) or self.rng.choice("aeiou")
        first = await self.search(q, ["track"], limit=limit)
        assert first.tracks is not None
        span = min(first.tracks.total, MAX_OFFSET) - limit
        tracks = first.tracks.items
        if span > 0:
            again = await self.search(q, ["track"], limit=limit, offset=self.rng.randint(0, span))
            tracks = again.tracks.items if again.tracks is not None else []
        tracks = list(tracks)
        self.rng.shuffle(tracks)
        return tracks

    async def _remember(self, items: Sequence[Track | Album | Artist | PlaylistInfo]) -> None:
        """Upsert what Spotify said into the local catalog, in one transaction."""
        rows = []
        for item in items:
            kind, fields = _catalog_fields(item)
            try:
                eid = parse_link(f"https://open.spotify.com/{kind}/{item.id}").eid
            except Invalid:
                continue  # not an id Chorus can link to (Spotify sent something odd)
            url = item.external_url or f"https://open.spotify.com/{kind}/{item.id}"
            rows.append((kind, item.id, {"url": url, "eid": eid, **fields}))
        await self.local.upsert_many("spotify", rows)


def _by(name: str, artists: list[ArtistRef]) -> str:
    names = ", ".join(a.name for a in artists if a.name)
    return f"{name} by {names}" if names else name


def _catalog_fields(item: Track | Album | Artist | PlaylistInfo) -> tuple[str, dict[str, Any]]:
    image = item.images[0].url if item.images else ""
    if isinstance(item, Track):
        return "track", {"name": item.name, "artist_names": [a.name for a in item.artists],
                         "album_name": item.album.name if item.album else "", "image": image,
                         "duration_ms": item.duration_ms,
                         "description": _by(item.name, item.artists)}
    if isinstance(item, Album):
        return "album", {"name": item.name, "artist_names": [a.name for a in item.artists],
                         "album_name": item.name, "image": image, "genres": item.genres,
                         "description": _by(item.name, item.artists)}
    if isinstance(item, Artist):
        return "artist", {"name": item.name, "artist_names": [item.name], "image": image,
                          "genres": item.genres, "description": item.name}
    owner = [ArtistRef(id="", name=item.owner)] if item.owner else []
    return "playlist", {"name": item.name, "playlist_name": item.name, "image": image,
                        "description": _by(item.name, owner)}

