"""ListenBrainz's way of answering (metabrainz/listenbrainz-server): `{"code": <status>,
"error": "..."}`, and who is asking: `Authorization: Token <listen token>`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import optional_principal
from handlers.api.dialect import Dialect
from handlers.api.keys import context
from handlers.errors import DomainError, Unauthorized
from handlers.identity.auth import Principal
from handlers.listening.tokens import principal_of_listen_token

__all__ = ["ListenBrainzDialect", "listenbrainz", "token_principal", "header_token", "viewer_id"]


class ListenBrainzDialect(Dialect):
    name = "listenbrainz"
    # Flask's (werkzeug's) texts, which ListenBrainz's API error handler passes on
    messages = {
        "route_not_found": "The requested URL was not found on the server. If you entered the "
                           "URL manually please check your spelling and try again.",
        "http_405": "The method is not allowed for the requested URL.",
        "internal": "An unknown error occured.",
    }

    def error_body(self, err: DomainError) -> Any:
        return {"code": self.error_status(err), "error": self.message(err)}


listenbrainz = ListenBrainzDialect()


def header_token(request: web.Request) -> str | None:
    """The token of `Authorization: Token <token>` (ListenBrainz reads the header's second
    word whatever the first); None without the header; "" when it has no second word."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    words = header.split(" ")
    return words[1] if len(words) > 1 else ""


async def token_principal(request: web.Request) -> Principal:
    """The user whose listen token the request carries; Unauthorized in ListenBrainz's words."""
    token = header_token(request)
    if token is None:
        raise Unauthorized("You need to provide an Authorization header.", code="lb_no_header")
    if not token:
        raise Unauthorized("Provided Authorization header is invalid.", code="lb_bad_header")
    principal = await principal_of_listen_token(context(request), token)
    if principal is None:
        raise Unauthorized("Invalid authorization token.", code="lb_invalid_token")
    return principal


async def viewer_id(request: web.Request) -> int | None:
    """Who reads (None: anonymous): a listen token, else Chorus's bearer token or session."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("token "):
        principal = await principal_of_listen_token(context(request), header_token(request) or "")
    else:
        principal = await optional_principal(request)
    return principal.user.id if principal is not None else None
