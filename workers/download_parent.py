"""The "download.collection" job: an album, playlist or artist download whose children do the
work (track jobs; for an artist, album jobs).

When it runs, the job asks its `Expander` (workers.payloads) what its children are (the
catalog lives in handlers/, whose expander hub.app passes in: workers never import handlers),
submits the ones it does not have yet (so a restart or a retry never duplicates a child),
then follows them: its progress summarises theirs, and it ends when none is queued or
running. It completes with a summary (successful, skipped and failed items with the reasons);
it fails only when every child failed. Cancelling it cancels its children (the store cancels
the whole tree)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from store.interface import JobRepo
from store.records import Job, JobStatus
from workers.jobs import CancelSignal, JobError, JobHandler, JobSubmitter, ProgressReporter
from workers.payloads import CollectionDownload, DownloadItem, Expander, payload_of

__all__ = ["make_parent_handler", "summarise"]

log = logging.getLogger("chorus.downloads")


def _item(job: Job) -> DownloadItem:
    return payload_of(job, DownloadItem)


def _name(job: Job) -> str:
    item = _item(job)
    return item.name or item.child_key or job.id


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


def make_parent_handler(submitter: JobSubmitter, jobs: JobRepo, expander: Expander, *,
                        poll_interval: float = 0.5) -> JobHandler:
    """The handler: `expander` names the children, `submitter` queues them (pushing them to
    the owner), `jobs` reads them back every `poll_interval` seconds."""

    async def ensure_children(job: Job, payload: CollectionDownload) -> None:
        have = {_item(c).child_key for c in await jobs.children(job.id)}
        for spec in await expander.children(job, payload):
            if spec.key in have:
                continue
            await submitter.submit(spec.kind, msgspec.structs.replace(spec.payload,
                                                                      child_key=spec.key),
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
        payload = payload_of(job, CollectionDownload)
        try:
            await ensure_children(job, payload)
            children = await follow(job, progress)
        except asyncio.CancelledError:
            if cancel.is_set():  # a child queued just as the cancel came must not run
                for child in await jobs.children(job.id):
                    if child.status.active:
                        await submitter.cancel(child.id)
            raise
        if not children:
            raise JobError(f"{payload.download_type or 'collection'} "
                           f"{_name(job)} has nothing to download")
        outcome = _outcome(children)
        if outcome["total_failed"] == len(children):
            reasons = sorted({c.error or str(c.status) for c in children})
            raise JobError(f"all {len(children)} downloads failed: {'; '.join(reasons)[:500]}")
        return {"summary": outcome, "total_tracks": len(children)}

    return run
