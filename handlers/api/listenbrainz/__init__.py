"""ListenBrainz's API (metabrainz/listenbrainz-server, /work/shared/reference §1), the
dialect scrobblers already speak (Navidrome, WebScrobbler, Pano Scrobbler, liblistenbrainz...).

Everything under `/1/` is its own: errors are `{"code": <status>, "error": "..."}`, unknown
paths and methods there answer in that shape (Openwhyd's `/<handle>` never sees them: `1` is a
reserved handle), and writes carry `Authorization: Token <listen token>`
(handlers.listening.tokens).
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import fallback_dialects_key
from handlers.api.listenbrainz import submit, users
from handlers.api.listenbrainz._dialect import ListenBrainzDialect, listenbrainz
from handlers.errors import NotFound

__all__ = ["ListenBrainzDialect", "listenbrainz", "setup_routes", "PREFIX"]

PREFIX = "/1/"


async def _unknown(request: web.Request) -> web.StreamResponse:
    """A request under /1/ no route of ours took: 405 when one of ours has the path for another
    method, else 404, in our shape (before Openwhyd's `/<handle>/...` could take it)."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource.canonical.startswith(PREFIX) and resource.canonical != _UNKNOWN:
            allowed |= (await resource.resolve(request))[1]
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, sorted(allowed))
    raise NotFound("Not found", code="route_not_found")


_UNKNOWN = "/1/{tail}"


def setup_routes(app: web.Application) -> None:
    submit.setup_routes(app)
    users.setup_routes(app)
    listenbrainz.add(app.router, "*", "/1/{tail:.*}", _unknown)
    app[fallback_dialects_key].append((PREFIX, listenbrainz))
