"""EchoStats' `/api/v1/api-logs` and `/api/v1/api-logs/stats`: the outbound provider calls
(handlers.listening.api_logs: a user reads the calls made for them, an admin every call).

`endpoint` is the called URL's path (no host, no query); `endpoint_contains` matches anywhere
in the called URL; `timestamp` is when the call started, `latency_ms` its duration.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats, iso
from handlers.api.echostats._query import QueryReader
from handlers.api.keys import context
from handlers.listening.api_logs import CallFilter, call_stats, list_calls
from store.records import ApiCall

__all__ = ["setup_routes", "PREFIX"]

PREFIX = "/api/v1/api-logs"
MAX_LIMIT = 200
MAX_STATUS = 999  # an HTTP status code has three digits
STATUS_CLASSES = ("2xx", "4xx", "5xx")  # the classes the document's stats show


class CallOut(msgspec.Struct, kw_only=True):
    id: str
    service: str
    method: str
    endpoint: str
    status_code: int | None
    latency_ms: float
    error: str | None
    timestamp: str | None


class CallsOut(msgspec.Struct):
    items: list[CallOut]
    total: int
    page: int
    limit: int
    pages: int


class EndpointOut(msgspec.Struct):
    endpoint: str
    count: int


class StatsOut(msgspec.Struct, kw_only=True):
    total_calls: int
    error_count: int
    rate_limit_count: int
    success_rate: float
    avg_latency_ms: float
    status_distribution: dict[str, int]
    top_endpoints: list[EndpointOut]


def _call(call: ApiCall) -> CallOut:
    return CallOut(id=str(call.id), service=call.provider, method=call.method,
                   endpoint=urlsplit(call.url).path, status_code=call.status,
                   latency_ms=round(call.duration_ms, 1), error=call.error,
                   timestamp=iso(call.created_at))


async def calls(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    page, limit = query.page(), query.limit(50, MAX_LIMIT)
    where = CallFilter(provider=query.text("service"), method=query.text("method"),
                       status_min=query.whole("status_min", None, low=0, high=MAX_STATUS),
                       status_max=query.whole("status_max", None, low=0, high=MAX_STATUS),
                       url_contains=query.text("endpoint_contains"))
    query.check()
    found = await list_calls(context(request), principal.user, where,
                             offset=(page - 1) * limit, limit=limit)
    return json_response(CallsOut([_call(c) for c in found.items], total=found.total,
                                  page=page, limit=limit, pages=math.ceil(found.total / limit)))


async def stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await call_stats(context(request), principal.user)
    success = 100.0 if not found.total else (found.total - found.errors) * 100 / found.total
    return json_response(StatsOut(
        total_calls=found.total, error_count=found.errors,
        rate_limit_count=found.rate_limited, success_rate=round(success, 1),
        avg_latency_ms=round(found.avg_duration_ms, 1),
        status_distribution={c: found.by_class.get(c, 0) for c in STATUS_CLASSES},
        top_endpoints=[EndpointOut(f"{e.method} {e.path}", e.count)
                       for e in found.top_endpoints]))


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", PREFIX, calls)
    echostats.add(r, "GET", f"{PREFIX}/stats", stats)
