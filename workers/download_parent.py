"""The "download.collection" job: an album, playlist or artist download whose children do the
work (track jobs; for an artist, album jobs).

When it runs, the job asks `expand(job)` what its children are (the catalog lives in
handlers/, which hub.app wires in: workers never import handlers), submits the ones it does
not have yet (so a restart or a retry never duplicates a child), then follows them: its
progress summarises theirs, and it ends when none is queued or running. It completes with a
summary (successful, skipped and failed items with the reasons); it fails only when every
child failed. Cancelling it cancels its children (the store cancels the whole tree).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from store.interface import JobRepo
from store.records import Job, JobStatus
from workers.jobs import CancelSignal, JobError, JobHandler, JobSubmitter, ProgressReporter

__all__ = ["ChildSpec", "Expand", "make_parent_handler", "summarise", "CHILD_KEY"]

log = logging.getLogger("chorus.downloads")

CHILD_KEY = "child_key"  # the payload field naming a child within its parent


class ChildSpec(msgspec.Struct, kw_only=True):
    """One child job to have: `key` identifies it among its siblings (e.g. "3:<track id>")."""

    kind: str
    key: str
    payload: dict[str, Any]
    dedupe_key: str | None = None
    max_attempts: int = 3


# The parent job -> its children as ChildSpec-shaped dicts (or ChildSpecs). Raises JobError
# (or RetryableError) when the collection cannot be read.
Expand = Callable[[Job], Awaitable[list[Any]]]


def _name(job: Job) -> str:
    return str(job.payload.get("name") or job.payload.get(CHILD_KEY) or job.id)


def summarise(children: list[Job]) -> dict[str, Any]:
    """The parent's progress from its children's states."""
    counts = {str(s): 0 for s in JobStatus}
    percent = 0.0
    done_bytes = 0
    current = ""
    for child in children:
        counts[str(child.status)] += 1
        done_bytes += int(child.progress.get("bytes") or 0)
        if child.status.active:
            percent += float(child.progress.get("percent") or 0.0)
            if child.status == JobStatus.RUNNING and not current:
                current = _name(child)
        else:
            percent += 100.0
    total = len(children)
    active = counts["queued"] + counts["running"]
    return {"status": "progress" if active else "done", "total_tracks": total,
            "completed_tracks": counts["completed"], "failed_tracks": counts["failed"],
            "skipped_tracks": counts["skipped"], "cancelled_tracks": counts["cancelled"],
            "active_tracks": active, "current_track": current, "bytes": done_bytes,
            "percent": round(percent / total, 1) if total else 100.0}


def _outcome(children: list[Job]) -> dict[str, Any]:
    ok = [_name(c) for c in children if c.status == JobStatus.COMPLETED]
    skipped = [{"track": _name(c), "reason": c.error or ""} for c in children
               if c.status == JobStatus.SKIPPED]
    failed = [{"track": _name(c), "reason": c.error or str(c.status)} for c in children
              if c.status in (JobStatus.FAILED, JobStatus.CANCELLED)]
    return {"successful_tracks": ok, "skipped_tracks": skipped, "failed_tracks": failed,
            "total_successful": len(ok), "total_skipped": len(skipped),
            "total_failed": len(failed)}


def make_parent_handler(submitter: JobSubmitter, jobs: JobRepo, expand: Expand, *,
                        poll_interval: float = 0.5) -> JobHandler:
    """The handler: `submitter` queues children (pushing them to the owner), `jobs` reads
    them back every `poll_interval` seconds."""

    async def ensure_children(job: Job) -> None:
        have = {c.payload.get(CHILD_KEY) for c in await jobs.children(job.id)}
        for raw in await expand(job):
            spec = raw if isinstance(raw, ChildSpec) else msgspec.convert(raw, ChildSpec)
            if spec.key in have:
                continue
            await submitter.submit(spec.kind, {**spec.payload, CHILD_KEY: spec.key},
                                   owner_id=job.owner_id, parent_id=job.id,
                                   dedupe_key=spec.dedupe_key, max_attempts=spec.max_attempts)
            have.add(spec.key)

    async def follow(job: Job, progress: ProgressReporter) -> list[Job]:
        last: dict[str, Any] = {}
        while True:
            children = await jobs.children(job.id)
            summary = summarise(children)
            if summary != last:
                progress.update(**summary)
                last = summary
            if summary["active_tracks"] == 0:
                return children
            await asyncio.sleep(poll_interval)

    async def run(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        progress.update(status="initializing")
        try:
            await ensure_children(job)
            children = await follow(job, progress)
        except asyncio.CancelledError:
            if cancel.is_set():  # a child queued just as the cancel came must not run
                for child in await jobs.children(job.id):
                    if child.status.active:
                        await submitter.cancel(child.id)
            raise
        if not children:
            raise JobError(f"{job.payload.get('download_type', 'collection')} "
                           f"{_name(job)} has nothing to download")
        outcome = _outcome(children)
        if outcome["total_failed"] == len(children):
            reasons = sorted({c.error or str(c.status) for c in children})
            raise JobError(f"all {len(children)} downloads failed: {'; '.join(reasons)[:500]}")
        return {"summary": outcome, "total_tracks": len(children)}

    return run
