"""EchoStats' query parameters, checked as FastAPI would: period, limit, page, ISO 8601 dates
(each failure a 422 naming the parameter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from handlers.api._input import int_param, invalid_field
from handlers.listening.periods import ALL_TIME, PERIODS

__all__ = ["period_param", "bounded_param", "date_param"]


def period_param(request: web.Request) -> str:
    period = request.query.get("period", ALL_TIME)
    if period not in PERIODS:
        raise invalid_field(("query", "period"),
                            f"value is not a valid enumeration member; permitted: "
                            f"{', '.join(repr(p) for p in PERIODS)}", "type_error.enum")
    return period


def bounded_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    value = request.query.get(name)
    if value is not None and value.strip().lstrip("-").isdigit():
        number = int(value)
        if number < low:
            raise invalid_field(("query", name),
                                f"ensure this value is greater than or equal to {low}")
        if number > high:
            raise invalid_field(("query", name),
                                f"ensure this value is less than or equal to {high}")
    return int_param(value, invalid_field(("query", name), "value is not a valid integer",
                                          "type_error.integer"),
                     default=default, low=low, high=high)


def date_param(request: web.Request, name: str, *, end: bool = False) -> float | None:
    """An ISO 8601 date or date-time as epoch seconds (UTC unless it says otherwise); a bare
    date as an end is the end of that day."""
    value = request.query.get(name, "").strip()
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid_field(("query", name), "invalid datetime format",
                            "value_error.datetime") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if end and len(value) == 10:
        when += timedelta(days=1)
    return when.timestamp()
