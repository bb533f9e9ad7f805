"""A dialect: one client API's way of spelling errors, and the routes that speak it.

Every route a dialect registers is tagged, so the platform middleware (errors, rate limits,
maintenance, timeouts) answers in the shape that route's clients understand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from handlers.errors import DomainError

__all__ = ["Dialect", "FastAPIDialect", "Handler", "dialect_of", "json_response",
           "mark_streaming", "mark_slow", "Described", "describe", "described",
           "dialect_for", "CHOOSER_ATTR"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DIALECT_ATTR = "__chorus_dialect__"
STREAMING_ATTR = "__chorus_streaming__"
SLOW_ATTR = "__chorus_slow__"
DESCRIBED_ATTR = "__chorus_described__"
H = TypeVar("H")
# a handler that serves several dialects names the one of each request (handlers.api.by_parameter)
CHOOSER_ATTR = "__chorus_dialect_chooser__"


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None
                  ) -> web.Response:
    import msgspec

    return web.Response(body=msgspec.json.encode(data), status=status,
                        content_type="application/json", headers=headers)


class Dialect:
    """Base dialect: `{"error": message}`. Subclasses override `error_body` and `messages`."""

    name = "chorus"
    # code -> message, for dialects whose documents word an error their own way
    messages: Mapping[str, str] = {}
    # code -> HTTP status, where a dialect answers with another status than the domain's
    statuses: Mapping[str, int] = {}

    def message(self, err: DomainError) -> str:
        return self.messages.get(err.code, err.message)

    def error_status(self, err: DomainError) -> int:
        return self.statuses.get(err.code, err.status)

    def error_body(self, err: DomainError) -> Any:
        return {"error": self.message(err)}

    def render_error(self, err: DomainError) -> web.Response:
        headers = {}
        if err.retry_after is not None:
            headers["Retry-After"] = str(err.retry_after)
        return json_response(self.error_body(err), status=self.error_status(err), headers=headers)

    def add(self, router: web.UrlDispatcher, method: str, path: str, handler: Handler,
            **kwargs: Any) -> web.AbstractRoute:
        """Register `handler` for method+path as a route of this dialect."""
        setattr(handler, DIALECT_ATTR, self)
        return router.add_route(method, path, handler, **kwargs)


class FastAPIDialect(Dialect):
    """FastAPI services (EchoStats, Sono): `{"detail": "..."}`, and invalid fields as 422 with
    `{"detail": [{"loc", "msg", "type"}]}`."""

    def error_status(self, err: DomainError) -> int:
        if err.fields and err.status == 400:
            return 422
        return super().error_status(err)

    def error_body(self, err: DomainError) -> Any:
        if err.fields and err.status == 400:
            return {"detail": [{"loc": list(f.loc), "msg": f.msg, "type": f.type}
                               for f in err.fields]}
        return {"detail": self.message(err)}


def dialect_of(handler: Any) -> Dialect | None:
    return getattr(handler, DIALECT_ATTR, None)


def dialect_for(handler: Any, request: web.Request) -> Dialect | None:
    """The dialect `handler` speaks to this request (a shared path's branch, else its own)."""
    chooser = getattr(handler, CHOOSER_ATTR, None)
    return chooser(request) if chooser is not None else dialect_of(handler)


def mark_streaming(handler: Handler) -> Handler:
    """No request timeout, no compression: SSE streams and websockets."""
    setattr(handler, STREAMING_ATTR, True)
    return handler


def mark_slow(handler: Handler) -> Handler:
    """The slow-request timeout (uploads, imports) instead of the default one."""
    setattr(handler, SLOW_ATTR, True)
    return handler


@dataclass(frozen=True)
class Described:
    """What a route reads and answers, for the OpenAPI description (handlers.api.openapi):
    msgspec Structs (or any type msgspec describes). None: found in the handler's code."""

    body: Any = None
    query: Any = None
    response: Any = None
    status: int = 200
    summary: str = ""


def describe(*, body: Any = None, query: Any = None, response: Any = None, status: int = 200,
             summary: str = "") -> Callable[[H], H]:
    """Declare a handler's request and response types where its code does not show them (a
    body decoded in a helper, an answer built as a dict)."""

    def mark(handler: H) -> H:
        setattr(handler, DESCRIBED_ATTR, Described(body, query, response, status, summary))
        return handler

    return mark


def described(handler: Any) -> Described | None:
    return getattr(handler, DESCRIBED_ATTR, None)
