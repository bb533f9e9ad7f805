"""EchoStats' analytics over the daily rollups: the overview of a period, its refresh, and the
listening trend.

The overview is computed from the rollups when asked (`computed_at` is then), so it is never
staler than the rollups; a refresh rebuilds the user's rollups first when rollup-status finds
them incomplete. Hourly and weekday distributions are in the user's time zone (UTC unless set;
an hour of a zone with a non-whole-hour offset is placed by its start). The listening streak
is the number of consecutive UTC days with plays ending today, or yesterday when there are
none yet today. Audio features are not known to Chorus (Spotify closed them to new apps), so
the overview has none.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, tzinfo

import msgspec

from handlers.context import Context
from handlers.listening.periods import (
    ALL_TIME,
    PERIODS,
    detail_since,
    since_day,
    user_zone,
    utc_day,
)
from handlers.listening.rollups import rollup_status
from handlers.listening.tops import TopAlbum, TopArtist, TopTrack, period_tops
from store.records import RollupCount, RollupHour, User

__all__ = ["Overview", "TrendPoint", "Trend", "Refreshed", "overview", "refresh", "trend",
           "OVERVIEW_TOP", "GRANULARITIES"]

OVERVIEW_TOP = 10
# period -> strftime format of its points: days, ISO weeks, months
GRANULARITIES = {"week": "%Y-%m-%d", "month": "%Y-%m-%d", "quarter": "%G-W%V",
                 "year": "%Y-%m", ALL_TIME: "%Y-%m"}


class Overview(msgspec.Struct, frozen=True, kw_only=True):
    period: str
    plays: int
    ms: int
    unique_tracks: int
    unique_artists: int
    unique_albums: int
    unique_genres: int
    streak_days: int
    top_artists: list[TopArtist]
    top_tracks: list[TopTrack]
    top_albums: list[TopAlbum]
    top_genres: list[RollupCount]
    hours: list[int]  # plays per hour 0-23
    weekdays: list[int]  # plays per weekday, Monday first
    computed_at: float


class TrendPoint(msgspec.Struct, frozen=True):
    label: str
    plays: int
    ms: int


class Trend(msgspec.Struct, frozen=True):
    period: str
    granularity: str
    points: list[TrendPoint]


class Refreshed(msgspec.Struct, frozen=True):
    periods: list[str]
    rebuilt: bool
    computed_at: float


def _distributions(rows: list[RollupHour], zone: tzinfo) -> tuple[list[int], list[int]]:
    hours, weekdays = [0] * 24, [0] * 7
    days: dict[str, datetime] = {}
    for row in rows:
        midnight = days.get(row.day)
        if midnight is None:
            midnight = days[row.day] = datetime.strptime(row.day, "%Y-%m-%d").replace(tzinfo=UTC)
        when = midnight.replace(hour=row.hour)
        local = when if zone is UTC else when.astimezone(zone)
        hours[local.hour] += row.plays
        weekdays[local.weekday()] += row.plays
    return hours, weekdays


async def _hours_and_weekdays(ctx: Context, user: User, since: str) -> tuple[list[int], list[int]]:
    """Plays per hour and weekday in the user's zone: in UTC, summed per weekday and hour by the
    store; otherwise from the daily hours (a zone's offset depends on the day)."""
    zone = user_zone(user)
    if zone is not UTC:
        return _distributions(await ctx.store.listens.hours(user.id, since), zone)
    hours, weekdays = [0] * 24, [0] * 7
    for row in await ctx.store.listens.weekday_hours(user.id, since):
        hours[row.hour] += row.plays
        weekdays[row.weekday] += row.plays
    return hours, weekdays


async def overview(ctx: Context, user: User, period: str) -> Overview:
    now = ctx.clock()
    since = since_day(period, now)
    today = datetime.fromtimestamp(now, UTC).date()
    # independent reads: each on its own reader connection, so SQLite runs them side by side
    (plays, ms), tops, (hours, weekdays), streak = await asyncio.gather(
        ctx.store.listens.totals(user.id, since), period_tops(ctx, user.id, period, OVERVIEW_TOP),
        _hours_and_weekdays(ctx, user, since), ctx.store.listens.streak(user.id, today.isoformat()))
    return Overview(
        period=period, plays=plays, ms=ms, unique_tracks=tops.unique_tracks,
        unique_artists=tops.unique_artists, unique_albums=tops.unique_albums,
        unique_genres=tops.unique_genres, streak_days=streak, top_artists=tops.artists,
        top_tracks=tops.tracks, top_albums=tops.albums, top_genres=tops.genres, hours=hours,
        weekdays=weekdays, computed_at=now)


async def refresh(ctx: Context, user: User, period: str) -> Refreshed:
    """Recompute the period's analytics (every period for all_time), rebuilding the rollups
    first when they do not cover every listen."""
    rebuilt = False
    if not (await rollup_status(ctx, user.id)).complete:
        await ctx.store.listens.rebuild(user.id, detail_since(ctx.clock()))
        rebuilt = True
    periods = list(PERIODS) if period == ALL_TIME else [period]
    for each in periods:
        await overview(ctx, user, each)
    return Refreshed(periods=periods, rebuilt=rebuilt, computed_at=ctx.clock())


def _labels(first: date, last: date, fmt: str) -> list[str]:
    labels: dict[str, None] = {}
    day = first
    while day <= last:
        labels[day.strftime(fmt)] = None
        day += timedelta(days=1)
    return list(labels)


async def trend(ctx: Context, user_id: int, period: str) -> Trend:
    """Plays and time per day (week, month), ISO week (quarter) or month (year, all_time),
    every point of the period present (zero when nothing was played)."""
    now = ctx.clock()
    fmt = GRANULARITIES[period]
    days = await ctx.store.listens.days(user_id, since_day(period, now))
    last = datetime.fromtimestamp(now, UTC).date()
    since = since_day(period, now)
    first_day = since or (days[0].day if days else utc_day(now))
    first = date.fromisoformat(first_day)
    totals: dict[str, list[int]] = {label: [0, 0] for label in _labels(first, last, fmt)}
    for row in days:
        bucket = totals.setdefault(date.fromisoformat(row.day).strftime(fmt), [0, 0])
        bucket[0] += row.plays
        bucket[1] += row.ms
    return Trend(period=period, granularity=fmt,
                 points=[TrendPoint(label=k, plays=v[0], ms=v[1]) for k, v in totals.items()])
