"""Streaming a multipart file field to disk: for uploads larger than the app's body limit
(CHORUS_MAX_BODY_BYTES, which `read()` and `post()` obey), never held in memory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from handlers.api._input import invalid_field
from handlers.errors import TooLarge

__all__ = ["file_part", "read_part", "read_file_field", "save_file_field", "save_form", "UploadForm", "CHUNK",
           "TEXT_FIELD_MAX"]

CHUNK = 256 * 1024
TEXT_FIELD_MAX = 64 * 1024  # a text field of a multipart upload form


async def _copy(part: BodyPartReader, out: BinaryIO, limit: int) -> bool:
    """Copy the part to `out`; False (and stop reading) once it passes `limit` bytes."""
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            return False
        await asyncio.to_thread(out.write, chunk)
    return True


@contextlib.asynccontextmanager
async def _multipart(request: web.Request, field: str) -> AsyncIterator[MultipartReader]:
    """The body's multipart reader: 422 about `field` when the body is not multipart, and 422
    "Malformed multipart body" when reading it inside the block fails."""
    if not request.content_type.startswith("multipart/"):
        raise invalid_field(("body", field), "Field required", "missing")
    try:
        yield await request.multipart()
    # no boundary, the body ends inside a part, or a part's headers are unreadable (a NUL)
    except (ValueError, HttpProcessingError) as exc:
        raise invalid_field(("body",), "Malformed multipart body", "form_invalid") from exc


@contextlib.asynccontextmanager
async def file_part(request: web.Request, field: str) -> AsyncIterator[BodyPartReader]:
    """The multipart part named `field`, to read in chunks; 422 when there is no such field or
    the body is malformed (no boundary, or it ends inside the part while it is read)."""
    async with _multipart(request, field) as reader:
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == field:
                yield part
                return
    raise invalid_field(("body", field), "Field required", "missing")


async def save_file_field(request: web.Request, field: str, dest: Path, limit: int,
                          too_large: str) -> str:
    """Write multipart field `field` to `dest` and return the file name the client gave.
    Past `limit` bytes: `dest` is removed and TooLarge (413, message `too_large`) raised without
    reading the rest; no such field, or a malformed body: 422 about it, `dest` removed."""
    saved = False
    try:
        async with file_part(request, field) as part:
            with dest.open("wb") as out:
                if not await _copy(part, out, limit):
                    raise TooLarge(too_large, code="file_too_large")
            saved = True
            return part.filename or dest.name
    finally:
        if not saved:
            with contextlib.suppress(FileNotFoundError):
                dest.unlink()


async def read_part(part: BodyPartReader, limit: int) -> bytes | None:
    """The part's bytes, or None once it passes `limit` (the rest is drained, so the parts
    after it can still be read)."""
    data, size = bytearray(), 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size <= limit:
            data += chunk
    return bytes(data) if size <= limit else None


async def read_file_field(request: web.Request, field: str, limit: int, too_large: str) -> bytes:
    """The bytes of multipart field `field`; past `limit` the rest is drained, then TooLarge
    (413, message `too_large`) raised.

    Read in chunks from the streaming reader, the upload is bounded by `limit`, not by the
    app's body limit (CHORUS_MAX_BODY_BYTES), which `read()` and `post()` obey."""
    async with file_part(request, field) as part:
        data = await read_part(part, limit)
        if data is None:
            raise TooLarge(too_large, code="file_too_large")
        return data
@dataclass
class UploadForm:
    """A multipart form whose one file field went to disk: the name the client gave it
    (display text only) and the text fields, whatever their order around the file."""

    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    saved: bool = False


async def _text(part: BodyPartReader, name: str) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > TEXT_FIELD_MAX:
            raise invalid_field(("body", name), "Value is too long", "string_too_long")
    return data.decode(part.get_charset("utf-8"), errors="replace")


async def save_form(request: web.Request, file_field: str, dest: Path, limit: int,
                    too_large: str) -> UploadForm:
    """Stream `file_field` to `dest` (TooLarge past `limit` bytes, without reading the rest)
    and read the form's other fields as text; 422 when the file field is missing, twice, or
    the body is malformed. The caller removes `dest` when this raises."""
    form = UploadForm()
    async with _multipart(request, file_field) as reader:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                continue
            if part.name != file_field:
                form.fields[part.name] = await _text(part, part.name)
                continue
            if form.saved:
                raise invalid_field(("body", file_field), "Only one file may be sent")
            with dest.open("wb") as out:
                if not await _copy(part, out, limit):
                    raise TooLarge(too_large, code="file_too_large")
            form.filename, form.saved = part.filename, True
    if not form.saved:
        raise invalid_field(("body", file_field), "Field required", "missing")
    return form
