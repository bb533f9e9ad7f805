"""Openwhyd's `POST /upload` (images with `keepOriginal` and `thumbDims`, or
`action=delete&id=<file>`) and `/img/<kind>/<id>` (user, u, userCover, post, playlist).

The upload answers as Openwhyd's does: a JSON object keyed by the form field of each file,
sent as text/plain (its iframe-upload clients read the body as text)."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from handlers.api._auth import require_principal
from handlers.api._input import read_form
from handlers.api._upload import read_part
from handlers.api.dialect import mark_slow
from handlers.api.keys import context
from handlers.api.openwhyd.common import AJAX_ERRORS, LOGIN_FIRST, ajax_error, openwhyd
from handlers.errors import DomainError, Invalid, TooLarge
from handlers.media import pictures, uploads
from handlers.media.images import IMAGE_MAX_BYTES

__all__ = ["setup_routes"]

MAX_FILES = 5
TEXT_MAX = 1024
NOT_AN_IMAGE = "Only images are supported for upload, for now."
TRUE = ("true", "1", "on", "yes")


def _text_response(data: Any) -> web.Response:
    return web.Response(body=msgspec.json.encode(data), content_type="text/plain",
                        charset="utf-8")


async def _read_multipart(request: web.Request
                          ) -> tuple[dict[str, str], list[tuple[str, str | None, bytes | None]]]:
    """Text fields, and the files as (field, file name, bytes or None when too large)."""
    fields: dict[str, str] = {}
    files: list[tuple[str, str | None, bytes | None]] = []
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                continue
            if part.filename is None:
                raw = await read_part(part, TEXT_MAX)
                fields[part.name] = (raw or b"").decode("utf-8", errors="replace")
            elif len(files) >= MAX_FILES:
                raise Invalid(f"At most {MAX_FILES} files at once", code="too_many_files")
            else:
                files.append((part.name, part.filename, await read_part(part, IMAGE_MAX_BYTES)))
    except (ValueError, HttpProcessingError) as exc:
        raise Invalid("Error during file upload, please try again.",
                      code="bad_upload") from exc
    return fields, files


async def _one(request: web.Request, principal: Any, name: str | None, data: bytes | None,
               keep: bool, dims: list[tuple[str, tuple[int, int]]]) -> dict[str, Any]:
    try:
        if data is None:
            raise TooLarge("File too large. Maximum size is 5 MB", code="file_too_large")
        found = await uploads.upload_image(context(request), principal, data, name,
                                           keep_original=keep, thumb_dims=dims)
    except DomainError as exc:
        message = exc.message if isinstance(exc, TooLarge | Invalid) else NOT_AN_IMAGE
        return {"error": message}
    return msgspec.to_builtins(found)


@mark_slow
async def upload(request: web.Request) -> web.Response:
    principal = await require_principal(request, LOGIN_FIRST)
    ctx = context(request)
    if not request.content_type.startswith("multipart/"):
        fields = await read_form(request)
        files: list[tuple[str, str | None, bytes | None]] = []
    else:
        fields, files = await _read_multipart(request)
    if fields.get("action") == "delete" and fields.get("id"):
        try:
            await uploads.delete_upload(ctx, principal, fields["id"])
        except AJAX_ERRORS as exc:
            return ajax_error(exc)
        return _text_response({"ok": 1})
    try:
        dims = uploads.parse_thumb_dims(fields.get("thumbDims"))
    except Invalid as exc:
        return ajax_error(exc)
    keep = fields.get("keepOriginal", "").strip().lower() in TRUE
    results = {field: await _one(request, principal, name, data, keep, dims)
               for field, name, data in files}
    if not results:
        return ajax_error(Invalid("Error during file upload, please try again.",
                                  code="no_file"))
    return _text_response(results)


def _answer(request: web.Request, found: pictures.Picture) -> web.StreamResponse:
    if found.redirect is not None:
        query = request.query_string
        raise web.HTTPTemporaryRedirect(found.redirect + (f"?{query}" if query else ""))
    if found.path is not None:
        return web.FileResponse(found.path, headers={"Cache-Control": "public, max-age=3600",
                                                     "X-Content-Type-Options": "nosniff"})
    name = found.default or "no_image.png"
    return web.Response(body=pictures.default_image(name),
                        content_type=pictures.DEFAULTS[name][1],
                        headers={"Cache-Control": "public, max-age=300"})


async def image(request: web.Request) -> web.StreamResponse:
    kind, ident = request.match_info["kind"], request.match_info["id"]
    ctx = context(request)
    if kind in ("user", "u"):
        found = await pictures.user_picture(ctx, ident)
    elif kind == "userCover":
        found = await pictures.cover_picture(ctx, ident)
    elif kind == "post":
        found = await pictures.post_picture(ctx, ident)
    elif kind == "playlist":
        found = await pictures.playlist_picture(
            ctx, ident, local_only=request.query.get("localOnly", "") in TRUE)
    else:
        raise Invalid("bad request", code="bad_image_kind")
    return _answer(request, found)


def setup_routes(app: web.Application) -> None:
    r = app.router
    openwhyd.add(r, "POST", "/upload", upload)
    openwhyd.add(r, "GET", "/img/{kind}/{id}", image)
