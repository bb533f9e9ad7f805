"""Paging parameters as clients send them (text, numbers or nothing), checked once for every
list: `skip`/`limit` windows and Openwhyd's `after`/`before` post-id cursors.

Bad values are Invalid ("invalid parameter: <name>") and change nothing; a limit above the
maximum is lowered to it rather than refused, since "as many as you can" is a fair request.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from handlers.errors import FieldError, Invalid

__all__ = ["Cursor", "Window", "cursor", "window", "lenient_window", "whole_number",
           "parse_whole_number", "MAX_LIMIT", "MAX_ID"]

MAX_LIMIT = 200
MAX_ID = 2**63 - 1  # larger numbers cannot be SQLite integers
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class Cursor(msgspec.Struct, frozen=True, kw_only=True):
    """A page of a newest-first list: older than `after`, newer than `before` (post ids)."""

    limit: int = 20
    after: int | None = None
    before: int | None = None


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """A page by position: skip `skip` entries, return at most `limit`."""

    skip: int = 0
    limit: int = 50


def _invalid(name: str) -> Invalid:
    return Invalid(f"invalid parameter: {name}", code="invalid_parameter",
                   fields=[FieldError(("query", name), "invalid value")])


def parse_whole_number(value: Any, *, low: int | None = 0, high: int | None = MAX_ID
                       ) -> int | None:
    """`value` (decimal digits with an optional minus, spaces around them allowed, or a JSON
    number without a fraction) as an int from `low` to `high` (None: unbounded); None when it
    is not one."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        return None
    if isinstance(value, str):
        text = value.strip()
        if WHOLE_NUMBER.fullmatch(text) is None:
            return None
        value = text
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def whole_number(value: Any, name: str, *, default: int | None = None, minimum: int = 0
                 ) -> int | None:
    """`value` as an int of at least `minimum`; `default` when absent or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    number = parse_whole_number(value, low=minimum)
    if number is None:
        raise _invalid(name)
    return number


def _limit(value: Any, default: int) -> int:
    limit = whole_number(value, "limit", default=default, minimum=1)
    assert limit is not None
    return min(limit, MAX_LIMIT)


def cursor(limit: Any = None, after: Any = None, before: Any = None, *,
           default_limit: int = 20) -> Cursor:
    """A checked Cursor from raw `limit`, `after` and `before`."""
    return Cursor(limit=_limit(limit, default_limit),
                  after=whole_number(after, "after", minimum=1),
                  before=whole_number(before, "before", minimum=0))


def window(skip: Any = None, limit: Any = None, *, default_limit: int = 50) -> Window:
    """A checked Window from raw `skip` and `limit`."""
    skip_value = whole_number(skip, "skip", default=0)
    assert skip_value is not None
    return Window(skip=skip_value, limit=_limit(limit, default_limit))


def lenient_window(skip: Any = None, limit: Any = None, *, default_limit: int = 50) -> Window:
    """A Window where a bad value falls back instead of being refused: a skip that is not a
    whole number of at least 0 is 0, a limit that is not one of at least 1 is `default_limit`
    (Openwhyd's subscription lists answer so, and their clients send `NaN` and `-1`)."""
    skip_value = parse_whole_number(skip, low=0)
    limit_value = parse_whole_number(limit, low=1, high=None)
    return Window(skip=skip_value or 0,
                  limit=min(limit_value or default_limit, MAX_LIMIT))
