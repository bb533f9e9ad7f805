"""Answer every failure in the dialect of the route that was asked (DESIGN §8), and bound
each request's time."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from handlers.api.dialect import SLOW_ATTR, STREAMING_ATTR, Dialect, dialect_for
from handlers.api.keys import fallback_dialects_key
from handlers.errors import DomainError, NotFound, Timeout, TooLarge
from hub.keys import config_key

__all__ = ["error_middleware", "request_dialect"]

log = logging.getLogger("chorus.errors")
DEFAULT_DIALECT = Dialect()


def request_dialect(request: web.Request) -> Dialect:
    """The dialect of the matched route, else the one whose path prefix fits best."""
    dialect = dialect_for(request.match_info.handler, request)
    if dialect is not None:
        return dialect
    best: tuple[int, Dialect] = (-1, DEFAULT_DIALECT)
    for prefix, candidate in request.app[fallback_dialects_key]:
        if request.path.startswith(prefix) and len(prefix) > best[0]:
            best = (len(prefix), candidate)
    return best[1]


def _http_error(exc: web.HTTPException) -> DomainError:
    if exc.status == 404:
        return NotFound("Not found", code="route_not_found")
    if exc.status == 413:  # aiohttp's client_max_size (CHORUS_MAX_BODY_BYTES)
        return TooLarge("Request body too large", code="body_too_large")
    err = DomainError(exc.reason or "Error", code=f"http_{exc.status}")
    err.status = exc.status
    return err


@web.middleware
async def error_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    handler_fn = request.match_info.handler
    config = request.app[config_key]
    try:
        if getattr(handler_fn, STREAMING_ATTR, False):
            return await handler(request)
        budget = (config.slow_request_timeout if getattr(handler_fn, SLOW_ATTR, False)
                  else config.request_timeout)
        async with asyncio.timeout(budget):
            return await handler(request)
    except DomainError as err:
        return request_dialect(request).render_error(err)
    except TimeoutError:
        log.warning("request timed out")
        return request_dialect(request).render_error(Timeout("Request timed out"))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = request_dialect(request).render_error(_http_error(exc))
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error")
        internal = DomainError("Internal server error", code="internal")
        internal.status = 500
        return request_dialect(request).render_error(internal)
