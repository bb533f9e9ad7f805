"""Periods of EchoStats' analytics and the user's time zone.

A period is the last 7 (week), 30 (month), 90 (quarter) or 365 (year) UTC days counting
today, or everything (all_time): rollups are kept per UTC day, so a period starts at a UTC
midnight, and "now" only moves forward, so no period reaches a day more than a year before
the moment listens are stored (`detail_since`). Distributions by hour and weekday are in the
user's time zone when they set one (`extra["timezone"]`, an IANA name), else in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.records import User

__all__ = ["PERIODS", "ALL_TIME", "period_days", "since_day", "detail_since", "user_zone",
           "utc_day"]

ALL_TIME = "all_time"
PERIODS: dict[str, int | None] = {"week": 7, "month": 30, "quarter": 90, "year": 365,
                                  ALL_TIME: None}


def period_days(period: str) -> int | None:
    """How many days the period spans (None: everything); KeyError for an unknown one."""
    return PERIODS[period]


def utc_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def since_day(period: str, now: float) -> str:
    """The first UTC day of the period ('YYYY-MM-DD'), '' for all_time."""
    days = period_days(period)
    if days is None:
        return ""
    return (datetime.fromtimestamp(now, UTC) - timedelta(days=days - 1)).strftime("%Y-%m-%d")


def detail_since(now: float) -> str:
    """The first UTC day that a period can reach from `now` on, with a day to spare: per-day
    track rollups are kept from there (older days are only ever read as all time)."""
    longest = max(days for days in PERIODS.values() if days is not None)
    return (datetime.fromtimestamp(now, UTC) - timedelta(days=longest)).strftime("%Y-%m-%d")


def user_zone(user: User) -> tzinfo:
    """The user's time zone, UTC when they set none (or one zoneinfo does not know)."""
    name = user.extra.get("timezone") if isinstance(user.extra, dict) else None
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC
