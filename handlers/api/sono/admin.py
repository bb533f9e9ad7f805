"""Sono's /api/v1/admin routes over users and audio: site stats, users (list, detail),
upload limits and stats, disable / enable, every audio file, deleting a user's audio and
resetting their uploads. Ordinary users get 403, signed-out callers 401."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_struct
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.sono._dialect import sono
from handlers.api.sono._paging import page_out, page_window, path_id
from handlers.api.sono.audio import audio_out
from handlers.api.sono.users import user_out
from handlers.media import admin
from handlers.media.quotas import MAX_LIMIT, UploadStats

__all__ = ["setup_routes"]

PREFIX = "/api/v1/admin"
MB = 1024 * 1024


class UploadLimitBody(msgspec.Struct):
    max_audio_uploads: Annotated[int, msgspec.Meta(ge=0, le=MAX_LIMIT)]


def _uploads_out(stats: UploadStats) -> dict[str, Any]:
    return {"user_id": stats.user_id, "used_uploads": stats.used_uploads,
            "max_uploads": stats.max_uploads, "max_audio_uploads": stats.max_uploads,
            "remaining_uploads": stats.remaining_uploads, "total_files": stats.totals.files,
            "total_size": stats.totals.total_size,
            "total_duration": stats.totals.total_duration}


async def stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await admin.site_stats(context(request), principal)
    states = found.users.by_state
    return json_response({
        "total_users": found.users.total, "active_users": states.get("active", 0),
        "disabled_users": states.get("disabled", 0),
        "pending_deletion_users": states.get("pending_deletion", 0),
        "admin_users": found.users.admins, "total_audio_files": found.audio.files,
        "public_audio_files": found.audio.public_files,
        "private_audio_files": found.audio.files - found.audio.public_files,
        "total_storage_bytes": found.audio.total_size,
        "total_storage_mb": round(found.audio.total_size / MB, 2),
        "total_duration": found.audio.total_duration, "total_plays": found.audio.plays,
        "total_collections": found.collections,
        "total_announcements": found.announcements,
        "published_announcements": found.published_announcements})


async def list_users(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    page = page_window(request)
    users, total = await admin.list_users(context(request), principal, skip=page.skip,
                                          limit=page.limit)
    return json_response(page_out([user_out(request, u) for u in users], total, page))


async def user_detail(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await admin.user_detail(context(request), principal, path_id(request, "user_id"))
    return json_response({**msgspec.to_builtins(user_out(request, found.user)),
                          **_uploads_out(found.uploads), "total_collections": found.collections})


async def set_upload_limit(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    user_id = path_id(request, "user_id")
    body = await read_struct(request, UploadLimitBody)
    found = await admin.set_upload_limit(context(request), principal, user_id,
                                         body.max_audio_uploads)
    return json_response({**_uploads_out(found),
                          "message": f"Upload limit set to {found.max_uploads}"})


async def upload_stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await admin.user_upload_stats(context(request), principal,
                                          path_id(request, "user_id"))
    return json_response(_uploads_out(found))


async def disable(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    user = await admin.disable_user(context(request), principal, path_id(request, "user_id"))
    return json_response(user_out(request, user))


async def enable(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    user = await admin.enable_user(context(request), principal, path_id(request, "user_id"))
    return json_response(user_out(request, user))


async def all_audio(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    page = page_window(request)
    files, total = await admin.all_audio(context(request), principal, skip=page.skip,
                                         limit=page.limit)
    return json_response(page_out([audio_out(f) for f in files], total, page))


async def delete_user_audio(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    count = await admin.delete_user_audio(context(request), principal,
                                          path_id(request, "user_id"))
    return json_response({"message": f"Deleted {count} audio files", "deleted_count": count})


async def reset_uploads(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await admin.reset_uploads(context(request), principal, path_id(request, "user_id"))
    return json_response({**_uploads_out(found), "message": "Upload count reset"})


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "GET", f"{PREFIX}/stats", stats)
    sono.add(r, "GET", f"{PREFIX}/users", list_users)
    sono.add(r, "GET", f"{PREFIX}/users/{{user_id}}", user_detail)
    sono.add(r, "PUT", f"{PREFIX}/users/{{user_id}}/upload-limit", set_upload_limit)
    sono.add(r, "GET", f"{PREFIX}/users/{{user_id}}/upload-stats", upload_stats)
    sono.add(r, "POST", f"{PREFIX}/users/{{user_id}}/disable", disable)
    sono.add(r, "POST", f"{PREFIX}/users/{{user_id}}/enable", enable)
    sono.add(r, "GET", f"{PREFIX}/audio-files/all", all_audio)
    sono.add(r, "DELETE", f"{PREFIX}/users/{{user_id}}/audio-files", delete_user_audio)
    sono.add(r, "POST", f"{PREFIX}/users/{{user_id}}/reset-uploads", reset_uploads)
