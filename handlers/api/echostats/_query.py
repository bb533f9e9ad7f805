"""EchoStats' query parameters as FastAPI reads them: every bad one is reported at once, in a
422 listing `{"loc": ["query", name], "msg", "type"}` worded as the document words them."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from handlers.errors import FieldError, Invalid

__all__ = ["QueryReader", "MAX_PAGE"]

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
        try:
            value = int(raw.strip())
        except ValueError:
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
        """One of `allowed`, `default` when absent or blank."""
        raw = self.text(name)
        if raw is None:
            return default
        if raw not in allowed:
            self._fail(name, "value is not a valid enumeration member; permitted: "
                       + ", ".join(repr(a) for a in allowed), "type_error.enum")
            return default
        return raw

    def check(self) -> None:
        if self.errors:
            raise Invalid("; ".join(f"{e.loc[-1]}: {e.msg}" for e in self.errors),
                          code="validation", fields=list(self.errors))
