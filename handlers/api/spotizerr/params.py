"""Query parameters as Spotizerr reads them: integers capped at a maximum, boolean flags."""

from __future__ import annotations

from aiohttp import web

from handlers.errors import FieldError, Invalid

__all__ = ["query_int", "query_flag", "query_float", "base_url"]


def _bad(name: str, what: str) -> Invalid:
    return Invalid(f"Invalid parameter value: {name} must be {what}", code="validation",
                   fields=[FieldError(("query", name), what)])


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer of at least `low`; above `high` it is capped, as Spotizerr does."""
    raw = request.query.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise _bad(name, "an integer") from None
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
