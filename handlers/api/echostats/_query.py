"""EchoStats' query parameters as FastAPI reads them: every bad one is reported at once, in a
422 listing `{"loc": ["query", name], "msg", "type"}` worded as the document words them.
A parameter sent blank is read as sent (FastAPI does not treat `?limit=` as absent): a
blank number, choice or period is refused; a blank text filter or date is no filter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiohttp import web

from handlers.errors import FieldError, Invalid
from handlers.listening.periods import ALL_TIME, PERIODS
from handlers.paging import parse_whole_number

__all__ = ["QueryReader", "MAX_PAGE", "read_period"]

MAX_PAGE = 1_000_000  # beyond FastAPI's rules: keeps offsets within what SQLite can count


class QueryReader:
    """Read a request's query parameters; `check()` raises the 422 for every bad one read."""

    def __init__(self, request: web.Request) -> None:
        self.query = request.query
        self.errors: list[FieldError] = []

    def _fail(self, name: str, msg: str, kind: str) -> None:
        self.errors.append(FieldError(("query", name), msg, kind))

    def whole(self, name: str, default: int | None, *, low: int | None = None,
            high: int | None = None) -> int | None:
        """A whole number from `low` to `high` (each bound optional), `default` when absent."""
        raw = self.query.get(name)
        if raw is None or (default is None and not raw.strip()):
            return default
        value = parse_whole_number(raw, low=None, high=None)
        if value is None:  # digits only, with an optional minus: no "+5", "1e3" or "5_000"
            self._fail(name, "value is not a valid integer", "type_error.integer")
            return default
        if low is not None and value < low:
            self._fail(name, f"ensure this value is greater than or equal to {low}",
                       "value_error")
        elif high is not None and value > high:
            self._fail(name, f"ensure this value is less than or equal to {high}",
                       "value_error")
        return value

    def limit(self, default: int, high: int) -> int:
        """`limit`, from 1 to `high`."""
        return self.whole("limit", default, low=1, high=high) or default

    def page(self) -> int:
        """`page`, from 1 to MAX_PAGE."""
        return self.whole("page", 1, low=1, high=MAX_PAGE) or 1

    def text(self, name: str) -> str | None:
        """A text filter; None when absent or blank."""
        raw = self.query.get(name, "").strip()
        return raw or None

    def choice(self, name: str, allowed: Sequence[str], default: str | None = None
               ) -> str | None:
        """One of `allowed`, `default` when absent."""
        raw = self.query.get(name)
        if raw is None:
            return default
        if raw not in allowed:
            self._fail(name, "value is not a valid enumeration member; permitted: "
                       + ", ".join(repr(a) for a in allowed), "type_error.enum")
            return default
        return raw

    def period(self) -> str:
        """`period`: week, month, quarter, year or all_time (the default)."""
        return self.choice("period", list(PERIODS), ALL_TIME) or ALL_TIME

    def date(self, name: str, *, end: bool = False) -> float | None:
        """An ISO 8601 date or date-time as epoch seconds (UTC unless it says otherwise), None
        when absent or blank; a bare date as an `end` is the end of that day."""
        raw = self.query.get(name, "").strip()
        if not raw:
            return None
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            self._fail(name, "invalid datetime format", "value_error.datetime")
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if end and len(raw) == 10:
            when += timedelta(days=1)
        return when.timestamp()

    def check(self) -> None:
        if self.errors:
            raise Invalid("; ".join(f"{e.loc[-1]}: {e.msg}" for e in self.errors),
                          code="validation", fields=list(self.errors))


def read_period(request: web.Request) -> str:
    """The request's `period` alone (the 422 when it is bad)."""
    query = QueryReader(request)
    period = query.period()
    query.check()
    return period
