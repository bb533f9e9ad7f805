"""A user's most played tracks, artists, albums and genres over a period, read from the daily
rollups, with what the catalog knows of each (a Spotify id and an image when it has an item
of that name: artists and albums are found by name, the Spotify one first)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import msgspec

from handlers.context import Context
from handlers.listening.periods import since_day
from store.records import CatalogItem, RollupCount

__all__ = ["TopTrack", "TopArtist", "TopAlbum", "PeriodTops", "top_tracks", "top_artists",
           "top_albums", "top_genres", "period_tops", "items_named"]


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


class PeriodTops(msgspec.Struct, frozen=True, kw_only=True):
    """The first of every top list of a period, and how many tracks, artists, albums and
    genres were played in it."""

    tracks: list[TopTrack]
    artists: list[TopArtist]
    albums: list[TopAlbum]
    genres: list[RollupCount]
    unique_tracks: int
    unique_artists: int
    unique_albums: int
    unique_genres: int


def _rank(item: CatalogItem) -> tuple[int, int]:
    return (0 if item.provider == "spotify" else 1, item.id)


async def items_named(ctx: Context, kind: str, names: Sequence[str]) -> dict[str, CatalogItem]:
    """The catalog item of each name (case-folded key), Spotify's first."""
    found: dict[str, CatalogItem] = {}
    for item in sorted(await ctx.store.catalog_batch.named(kind, names), key=_rank):
        found.setdefault(item.name.casefold(), item)
    return found


async def _artists(ctx: Context, counts: list[RollupCount]) -> list[TopArtist]:
    items = await items_named(ctx, "artist", [c.key for c in counts])
    return [TopArtist(name=c.key, plays=c.plays, ms=c.ms, item=items.get(c.key.casefold()))
            for c in counts]


async def _albums(ctx: Context, counts: list[RollupCount]) -> list[TopAlbum]:
    items = await items_named(ctx, "album", [c.key for c in counts])
    return [TopAlbum(name=c.key, artist=c.artist, plays=c.plays, ms=c.ms,
                     item=items.get(c.key.casefold())) for c in counts]


async def top_artists(ctx: Context, user_id: int, period: str, limit: int
                      ) -> tuple[list[TopArtist], int]:
    counts, total = await ctx.store.listens.top(user_id, "artist", since_day(period, ctx.clock()),
                                                limit=limit)
    return await _artists(ctx, counts), total


async def top_albums(ctx: Context, user_id: int, period: str, limit: int
                     ) -> tuple[list[TopAlbum], int]:
    counts, total = await ctx.store.listens.top(user_id, "album", since_day(period, ctx.clock()),
                                                limit=limit)
    return await _albums(ctx, counts), total


async def top_tracks(ctx: Context, user_id: int, period: str, limit: int
                     ) -> tuple[list[TopTrack], int]:
    counts, total = await ctx.store.listens.top(user_id, "track", since_day(period, ctx.clock()),
                                                limit=limit)
    return await _tracks(ctx, counts), total


async def _tracks(ctx: Context, counts: list[RollupCount]) -> list[TopTrack]:
    tracks = await ctx.store.catalog.many([int(c.key) for c in counts])
    known = [(c, tracks[int(c.key)]) for c in counts if int(c.key) in tracks]
    artists, albums = await asyncio.gather(
        items_named(ctx, "artist", [n for _, t in known for n in t.artist_names]),
        items_named(ctx, "album", [t.album_name for _, t in known if t.album_name]))
    out = []
    for c, track in known:
        first = track.artist_names[0] if track.artist_names else ""
        album = TopAlbum(name=track.album_name, artist=first, plays=c.plays, ms=c.ms,
                         item=albums.get(track.album_name.casefold())) if track.album_name else None
        out.append(TopTrack(
            track=track, plays=c.plays, ms=c.ms, album=album,
            artists=[TopArtist(name=n, plays=c.plays, ms=c.ms, item=artists.get(n.casefold()))
                     for n in track.artist_names]))
    return out


async def top_genres(ctx: Context, user_id: int, period: str, limit: int
                     ) -> tuple[list[RollupCount], int]:
    return await ctx.store.listens.top(user_id, "genre", since_day(period, ctx.clock()),
                                       limit=limit)


async def period_tops(ctx: Context, user_id: int, period: str, limit: int) -> PeriodTops:
    """Every top list of the period (first `limit`) from one read of the rollups, with what
    the catalog knows of each."""
    tops = await ctx.store.listens.tops(user_id, since_day(period, ctx.clock()), limit=limit)
    tracks, artists, albums = await asyncio.gather(
        _tracks(ctx, tops["track"][0]), _artists(ctx, tops["artist"][0]),
        _albums(ctx, tops["album"][0]))
    return PeriodTops(tracks=tracks, artists=artists, albums=albums, genres=tops["genre"][0],
                      unique_tracks=tops["track"][1], unique_artists=tops["artist"][1],
                      unique_albums=tops["album"][1], unique_genres=tops["genre"][1])
