"""A user's download tasks (Spotizerr's progress and history): read, cancel, delete, count.

A task is a download job (handlers.downloads.start); lists show top-level tasks (a track, album,
playlist or artist asked for), while any task id, children included, may be read, cancelled
or deleted by its owner. Someone else's task is as unknown as a missing one (NotFound).
"""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.downloads.start import DOWNLOAD_KINDS, DOWNLOAD_TYPES, job_submitter
from handlers.errors import FieldError, Invalid, NotFound
from handlers.identity.auth import Principal
from store.records import DownloadStats, Job, JobPage

__all__ = ["TaskCounts", "TaskUpdates", "HISTORY_STATUSES", "get_task", "list_tasks",
           "task_counts", "task_updates", "tasks_changed_since", "task_children", "cancel_task", "cancel_all",
           "delete_task", "list_history", "search_history", "history_stats",
           "cleanup_history", "ACTIVE", "ENDED"]

ACTIVE = ("queued", "running")
ENDED = ("completed", "failed", "cancelled", "skipped")
# Spotizerr's history statuses -> job statuses; "partial" is a completed collection some of
# whose tracks failed, "completed" one with none failed
HISTORY_STATUSES = {"completed": ("completed",), "partial": ("completed",),
                    "failed": ("failed",), "skipped": ("skipped",),
                    "cancelled": ("cancelled",), "in_progress": ACTIVE}
DAY = 86400.0


class TaskCounts(msgspec.Struct, kw_only=True):
    """Spotizerr's `task_counts` over a user's top-level tasks."""

    active: int = 0
    queued: int = 0
    completed: int = 0
    error: int = 0
    cancelled: int = 0
    retrying: int = 0
    skipped: int = 0


class TaskUpdates(msgspec.Struct, kw_only=True):
    """What changed since a time: every active task, and a page of the others updated since."""

    active: list[Job]
    updated: list[Job]
    updated_total: int


async def get_task(ctx: Context, principal: Principal, task_id: str) -> Job:
    """The caller's own task; someone else's is as unknown as a missing one."""
    job = await ctx.store.jobs.get(task_id)
    if job is None or job.owner_id != principal.user.id or job.kind not in DOWNLOAD_KINDS:
        raise NotFound(f"Task {task_id} not found", code="task_not_found")
    return job


async def list_tasks(ctx: Context, principal: Principal, *, active_only: bool = False,
                     offset: int = 0, limit: int = 50) -> JobPage:
    """Top-level tasks, newest first."""
    return await ctx.store.downloads.list(principal.user.id, kinds=DOWNLOAD_KINDS,
                                          statuses=ACTIVE if active_only else (),
                                          offset=offset, limit=limit)


async def task_counts(ctx: Context, principal: Principal) -> TaskCounts:
    raw = await ctx.store.downloads.counts(principal.user.id, kinds=DOWNLOAD_KINDS)
    retrying = raw.get("retrying", 0)
    return TaskCounts(active=raw.get("running", 0), queued=raw.get("queued", 0) - retrying,
                      retrying=retrying, completed=raw.get("completed", 0),
                      error=raw.get("failed", 0), cancelled=raw.get("cancelled", 0),
                      skipped=raw.get("skipped", 0))


async def task_updates(ctx: Context, principal: Principal, since: float | None, *,
                       active_only: bool = False, offset: int = 0, limit: int = 20
                       ) -> TaskUpdates:
    """Active tasks (always) and a page of the others updated after `since` (Unix time; None:
    the most recent ones)."""
    owner, downloads = principal.user.id, ctx.store.downloads
    active = await downloads.list(owner, kinds=DOWNLOAD_KINDS, statuses=ACTIVE, limit=1000)
    if active_only:
        return TaskUpdates(active=active.jobs, updated=[], updated_total=0)
    done = await downloads.list(owner, kinds=DOWNLOAD_KINDS,
                                statuses=ENDED,
                                since=since, offset=offset, limit=limit)
    return TaskUpdates(active=active.jobs, updated=done.jobs, updated_total=done.total)


async def tasks_changed_since(ctx: Context, principal: Principal, since: float, *,
                              limit: int = 1000) -> list[Job]:
    """Top-level tasks of any status updated after `since` (Unix time), newest first."""
    page = await ctx.store.downloads.list(principal.user.id, kinds=DOWNLOAD_KINDS, since=since,
                                          limit=limit)
    return page.jobs


async def task_children(ctx: Context, principal: Principal, task_id: str
                        ) -> tuple[Job, list[Job]]:
    job = await get_task(ctx, principal, task_id)
    return job, await ctx.store.jobs.children(job.id)


async def cancel_task(ctx: Context, principal: Principal, task_id: str) -> Job:
    """Cancel the task and its children (running ones stop and remove their partial files).

    Raises:
        NotFound: not the caller's task. Invalid: the task has already ended.
    """
    job = await get_task(ctx, principal, task_id)
    if not job.status.active:
        raise Invalid(f"Task {task_id} has already ended ({job.status})", code="task_ended")
    return await job_submitter(ctx).cancel(job.id) or job


async def cancel_all(ctx: Context, principal: Principal) -> list[Job]:
    """Cancel every active top-level task of the caller; the tasks afterwards."""
    page = await list_tasks(ctx, principal, active_only=True, limit=10_000)
    cancelled = []
    for job in page.jobs:
        after = await job_submitter(ctx).cancel(job.id)
        cancelled.append(after or job)
    return cancelled


async def delete_task(ctx: Context, principal: Principal, task_id: str) -> None:
    """Forget a task (and its children); an active one is cancelled first."""
    job = await get_task(ctx, principal, task_id)
    if job.status.active:
        await job_submitter(ctx).cancel(job.id)
    if not await ctx.store.jobs.delete(job.id):
        raise Invalid(f"Task {task_id} is still stopping; try again", code="task_active")


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value and value not in allowed:
        raise Invalid(f"Invalid {name}. Must be one of: {', '.join(allowed)}",
                      code="validation", fields=[FieldError(("query", name), "not allowed")])


async def list_history(ctx: Context, principal: Principal, *, download_type: str | None = None,
                       status: str | None = None, offset: int = 0, limit: int = 100) -> JobPage:
    """Top-level tasks, newest first, filtered by type and Spotizerr's history status."""
    _check_choice("download_type", download_type, DOWNLOAD_TYPES)
    _check_choice("status", status, tuple(HISTORY_STATUSES))
    partial = {"partial": True, "completed": False}.get(status or "")
    return await ctx.store.downloads.list(
        principal.user.id, kinds=DOWNLOAD_KINDS,
        download_types=(download_type,) if download_type else (),
        statuses=HISTORY_STATUSES[status] if status else (), partial=partial,
        offset=offset, limit=limit)


async def search_history(ctx: Context, principal: Principal, query: str, limit: int = 50
                         ) -> list[Job]:
    """Tasks (tracks of albums included) whose name, artist or album has every word."""
    if not query.strip():
        raise Invalid("Missing required parameter: q (search query)", code="query_missing",
                      fields=[FieldError(("query", "q"), "Field required", "missing")])
    page = await ctx.store.downloads.list(principal.user.id, kinds=DOWNLOAD_KINDS,
                                          query=query, roots_only=False, limit=limit)
    return page.jobs


async def history_stats(ctx: Context, principal: Principal) -> DownloadStats:
    return await ctx.store.downloads.stats(principal.user.id, kinds=DOWNLOAD_KINDS)


async def cleanup_history(ctx: Context, principal: Principal, days_old: int) -> int:
    """Forget the caller's tasks that ended more than `days_old` days ago; how many."""
    if isinstance(days_old, bool) or not isinstance(days_old, int) or days_old <= 0:
        raise Invalid("days_old must be a positive integer", code="validation",
                      fields=[FieldError(("body", "days_old"), "a positive integer")])
    return await ctx.store.downloads.cleanup(principal.user.id, kinds=DOWNLOAD_KINDS,
                                             before=ctx.clock() - days_old * DAY)
