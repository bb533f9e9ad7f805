"""How progress reaches a job's owner: coalesced writes (the latest fields win, a few times a
second) and the push shape on `user:#<id>`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from store.records import Job

__all__ = ["CoalescedProgress", "JobEvent", "JobView", "job_event"]

log = logging.getLogger("chorus.jobs")


class CoalescedProgress:
    """A ProgressReporter (workers.jobs): `update` only merges fields; a flusher task calls
    `write` with the latest state, then sleeps `interval` before the next write, so a job that
    reports a thousand times a second costs 1/interval writes. `close` stops it; the runner
    writes the final state itself with the outcome."""

    def __init__(self, data: dict[str, Any], write: Callable[[dict[str, Any]], Awaitable[None]],
                 interval: float) -> None:
        self.data = dict(data)
        self._write = write
        self._interval = interval
        self._dirty = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._writing = False
        self._closed = False

    def update(self, **fields: Any) -> None:
        self.data.update(fields)
        if self._closed:
            return
        self._dirty.set()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            self._writing = True
            try:
                await self._write(dict(self.data))
            except Exception:
                log.exception("progress not written")
            finally:
                self._writing = False
            if self._closed:
                return
            await asyncio.sleep(self._interval)

    async def close(self) -> None:
        """Stop flushing; a write under way finishes first (never cut in the middle)."""
        self._closed = True
        if self._flusher is not None:
            if not self._writing:
                self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)


class JobView(msgspec.Struct, kw_only=True):
    """A job as pushed to its owner (no payload: the REST APIs serve it)."""

    id: str
    kind: str
    status: str
    owner_id: int | None
    parent_id: str | None
    progress: dict[str, Any]
    result: Any
    error: str | None
    attempts: int
    max_attempts: int
    cancel_requested: bool
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None


class JobEvent(msgspec.Struct, kw_only=True):
    """The push on `user:#<owner>`: `{"type": "job", "job": {...}}`."""

    job: JobView
    type: str = "job"


def job_event(job: Job) -> JobEvent:
    return JobEvent(job=JobView(**{name: getattr(job, name) for name in JobView.__struct_fields__}))
