"""`POST /1/submit-listens` and `GET /1/validate-token`."""

from __future__ import annotations

from aiohttp import web

from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.listenbrainz._dialect import listenbrainz, token_principal
from handlers.errors import Invalid
from handlers.listening.listenbrainz import MAX_LISTEN_PAYLOAD_SIZE, submit_listens
from handlers.listening.tokens import principal_of_listen_token

__all__ = ["setup_routes"]

READ_CHUNK = 64 * 1024


async def _body(request: web.Request) -> bytes:
    """The body, up to ListenBrainz's limit (above the hub's CHORUS_MAX_BODY_BYTES: an import
    may carry 1000 listens of 10 KiB); one byte more is enough to refuse it."""
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(READ_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_LISTEN_PAYLOAD_SIZE:
            break
    return b"".join(chunks)


async def submit(request: web.Request) -> web.Response:
    principal = await token_principal(request)
    await submit_listens(context(request), principal, await _body(request))
    return json_response({"status": "ok"})


async def validate_token(request: web.Request) -> web.Response:
    header = request.headers.get("Authorization")
    if header and header.lower().startswith("token "):
        token = header.split(" ")[1]
    else:  # older clients send it in the query
        token = request.query.get("token", "")
    if not token:
        raise Invalid("You need to provide an Authorization token.", code="lb_no_token")
    principal = await principal_of_listen_token(context(request), token)
    if principal is None:
        return json_response({"code": 200, "message": "Token invalid.", "valid": False})
    return json_response({"code": 200, "message": "Token valid.", "valid": True,
                          "user_name": principal.user.username or principal.user.name})


def setup_routes(app: web.Application) -> None:
    listenbrainz.add(app.router, "POST", "/1/submit-listens", submit)
    listenbrainz.add(app.router, "GET", "/1/validate-token", validate_token)
