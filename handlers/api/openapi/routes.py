"""The routes an application serves, as its router has them: one walk for the README's endpoint
table (hub.routes_doc) and the OpenAPI description."""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api.by_parameter import shared_path_of
from handlers.api.dialect import Dialect, Handler, dialect_of
from handlers.api.spotizerr import SLASH_REDIRECT

__all__ = ["ServedRoute", "served_routes", "DIALECT_NAMES", "ANY_METHOD"]

DIALECT_NAMES = {"spoton": "Spot On", "spotizerr": "Spotizerr", "echostats": "EchoStats",
                 "sono": "Sono", "openwhyd": "Openwhyd", "health": "all (health)",
                 "chorus": "Chorus", "listenbrainz": "ListenBrainz", "quiz": "Chorus (quiz)"}
REALTIME = "Chorus (realtime)"  # the websocket, SSE and server API routes carry no dialect
ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")  # what a `*` route answers


class ServedRoute(msgspec.Struct, frozen=True):
    """One route: who speaks it, its method and path template, and its handler."""

    dialect: str
    method: str
    path: str
    handler: Handler
    redirect: bool = False  # FastAPI's trailing-slash redirect to the documented path


def _name(dialect: Dialect | None) -> str:
    return DIALECT_NAMES.get(dialect.name, dialect.name) if dialect else REALTIME


def served_routes(router: web.UrlDispatcher) -> list[ServedRoute]:
    """Every route in registration order; the HEAD twins aiohttp adds to GET routes left out;
    a path two dialects share (handlers.api.by_parameter) once per branch, the default first."""
    routes = [r for r in router.routes() if r.method != "HEAD" and r.resource is not None]
    speakers = {(r.method, r.resource.canonical): dialect_of(r.handler)
                for r in routes if r.resource is not None}
    rows: list[ServedRoute] = []
    for route in routes:
        path = route.resource.canonical if route.resource is not None else ""
        redirect = getattr(route.handler, SLASH_REDIRECT, False)
        shared = shared_path_of(route.handler)
        if shared is not None:
            rows.extend(ServedRoute(_name(dialect), route.method, path, handler)
                        for _, dialect, handler in shared.branches)
            continue
        # a redirect speaks for the route it leads to
        dialect = speakers.get((route.method, path + "/")) if redirect else dialect_of(route.handler)
        rows.append(ServedRoute(_name(dialect), route.method, path, route.handler,
                                redirect=redirect))
    return rows
