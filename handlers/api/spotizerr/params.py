"""Query parameters as Spotizerr reads them: integers in a range, boolean flags, timestamps."""

from __future__ import annotations

from aiohttp import web

from handlers.errors import FieldError, Invalid
from handlers.paging import parse_whole_number

__all__ = ["query_int", "query_flag", "query_float", "base_url"]


def _bad(name: str, what: str) -> Invalid:
    return Invalid(f"Invalid parameter value: {name} must be {what}", code="validation",
                   fields=[FieldError(("query", name), what)])


def query_int(request: web.Request, name: str, default: int, low: int, high: int, *,
              cap: bool = True) -> int:
    """An integer from `low` to `high`, `default` when absent. Above `high` it is capped, as
    Spotizerr's own lists do; with `cap=False` it is refused, where Spotizerr hands the value
    on to the Spotify Web API, which refuses it."""
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    if not cap:
        value = parse_whole_number(raw, low=low, high=high)
        if value is None:
            raise _bad(name, f"between {low} and {high}")
        return value
    value = parse_whole_number(raw, low=None, high=None)
    if value is None:
        raise _bad(name, "an integer")
    if value < low:
        raise _bad(name, f"at least {low}")
    return min(value, high)


def query_float(request: web.Request, name: str) -> float | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise _bad(name, "a Unix timestamp") from None


def query_flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").strip().lower() in ("1", "true", "yes")


def base_url(request: web.Request) -> str:
    """Where this server was reached, for the tasks' `original_url`."""
    return f"{request.scheme}://{request.host}"
