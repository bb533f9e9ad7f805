"""While maintenance mode is on, everything but health and the maintenance switch answers 503."""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import context
from handlers.errors import Unavailable
from handlers.media.maintenance import RETRY_AFTER, current_maintenance
from hub.middleware.errors import request_dialect

__all__ = ["maintenance_middleware", "MAINTENANCE_EXEMPT"]

MAINTENANCE_EXEMPT = ("/health", "/api/health", "/metrics", "/api/v1/admin/maintenance")


@web.middleware
async def maintenance_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    state = current_maintenance(context(request))
    if state.enabled and not request.path.startswith(MAINTENANCE_EXEMPT):
        err = Unavailable(state.message, code="maintenance", retry_after=RETRY_AFTER,
                          extra={"status": "maintenance", "retry_after": RETRY_AFTER})
        return request_dialect(request).render_error(err)
    return await handler(request)
