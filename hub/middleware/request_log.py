"""Request id (X-Request-ID in and out) and one JSON access-log line per request.

A stream (SSE, websocket) whose client goes away is cancelled by aiohttp (or ends on its own):
that is a normal end, logged with the status it was answered with, not as a failure."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid

from aiohttp import web

from hub.keys import metrics_key, request_id_key
from hub.logs import request_id_var

__all__ = ["request_log_middleware", "remember_status", "CLIENT_CLOSED"]

access_log = logging.getLogger("chorus.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
CLIENT_CLOSED = 499  # nginx's "client closed request": cancelled before any answer was sent
_sent_status_key = web.RequestKey("sent_status_key", int)


async def remember_status(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the status a request was answered with, once its headers go out."""
    request[_sent_status_key] = response.status


@web.middleware
async def request_log_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
    request[request_id_key] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:  # a stream's headers went out already; a websocket's
            response.headers["X-Request-ID"] = request_id  # would keep it for its life
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-ID"] = request_id
        raise
    except asyncio.CancelledError:
        status = request.get(_sent_status_key, CLIENT_CLOSED)
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = request.match_info.route.resource
        template = route.canonical if route is not None else "unmatched"
        request.app[metrics_key].observe(request.method, template, status, elapsed)
        access_log.info(
            "%s %s %s", request.method, request.path, status,
            extra={"method": request.method, "path": request.path, "status": status,
                   "duration_ms": round(elapsed * 1000, 2), "remote": request.remote},
        )
        request_id_var.reset(token)
