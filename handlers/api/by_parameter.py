"""One method and path served by two dialects, told apart by their query parameters.

`GET /api/search` is Spot On's post search (`?search=`) and, without the slash, Spotizerr's
catalog search (`?q=`, its web UI calls `/api/search?q=...`). The rule: the default branch
(Spot On's) is tried first, then the others in the order they were shared; the first whose
parameter is in the query answers, and a request naming none goes to the default branch.
Errors, rate limits and maintenance answer in the dialect of the branch chosen.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.dialect import CHOOSER_ATTR, DIALECT_ATTR, Dialect, Handler

__all__ = ["SharedPath", "share", "shared_paths_key", "shared_path_of", "SHARED_ATTR"]

SHARED_ATTR = "__chorus_shared_path__"


class SharedPath:
    """The branches of one shared method+path: (parameters, dialect, handler), and the default."""

    def __init__(self) -> None:
        self.branches: list[tuple[tuple[str, ...], Dialect, Handler]] = []
        self.default: tuple[Dialect, Handler] | None = None

        async def dispatch(request: web.Request) -> web.StreamResponse:
            return await self.choose(request)[1](request)

        setattr(dispatch, CHOOSER_ATTR, self.dialect)
        setattr(dispatch, SHARED_ATTR, self)
        self.route_handler: Handler = dispatch  # the one handler the router knows

    def choose(self, request: web.Request) -> tuple[Dialect, Handler]:
        for params, dialect, handler in self.branches:
            if any(p in request.query for p in params):
                return dialect, handler
        assert self.default is not None, "a shared path needs a default branch"
        return self.default

    def dialect(self, request: web.Request) -> Dialect:
        return self.choose(request)[0]


shared_paths_key: web.AppKey[dict[tuple[str, str], SharedPath]] = web.AppKey("shared_paths_key")


def share(app: web.Application, method: str, path: str, dialect: Dialect, handler: Handler,
          params: tuple[str, ...], *, default: bool = False) -> None:
    """Serve `handler` (in `dialect`) at method+path when the query names one of `params`;
    `default` makes it the branch of requests naming no branch's parameter."""
    paths = app.setdefault(shared_paths_key, {})
    shared = paths.get((method, path))
    if shared is None:
        shared = paths[(method, path)] = SharedPath()
        app.router.add_route(method, path, shared.route_handler)
    setattr(handler, DIALECT_ATTR, dialect)
    shared.branches.insert(0 if default else len(shared.branches), (params, dialect, handler))
    if default:
        shared.default = (dialect, handler)
        setattr(shared.route_handler, DIALECT_ATTR, dialect)  # the route table names it


def shared_path_of(handler: object) -> SharedPath | None:
    """The SharedPath a route handler dispatches for, if it is one (the route table lists
    each of its branches)."""
    shared = getattr(handler, SHARED_ATTR, None)
    return shared if isinstance(shared, SharedPath) else None
