"""What Sono's list and item routes share: `skip`/`limit` queries, numeric path ids (422 as
FastAPI answers a non-integer), and the `{"items", "total", "has_more"}` page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from handlers.api._input import invalid_field
from handlers.paging import MAX_ID, Window, parse_whole_number, window

__all__ = ["path_id", "page_window", "page_out", "query_flag", "flag_value"]


def path_id(request: web.Request, name: str) -> int:
    number = parse_whole_number(request.match_info[name], low=0, high=MAX_ID)
    if number is None:
        raise invalid_field(("path", name), "Input should be a valid integer, unable to parse "
                            "string as an integer", "int_parsing")
    return number


def page_window(request: web.Request, default_limit: int = 100) -> Window:
    return window(request.query.get("skip"), request.query.get("limit"),
                  default_limit=default_limit)


def page_out(items: Sequence[Any], total: int, page: Window) -> dict[str, Any]:
    return {"items": list(items), "total": total,
            "has_more": page.skip + len(items) < total}


def flag_value(raw: str | None, loc: tuple[str, ...], default: bool = False) -> bool:
    """A boolean as FastAPI reads one (true/1/yes/on, false/0/no/off); absent or empty:
    `default`; anything else 422 at `loc`."""
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise invalid_field(loc, "Input should be a valid boolean", "bool_parsing")


def query_flag(request: web.Request, name: str, default: bool = False) -> bool:
    return flag_value(request.query.get(name), ("query", name), default)
