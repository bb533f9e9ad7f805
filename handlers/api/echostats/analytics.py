"""EchoStats' `/api/v1/analytics/*`: overview, refresh, trend, rollup-status, rollup-build."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats, iso
from handlers.api.echostats._query import read_period
from handlers.api.echostats.render import ranked
from handlers.api.keys import context
from handlers.listening import analytics, rollups

__all__ = ["setup_routes", "PREFIX", "WEEKDAYS"]

PREFIX = "/api/v1/analytics"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _hours(ms: int) -> float:
    return round(ms / 3_600_000, 1)


def _overview(o: analytics.Overview) -> dict[str, Any]:
    return {
        "period": o.period, "total_tracks_played": o.plays, "total_ms_played": o.ms,
        "total_hours": _hours(o.ms), "unique_tracks": o.unique_tracks,
        "unique_artists": o.unique_artists, "unique_albums": o.unique_albums,
        "unique_genres": o.unique_genres, "listening_streak_days": o.streak_days,
        "top_artists": ranked(o.top_artists), "top_tracks": ranked(o.top_tracks),
        "top_albums": ranked(o.top_albums), "top_genres": ranked(o.top_genres),
        "hourly_distribution": [{"hour": h, "plays": n} for h, n in enumerate(o.hours)],
        "daily_distribution": [{"day": WEEKDAYS[d], "plays": n} for d, n in enumerate(o.weekdays)],
        "avg_audio_features": None, "computed_at": iso(o.computed_at)}



async def overview(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    period = read_period(request)
    return json_response(_overview(await analytics.overview(context(request), principal.user,
                                                            period)))


async def refresh(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    period = read_period(request)
    done = await analytics.refresh(context(request), principal.user, period)
    return json_response({"status": "refreshed", "periods": done.periods,
                          "computed_at": iso(done.computed_at)})


async def trend(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    period = read_period(request)
    t = await analytics.trend(context(request), principal.user.id, period)
    return json_response({"period": t.period, "granularity": t.granularity, "points": [
        {"label": p.label, "plays": p.plays, "ms": p.ms, "hours": _hours(p.ms)}
        for p in t.points]})


async def rollup_status(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    status = await rollups.rollup_status(context(request), principal.user.id)
    return json_response({"last_date": status.last_date, "total_days": status.total_days,
                          "complete": status.complete, "coverage": status.coverage})


async def rollup_build(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    started = await rollups.start_rollup_build(context(request), principal.user.id)
    return json_response({"status": "already_running" if started.already_running else "started",
                          "job_id": started.job_id})


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", f"{PREFIX}/overview", overview)
    echostats.add(r, "POST", f"{PREFIX}/refresh", refresh)
    echostats.add(r, "GET", f"{PREFIX}/trend", trend)
    echostats.add(r, "GET", f"{PREFIX}/rollup-status", rollup_status)
    echostats.add(r, "POST", f"{PREFIX}/rollup-build", rollup_build)
