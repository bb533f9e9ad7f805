"""Sono's /api/v1/kworb routes: top streamed artists, monthly listeners and top songs by rank
(`limit` 1-1000, default 100; `offset`), and one artist across the three."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._input import invalid_field
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.sono._dialect import sono
from handlers.media import charts
from handlers.paging import parse_whole_number
from store.records import ChartRow

__all__ = ["setup_routes"]

PREFIX = "/api/v1/kworb"
FIELDS = {
    "top_streamed_artists": ("rank", "artist", "streams", "daily", "as_lead", "solo",
                             "as_feature", "scraped_at"),
    "monthly_listeners": ("rank", "artist", "listeners", "peak", "peak_date", "scraped_at"),
    "top_songs": ("rank", "title", "artist", "streams", "daily", "scraped_at"),
}


def _rows_out(chart: str, rows: list[ChartRow]) -> list[dict[str, Any]]:
    return [{f: getattr(row, f) for f in FIELDS[chart]} for row in rows]


def _query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    number = parse_whole_number(raw, low=low, high=high)
    if number is None:
        raise invalid_field(("query", name), f"Input should be between {low} and {high}",
                            "int_parsing")
    return number


def _chart_route(chart: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        limit = _query_int(request, "limit", 100, 1, charts.PAGE_MAX)
        offset = _query_int(request, "offset", 0, 0, 2**62)
        rows = await charts.chart_page(context(request), chart, offset=offset, limit=limit)
        return json_response(_rows_out(chart, rows))

    handler.__name__ = chart
    return handler


async def artist(request: web.Request) -> web.Response:
    found = await charts.artist_charts(context(request), request.match_info["artist_name"])
    return json_response({
        "top_streamed": _rows_out("top_streamed_artists", found.top_streamed),
        "monthly_listeners": _rows_out("monthly_listeners", found.monthly_listeners),
        "top_songs": _rows_out("top_songs", found.top_songs)})


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "GET", f"{PREFIX}/top-streamed-artists", _chart_route("top_streamed_artists"))
    sono.add(r, "GET", f"{PREFIX}/monthly-listeners", _chart_route("monthly_listeners"))
    sono.add(r, "GET", f"{PREFIX}/top-songs", _chart_route("top_songs"))
    sono.add(r, "GET", f"{PREFIX}/artist/{{artist_name}}", artist)
