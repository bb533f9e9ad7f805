"""Kworb charts as Sono serves them: pages by rank, and an artist's rows in every chart
(partial, case-insensitive, 10 per chart). Read from the store's charts (loaded by
`chorus charts import`) or, when KWORB_DATABASE_URL is set, from that database; with no data
the lists are empty."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.errors import Invalid
from store.interface import ChartRepo
from store.records import ChartRow

__all__ = ["ArtistCharts", "chart_page", "artist_charts", "ARTIST_LIMIT", "PAGE_MAX"]

ARTIST_LIMIT = 10
PAGE_MAX = 1000
ARTIST_MAX = 200


class ArtistCharts(msgspec.Struct, kw_only=True):
    top_streamed: list[ChartRow]
    monthly_listeners: list[ChartRow]
    top_songs: list[ChartRow]


def _source(ctx: Context) -> ChartRepo:
    return ctx.kworb if ctx.kworb is not None else ctx.store.charts


async def chart_page(ctx: Context, chart: str, *, offset: int, limit: int) -> list[ChartRow]:
    if not 1 <= limit <= PAGE_MAX:
        raise Invalid(f"limit must be between 1 and {PAGE_MAX}", code="invalid_limit")
    return await _source(ctx).page(chart, offset=offset, limit=limit)


async def artist_charts(ctx: Context, artist: str) -> ArtistCharts:
    name = artist.strip()
    if not name or len(name) > ARTIST_MAX:
        raise Invalid("Artist name must be 1 to 200 characters", code="invalid_artist")
    source = _source(ctx)
    return ArtistCharts(
        top_streamed=await source.search("top_streamed_artists", name, limit=ARTIST_LIMIT),
        monthly_listeners=await source.search("monthly_listeners", name, limit=ARTIST_LIMIT),
        top_songs=await source.search("top_songs", name, limit=ARTIST_LIMIT))
