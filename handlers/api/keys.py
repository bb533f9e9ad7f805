"""The dialect layer's aiohttp keys and its one way to the Context: `context(request)`.

hub.app stores the Context under `ctx_key` when the store opens; dialects read it through
`context` and never import the composition root.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from handlers.context import Context
from handlers.identity.auth import Principal

if TYPE_CHECKING:
    from handlers.api.dialect import Dialect

__all__ = ["ctx_key", "principal_key", "cookie_principal_key", "fallback_dialects_key", "context"]

ctx_key = web.AppKey("ctx_key", Context)
# (path prefix, dialect) pairs: who renders errors of paths no route matched
fallback_dialects_key: web.AppKey[list[tuple[str, Dialect]]] = web.AppKey("fallback_dialects_key")
principal_key: web.RequestKey[Principal | None] = web.RequestKey("principal_key")
# set when that principal came from the session cookie (a browser), not a bearer token
cookie_principal_key: web.RequestKey[bool] = web.RequestKey("cookie_principal_key", bool)


def context(request: web.Request) -> Context:
    """The Context every domain operation takes, for this request's application."""
    return request.app[ctx_key]
