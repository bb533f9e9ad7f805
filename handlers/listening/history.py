"""A user's listening history, newest first, with the catalog track of each listen."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from store.records import CatalogItem, Listen

__all__ = ["HistoryEntry", "history"]


class HistoryEntry(msgspec.Struct, frozen=True):
    listen: Listen
    track: CatalogItem | None


async def history(ctx: Context, user_id: int, *, artist: str = "", track: str = "",
                  start: float | None = None, end: float | None = None, offset: int = 0,
                  limit: int = 50) -> tuple[list[HistoryEntry], int]:
    """One page of the user's listens (filters as store.interface.ListenRepo.page) and the
    total matching."""
    listens, total = await ctx.store.listens.page(user_id, artist=artist.strip(),
                                                  track=track.strip(), start=start, end=end,
                                                  offset=offset, limit=limit)
    tracks = await ctx.store.catalog.many(sorted({x.track_id for x in listens}))
    return [HistoryEntry(listen=x, track=tracks.get(x.track_id)) for x in listens], total
