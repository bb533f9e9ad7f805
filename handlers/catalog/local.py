"""LocalCatalog: the catalog interface (handlers.catalog.interface.Catalog) over the local catalog.

What Chorus has seen (posted links, imports, earlier Spotify answers) is all it knows, so:
ids are the provider ids stored there (a Spotify id, a YouTube video id...), and "tracks"
include videos and audio files; an album's tracks are the items naming that album; an
artist's albums are the albums naming that artist (all of type "album": the local catalog
does not tell singles or compilations apart); a playlist's tracks are not known (empty).
Release dates are not known either: an album's `release_date` is the year Chorus first saw it
(a year, never empty, so that clients reading it as a date get one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

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
from handlers.errors import Invalid, NotFound
from store.catalog_ids import is_path_safe, path_safe_id
from store.interface import CatalogSearchRepo
from store.records import CatalogItem

__all__ = ["LocalCatalog", "TRACK_KINDS", "catalog_id"]

TRACK_KINDS = ("track", "video", "audio")
KINDS = {"track": TRACK_KINDS, "album": ("album",), "artist": ("artist",),
         "playlist": ("playlist",)}


def _images(item: CatalogItem) -> list[Image]:
    return [Image(url=item.image)] if item.image else []


def _artists(item: CatalogItem) -> list[ArtistRef]:
    return [ArtistRef(id="", name=name) for name in item.artist_names]


def first_seen_year(item: CatalogItem) -> str:
    """The year the item entered the catalog (the stand-in for a release date it lacks)."""
    return time.strftime("%Y", time.gmtime(item.created_at))


def track_of(item: CatalogItem) -> Track:
    album = AlbumRef(id="", name=item.album_name, images=_images(item),
                     release_date=first_seen_year(item)) if item.album_name else None
    return Track(id=item.provider_id, name=item.name, artists=_artists(item), album=album,
                 duration_ms=item.duration_ms, external_url=item.url, images=_images(item),
                 provider=item.provider)


def album_of(item: CatalogItem, tracks: Page[Track] | None = None) -> Album:
    return Album(id=item.provider_id, name=item.album_name or item.name,
                 artists=_artists(item), total_tracks=tracks.total if tracks else 0,
                 release_date=first_seen_year(item),
                 images=_images(item), external_url=item.url, genres=item.genres,
                 tracks=tracks, provider=item.provider)


def artist_of(item: CatalogItem) -> Artist:
    return Artist(id=item.provider_id, name=item.name, genres=item.genres,
                  images=_images(item), external_url=item.url, provider=item.provider)


def playlist_of(item: CatalogItem, include_tracks: bool = False) -> PlaylistInfo:
    return PlaylistInfo(id=item.provider_id, name=item.playlist_name or item.name,
                        description=item.description, images=_images(item),
                        external_url=item.url, tracks=[] if include_tracks else None,
                        provider=item.provider)


def catalog_id(item_id: str) -> str:
    """The catalog id asked for: a path-safe id as it is; a link (an audio file's URL, as
    clients used before ids were path-safe) as the id its item has."""
    if is_path_safe(item_id):
        return item_id
    try:
        parsed = parse_link(item_id)
    except Invalid:
        return item_id
    return path_safe_id(parsed.provider, parsed.id)


CONVERT: dict[str, Callable[[CatalogItem], Any]] = {
    "track": track_of, "album": album_of, "artist": artist_of, "playlist": playlist_of}


class LocalCatalog:
    """See handlers.catalog.interface.Catalog and this module's docstring."""

    name = "local"

    def __init__(self, search: CatalogSearchRepo) -> None:
        self.store = search

    async def _one(self, kind: str, item_id: str) -> CatalogItem:
        item = await self.store.by_provider_id(KINDS[kind], catalog_id(item_id))
        if item is None:
            raise NotFound(f"{kind.capitalize()} {item_id} not found", code="not_found")
        return item

    async def search(self, query: str, types: Sequence[str] = ("track",), limit: int = 20,
                     offset: int = 0) -> SearchResult:
        result = SearchResult()
        for kind in dict.fromkeys(types):
            found, total = await self.store.search(query, KINDS[kind], offset=offset,
                                                   limit=limit)
            items = [CONVERT[kind](i) for i in found]
            setattr(result, f"{kind}s", Page(items=items, total=total, limit=limit,
                                             offset=offset))
        return result

    async def track(self, track_id: str) -> Track:
        return track_of(await self._one("track", track_id))

    async def album(self, album_id: str, limit: int = 50, offset: int = 0) -> Album:
        item = await self._one("album", album_id)
        found, total = await self.store.in_album(item.album_name or item.name, TRACK_KINDS,
                                                 provider=item.provider, offset=offset,
                                                 limit=limit)
        ref = AlbumRef(id=item.provider_id, name=item.album_name or item.name,
                       images=_images(item), external_url=item.url,
                       release_date=first_seen_year(item))
        tracks = []
        for track_item in found:
            track = track_of(track_item)
            track.album = ref
            tracks.append(track)
        return album_of(item, Page(items=tracks, total=total, limit=limit, offset=offset))

    async def playlist(self, playlist_id: str, include_tracks: bool = False) -> PlaylistInfo:
        return playlist_of(await self._one("playlist", playlist_id), include_tracks)

    async def playlist_tracks(self, playlist_id: str) -> list[Track]:
        await self._one("playlist", playlist_id)
        return []

    async def artist(self, artist_id: str) -> Artist:
        return artist_of(await self._one("artist", artist_id))

    async def artist_albums(self, artist_id: str,
                            album_types: Sequence[str] = DEFAULT_ALBUM_TYPES, limit: int = 20,
                            offset: int = 0) -> Page[Album]:
        item = await self._one("artist", artist_id)
        if "album" not in album_types:
            return Page(items=[], total=0, limit=limit, offset=offset)
        found, total = await self.store.by_artist(item.name, ("album",), offset=offset,
                                                  limit=limit)
        return Page(items=[album_of(a) for a in found], total=total, limit=limit,
                    offset=offset)

    async def sample_tracks(self, limit: int = 10, *, query: str = "", genre: str = ""
                            ) -> list[Track]:
        found = await self.store.sample(TRACK_KINDS, text=query, genre=genre, limit=limit)
        return [track_of(i) for i in found]
