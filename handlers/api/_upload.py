"""Streaming a multipart file field to disk: for uploads larger than the app's body limit
(CHORUS_MAX_BODY_BYTES, which `read()` and `post()` obey), never held in memory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from aiohttp import BodyPartReader, web

from handlers.api._input import invalid_field
from handlers.errors import TooLarge

__all__ = ["file_part", "read_file_field", "save_file_field", "CHUNK"]

CHUNK = 256 * 1024


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
async def file_part(request: web.Request, field: str) -> AsyncIterator[BodyPartReader]:
    """The multipart part named `field`, to read in chunks; 422 when there is no such field or
    the body is malformed (no boundary, or it ends inside the part while it is read)."""
    if not request.content_type.startswith("multipart/"):
        raise invalid_field(("body", field), "Field required", "missing")
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == field:
                yield part
                return
    except ValueError as exc:  # no boundary, or the body ends inside a part
        raise invalid_field(("body",), "Malformed multipart body", "form_invalid") from exc
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


async def read_file_field(request: web.Request, field: str, limit: int, too_large: str) -> bytes:
    """The bytes of multipart field `field`; past `limit` the rest is drained, then TooLarge
    (413, message `too_large`) raised.

    Read in chunks from the streaming reader, the upload is bounded by `limit`, not by the
    app's body limit (CHORUS_MAX_BODY_BYTES), which `read()` and `post()` obey."""
    async with file_part(request, field) as part:
        data, size = bytearray(), 0
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size <= limit:
                data += chunk
        if size > limit:
            raise TooLarge(too_large, code="file_too_large")
        return bytes(data)
