"""Rebuilding a user's daily rollups (the durable job "listening.rollup_build") and how far
they cover the listens.

Rollups are kept current as listens arrive; a rebuild recomputes them from the listens (after
a catalog item learnt its artist or genres, say). One build per user runs at a time: asking
again while one is queued or running answers with that job (`already_running`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import Unavailable
from handlers.listening.periods import detail_since
from store.records import Job
from workers.jobs import CancelSignal, JobHandler, ProgressReporter
from workers.payloads import payload_of

__all__ = ["ROLLUP_BUILD_KIND", "RollupBuild", "BuildStarted", "RollupCoverage",
           "start_rollup_build", "rollup_status", "make_rollup_build_handler"]

ROLLUP_BUILD_KIND = "listening.rollup_build"


class RollupBuild(msgspec.Struct, frozen=True):
    """The payload of a "listening.rollup_build" job."""

    user_id: int


class BuildStarted(msgspec.Struct, frozen=True):
    job_id: str
    already_running: bool


class RollupCoverage(msgspec.Struct, frozen=True):
    """`coverage`: the percentage of the user's listens counted in the rollups (100 with
    none); `complete` when every one is."""

    last_date: str | None
    total_days: int
    complete: bool
    coverage: float


async def start_rollup_build(ctx: Context, user_id: int) -> BuildStarted:
    if ctx.jobs is None:
        raise Unavailable("Jobs are not running", code="jobs_unavailable")
    submitted = await ctx.jobs.submit(ROLLUP_BUILD_KIND, RollupBuild(user_id=user_id),
                                      owner_id=user_id,
                                      dedupe_key=f"{ROLLUP_BUILD_KIND}:{user_id}")
    return BuildStarted(job_id=submitted.job.id, already_running=submitted.duplicate)


async def rollup_status(ctx: Context, user_id: int) -> RollupCoverage:
    status = await ctx.store.listens.status(user_id)
    coverage = 100.0 if not status.listens else round(
        min(status.rolled_plays, status.listens) * 100.0 / status.listens, 1)
    return RollupCoverage(last_date=status.last_date, total_days=status.total_days,
                          complete=status.rolled_plays == status.listens, coverage=coverage)


def make_rollup_build_handler(ctx: Context) -> JobHandler:
    """The job handler of "listening.rollup_build" (hub.app registers it)."""

    async def handle(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        request = payload_of(job, RollupBuild, "rollup build")
        progress.update(step="rollup_build", items_processed=0)
        days = await ctx.store.listens.rebuild(request.user_id, detail_since(ctx.clock()))
        progress.update(step="rollup_build", items_processed=days, items_total=days)
        return {"days": days}

    return handle
