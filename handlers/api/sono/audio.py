"""Sono's /api/v1/audio endpoints: streamed upload, the caller's stats and files, public
files, one file (get, put, delete) and its stream (Range honoured)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from handlers.api._auth import optional_principal, require_principal
from handlers.api._input import invalid_field, read_struct
from handlers.api._upload import save_form
from handlers.api.dialect import json_response, mark_slow
from handlers.api.keys import context
from handlers.api.sono._dialect import iso, sono
from handlers.api.sono._paging import flag_value, page_out, page_window, path_id
from handlers.errors import DomainError
from handlers.identity.auth import Principal, principal_from_access_token
from handlers.media import audio, quotas
from store.records import AudioFile

__all__ = ["setup_routes", "AudioFileOut", "audio_out"]

PREFIX = "/api/v1/audio"


class AudioFileOut(msgspec.Struct):
    id: int
    title: str
    description: str
    original_filename: str
    file_size: int
    duration: float | None
    content_type: str
    format: str
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    tags: dict[str, str]
    file_url: str
    stream_url: str
    is_public: bool
    owner_id: int
    play_count: int
    catalog_id: int | None
    upload_date: str | None
    updated_at: str | None


class AudioChangesBody(msgspec.Struct):
    title: Annotated[str, msgspec.Meta(max_length=audio.TITLE_MAX)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=audio.DESCRIPTION_MAX)] | None = None
    is_public: bool | None = None


def audio_out(record: AudioFile) -> AudioFileOut:
    url = audio.stream_path(record.id)
    return AudioFileOut(
        id=record.id, title=record.title, description=record.description,
        original_filename=record.original_filename, file_size=record.file_size,
        duration=record.duration, content_type=record.content_type, format=record.format,
        bitrate=record.bitrate, sample_rate=record.sample_rate, channels=record.channels,
        tags=record.tags, file_url=url, stream_url=url, is_public=record.is_public,
        owner_id=record.owner_id, play_count=record.play_count, catalog_id=record.catalog_id,
        upload_date=iso(record.created_at), updated_at=iso(record.updated_at))


def _form_text(fields: dict[str, str], name: str, limit: int) -> str | None:
    value = fields.get(name)
    if value is not None and len(value) > limit:
        raise invalid_field(("body", name), f"String should have at most {limit} characters",
                            "string_too_long")
    return value


@mark_slow
async def upload(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    ctx = context(request)
    limit = ctx.config.audio_max_bytes
    async with audio.start_upload(ctx, principal) as pending:
        form = await save_form(request, "file", pending.temp_path, limit,
                               f"File too large. Maximum size is {limit // (1024 * 1024)} MB")
        record = await pending.finish(
            original_name=form.filename,
            title=_form_text(form.fields, "title", audio.TITLE_MAX),
            description=_form_text(form.fields, "description", audio.DESCRIPTION_MAX),
            is_public=flag_value(form.fields.get("is_public"), ("body", "is_public")))
    return json_response(audio_out(record), status=201)


async def stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await quotas.upload_stats(context(request), principal.user.id)
    return json_response({
        "total_files": found.totals.files, "public_files": found.totals.public_files,
        "total_size": found.totals.total_size, "total_duration": found.totals.total_duration,
        "total_plays": found.totals.plays, "used_uploads": found.used_uploads,
        "max_uploads": found.max_uploads, "remaining_uploads": found.remaining_uploads})


async def my_files(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    page = page_window(request)
    files, total = await audio.list_audio(context(request), owner_id=principal.user.id,
                                          skip=page.skip, limit=page.limit)
    return json_response(page_out([audio_out(f) for f in files], total, page))


async def public_files(request: web.Request) -> web.Response:
    page = page_window(request)
    files, total = await audio.list_audio(context(request), public_only=True,
                                          skip=page.skip, limit=page.limit)
    return json_response(page_out([audio_out(f) for f in files], total, page))


async def get_file(request: web.Request) -> web.Response:
    file_id = path_id(request, "file_id")
    found = await audio.get_audio(context(request), await optional_principal(request), file_id)
    return json_response(audio_out(found))


async def update_file(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    file_id = path_id(request, "file_id")
    body = await read_struct(request, AudioChangesBody)
    updated = await audio.update_audio(context(request), principal, file_id, audio.AudioChanges(
        title=body.title, description=body.description, is_public=body.is_public))
    return json_response(audio_out(updated))


async def delete_file(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await audio.delete_audio(context(request), principal, path_id(request, "file_id"))
    return json_response({"message": "Audio file deleted successfully"})


async def _stream_principal(request: web.Request) -> Principal | None:
    """The bearer header, or `?token=` (an <audio> element cannot send headers); a bad
    credential counts as none, so a private file stays a 404."""
    token = request.query.get("token", "").strip()
    if token and "Authorization" not in request.headers:
        try:
            return await principal_from_access_token(context(request), token)
        except DomainError:
            return None
    return await optional_principal(request)


async def stream(request: web.Request) -> web.StreamResponse:
    file_id = path_id(request, "file_id")
    ranges = request.headers.get("Range", "").replace(" ", "")
    found, path = await audio.stream_target(
        context(request), await _stream_principal(request), file_id,
        from_start=request.method == "GET" and ranges in ("", "bytes=0-"))
    return web.FileResponse(path, headers={
        "Content-Type": found.content_type, "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=0" if not found.is_public else "public, max-age=3600",
        "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline"})


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "POST", f"{PREFIX}/upload", upload)
    sono.add(r, "GET", f"{PREFIX}/stats", stats)
    sono.add(r, "GET", f"{PREFIX}/my-files", my_files)
    sono.add(r, "GET", f"{PREFIX}/public", public_files)
    sono.add(r, "GET", f"{PREFIX}/{{file_id}}", get_file)
    sono.add(r, "PUT", f"{PREFIX}/{{file_id}}", update_file)
    sono.add(r, "DELETE", f"{PREFIX}/{{file_id}}", delete_file)
    sono.add(r, "GET", f"{PREFIX}/{{file_id}}/stream", stream)
