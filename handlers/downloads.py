"""Downloads (Spotizerr): a track download is a durable "download.track" job owned by the
user who asked; its audio comes from a download source, never from a DRM-protected stream."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from handlers.auth import Principal
from handlers.context import Context
from handlers.download_settings import (
    DOWNLOAD_KIND_TRACK,
    download_root,
    download_settings,
    target_path,
)
from handlers.errors import NotFound, Unavailable
from handlers.links import parse_link
from store.records import CatalogItem, Job, User

__all__ = ["start_track_download", "start_download", "get_task", "list_tasks", "source_url"]

AUDIO_KINDS = ("track", "audio", "video")


def source_url(item: CatalogItem) -> str:
    """The item's downloadable audio: a direct file, or the stream an eId carries; "" if none
    (Spotify, Deezer, YouTube... have no source Chorus may use)."""
    if item.provider == "file":
        return item.url
    try:
        return parse_link(item.eid).stream_url
    except Exception:  # noqa: BLE001 - an unparsable eId simply has no stream
        return ""


def _tags(item: CatalogItem) -> dict[str, str]:
    tags = {"title": item.name or item.description, "album": item.album_name}
    if item.artist_names:
        tags["artist"] = ", ".join(item.artist_names)
    return {k: v for k, v in tags.items() if v}


def _extension(url: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
    return suffix if suffix in ("mp3", "ogg", "m4a", "flac", "wav", "aac", "opus") else ""


async def start_track_download(ctx: Context, principal: Principal, track_id: str
                               ) -> tuple[Job, bool]:
    """Queue the download of a catalog track; (job, duplicate) — a second request for a track
    already queued or running returns that job."""
    if ctx.jobs is None:
        raise Unavailable("Downloads are not running", code="jobs_unavailable")
    item = await ctx.store.catalog_search.by_provider_id(AUDIO_KINDS, track_id)
    if item is None:
        raise NotFound(f"Track {track_id} not found", code="track_not_found")
    settings = await download_settings(ctx)
    source, tags = source_url(item), _tags(item)
    ext = _extension(source) or settings.fileFormat
    payload: dict[str, Any] = {
        "url": source, "tags": tags, "name": tags.get("title", ""),
        "artist": tags.get("artist", ""), "track_id": track_id, "download_type": "track",
        "target": str(target_path(download_root(ctx, settings), settings, tags, ext)),
        "no_source": "" if source else f"no download source for {item.provider} "
                                       f"{item.kind} {track_id}",
    }
    submitted = await ctx.jobs.submit(DOWNLOAD_KIND_TRACK, payload, owner_id=principal.user.id,
                                      dedupe_key=f"{principal.user.id}:track:{track_id}",
                                      max_attempts=settings.maxRetries + 1)
    return submitted.job, submitted.duplicate


async def get_task(ctx: Context, principal: Principal, task_id: str) -> Job:
    """The caller's own task; someone else's is as unknown as a missing one."""
    job = await ctx.store.jobs.get(task_id)
    if job is None or job.owner_id != principal.user.id:
        raise NotFound(f"Task {task_id} not found", code="task_not_found")
    return job


async def list_tasks(ctx: Context, principal: Principal, *, active_only: bool, offset: int,
                     limit: int) -> tuple[list[Job], int]:
    statuses = ("queued", "running") if active_only else ()
    page = await ctx.store.jobs.list(owner_id=principal.user.id, statuses=statuses,
                                     offset=offset, limit=limit)
    return page.jobs, page.total


async def start_download(ctx: Context, owner: User | int, kind: str, item_id: str,
                         album_types: list[str] | None = None) -> tuple[Job, bool]:
    """A download on behalf of `owner` (a User or a user id), as the watcher starts them.
    Only tracks for now: album, playlist and artist downloads are still to come (issue #5)."""
    user = owner if isinstance(owner, User) else await ctx.store.users.get(owner)
    if user is None:
        raise NotFound(f"User {owner} not found", code="user_not_found")
    if kind != "track":
        raise Unavailable(f"{kind} downloads are not served yet", code="download_kind_unavailable")
    return await start_track_download(ctx, Principal(user=user, session_id=""), item_id)
