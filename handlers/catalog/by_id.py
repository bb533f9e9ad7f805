"""One track or one artist by its id, through the catalog that serves (Spotify when configured,
else the local catalog), with the local catalog's row id for it when it has one (every answer
of SpotifyCatalog is remembered there, so after a Spotify answer it always has one)."""

from __future__ import annotations

import msgspec

from handlers.catalog.factory import catalog_for
from handlers.catalog.interface import Artist, Track
from handlers.catalog.local import TRACK_KINDS
from handlers.context import Context
from handlers.errors import NotFound

__all__ = ["KnownTrack", "KnownArtist", "track_by_id", "artist_by_id"]


class KnownTrack(msgspec.Struct, frozen=True):
    track: Track
    catalog_id: int | None


class KnownArtist(msgspec.Struct, frozen=True):
    artist: Artist
    catalog_id: int | None


async def _catalog_id(ctx: Context, kinds: tuple[str, ...], provider_id: str) -> int | None:
    item = await ctx.store.catalog_search.by_provider_id(kinds, provider_id)
    return item.id if item is not None else None


async def track_by_id(ctx: Context, track_id: str) -> KnownTrack:
    """Raises NotFound "track_not_found" for an id the catalog does not know (or Spotify
    cannot parse)."""
    try:
        track = await catalog_for(ctx).track(track_id)
    except NotFound as exc:
        raise NotFound("Track not found", code="track_not_found") from exc
    return KnownTrack(track, await _catalog_id(ctx, TRACK_KINDS, track.id))


async def artist_by_id(ctx: Context, artist_id: str) -> KnownArtist:
    """Raises NotFound "artist_not_found" for an id the catalog does not know (or Spotify
    cannot parse)."""
    try:
        artist = await catalog_for(ctx).artist(artist_id)
    except NotFound as exc:
        raise NotFound("Artist not found", code="artist_not_found") from exc
    return KnownArtist(artist, await _catalog_id(ctx, ("artist",), artist.id))
