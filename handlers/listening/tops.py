"""A user's most played tracks, artists, albums and genres over a period, read from the daily
rollups, with what the catalog knows of each (a Spotify id and an image when it has an item
of that name: artists and albums are found by name, the Spotify one first)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from handlers.context import Context
from handlers.listening.periods import since_day
from store.records import CatalogItem, RollupCount

__all__ = ["TopTrack", "TopArtist", "TopAlbum", "top_tracks", "top_artists", "top_albums",
           "top_genres", "items_named"]


class TopArtist(msgspec.Struct, frozen=True):
    name: str
    plays: int
    ms: int
    item: CatalogItem | None  # the catalog's artist of that name


class TopAlbum(msgspec.Struct, frozen=True):
    name: str
    artist: str
    plays: int
    ms: int
    item: CatalogItem | None


class TopTrack(msgspec.Struct, frozen=True):
    track: CatalogItem
    plays: int
    ms: int
    artists: list[TopArtist]  # plays and ms are the track's
    album: TopAlbum | None


def _rank(item: CatalogItem) -> tuple[int, int]:
    return (0 if item.provider == "spotify" else 1, item.id)


async def items_named(ctx: Context, kind: str, names: Sequence[str]) -> dict[str, CatalogItem]:
    """The catalog item of each name (case-folded key), Spotify's first."""
    found: dict[str, CatalogItem] = {}
    for item in sorted(await ctx.store.catalog_batch.named(kind, names), key=_rank):
        found.setdefault(item.name.casefold(), item)
    return found


async def top_artists(ctx: Context, user_id: int, period: str, limit: int
                      ) -> tuple[list[TopArtist], int]:
    counts, total = await ctx.store.listens.top(user_id, "artist", since_day(period, ctx.clock()),
                                                limit=limit)
    items = await items_named(ctx, "artist", [c.key for c in counts])
    return [TopArtist(name=c.key, plays=c.plays, ms=c.ms, item=items.get(c.key.casefold()))
            for c in counts], total


async def top_albums(ctx: Context, user_id: int, period: str, limit: int
                     ) -> tuple[list[TopAlbum], int]:
    counts, total = await ctx.store.listens.top(user_id, "album", since_day(period, ctx.clock()),
                                                limit=limit)
    items = await items_named(ctx, "album", [c.key for c in counts])
    return [TopAlbum(name=c.key, artist=c.artist, plays=c.plays, ms=c.ms,
                     item=items.get(c.key.casefold())) for c in counts], total


async def top_tracks(ctx: Context, user_id: int, period: str, limit: int
                     ) -> tuple[list[TopTrack], int]:
    counts, total = await ctx.store.listens.top(user_id, "track", since_day(period, ctx.clock()),
                                                limit=limit)
    tracks = await ctx.store.catalog.many([int(c.key) for c in counts])
    known = [(c, tracks[int(c.key)]) for c in counts if int(c.key) in tracks]
    artists = await items_named(ctx, "artist", [n for _, t in known for n in t.artist_names])
    albums = await items_named(ctx, "album", [t.album_name for _, t in known if t.album_name])
    out = []
    for c, track in known:
        first = track.artist_names[0] if track.artist_names else ""
        album = TopAlbum(name=track.album_name, artist=first, plays=c.plays, ms=c.ms,
                         item=albums.get(track.album_name.casefold())) if track.album_name else None
        out.append(TopTrack(
            track=track, plays=c.plays, ms=c.ms, album=album,
            artists=[TopArtist(name=n, plays=c.plays, ms=c.ms, item=artists.get(n.casefold()))
                     for n in track.artist_names]))
    return out, total


async def top_genres(ctx: Context, user_id: int, period: str, limit: int
                     ) -> tuple[list[RollupCount], int]:
    return await ctx.store.listens.top(user_id, "genre", since_day(period, ctx.clock()),
                                       limit=limit)
