"""Durable jobs (DESIGN §5): the submit protocol that handlers/ use, and the runner actor.

handlers/ import `JobSubmitter`, the handler types and the errors from here, never the runner.
A job handler is `async (job, progress, cancel) -> result`: it reports through
`progress.update(**fields)` (written back and pushed to the owner's `user:#<id>` channel,
coalesced), may watch `cancel`, and is cancelled (CancelledError) when the job is cancelled or
the process stops, so its `finally` blocks remove partial work (`cancel` is set only for a
cancel, not at shutdown, after which the job runs again). Its return value (JSON) is the
job's result; `SkipJob` ends it as skipped, a `retry_on` error (`RetryableError` by default)
queues another attempt after a backoff, anything else fails it with the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from store.interface import JobRepo
from store.records import Job, JobPage, JobStatus, Submitted
from workers._progress import CoalescedProgress, JobEvent, JobView, job_event
from workers.actor import Actor

__all__ = [
    "CancelSignal",
    "JobError",
    "JobEvent",
    "JobHandler",
    "JobRunner",
    "JobSubmitter",
    "JobView",
    "ProgressReporter",
    "RetryableError",
    "SkipJob",
    "UserPublisher",
    "job_event",
]

log = logging.getLogger("chorus.jobs")


class JobError(Exception):
    """A failure whose message is meant for the job's owner; the job fails, no retry."""


class RetryableError(JobError):
    """A failure worth another attempt (up to max_attempts): after `delay` seconds when given
    (a Retry-After), else after the runner's exponential backoff."""

    def __init__(self, message: str = "", *, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class SkipJob(JobError):
    """Nothing to do (already there, filtered out): the job ends skipped with this reason."""


class ProgressReporter(Protocol):
    @property
    def data(self) -> dict[str, Any]:
        """The job's progress as reported so far."""
    def update(self, **fields: Any) -> None:
        """Merge `fields` (e.g. percent, bytes, total, message) into the progress; never
        waits: the runner writes and pushes the latest state a few times per second at most,
        and always the final one."""


class CancelSignal(Protocol):
    """Set when the job's cancel is requested (an asyncio.Event)."""

    def is_set(self) -> bool: ...
    async def wait(self) -> Any: ...


JobHandler = Callable[[Job, ProgressReporter, CancelSignal], Coroutine[Any, Any, Any]]


class UserPublisher(Protocol):
    """Where the runner pushes a job's progress to its owner (the realtime Node fits)."""

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        """Push `data` to every live connection of the user (its `user:#<id>` channel)."""


class JobSubmitter(Protocol):
    """What handlers/ may ask of the job runner (ctx.jobs)."""

    async def submit(self, kind: str, payload: msgspec.Struct | dict[str, Any] | None = None, *,
                     owner_id: int | None = None, parent_id: str | None = None,
                     dedupe_key: str | None = None, max_attempts: int = 3,
                     progress: dict[str, Any] | None = None) -> Submitted:
        """Queue a job (see store.interface.JobRepo.submit: a duplicate comes back with
        `duplicate=True`); work starts at once when a slot of its kind is free. A Struct
        payload (workers.payloads) is stored as its JSON object."""
    async def cancel(self, job_id: str) -> Job | None:
        """Cancel the job and its active descendants; running ones are stopped and cleaned
        up before this returns (within a grace period). The job afterwards, None if unknown."""
    async def get(self, job_id: str) -> Job | None: ...
    async def list(self, **filters: Any) -> JobPage:
        """Jobs by the filters of store.interface.JobRepo.list, newest first."""
    def set_concurrency(self, kind: str, limit: int) -> None:
        """How many jobs of `kind` may run at once (0 pauses the kind); applies at once."""
    def concurrency(self, kind: str) -> int: ...


@dataclass
class _Kind:
    handler: JobHandler
    retry_on: tuple[type[BaseException], ...]


@dataclass
class _Run:
    job: Job
    kind: _Kind
    progress: CoalescedProgress
    task: asyncio.Task[Any]
    cancel: asyncio.Event
    done: asyncio.Task[None] | None = None


class JobRunner(Actor):
    """Claims queued jobs up to each kind's concurrency limit and runs each in its own task
    (implements JobSubmitter). At start, jobs left running by a dead process go back to the
    queue: every other runner's on a store this process has alone (`exclusive`), else only
    those whose runner stopped heartbeating `orphan_after` seconds ago (the others belong to
    live processes); at shutdown, running jobs are cancelled, clean up and go back to the
    queue."""

    def __init__(self, jobs: JobRepo, publisher: UserPublisher | None = None, *,
                 worker_id: str | None = None, poll_interval: float = 5.0,
                 heartbeat_interval: float = 10.0, orphan_after: float = 120.0,
                 progress_interval: float = 0.25, retry_base_delay: float = 1.0,
                 retry_max_delay: float = 300.0, cancel_grace: float = 4.0,
                 exclusive: bool = True) -> None:
        super().__init__(name="jobs")
        self.exclusive = exclusive
        self.jobs = jobs
        self.publisher = publisher
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.poll_interval = poll_interval
        self.heartbeat_interval = heartbeat_interval
        self.orphan_after = orphan_after
        self.progress_interval = progress_interval
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.cancel_grace = cancel_grace
        self.progress_writes = 0
        self._kinds: dict[str, _Kind] = {}
        self._limits: dict[str, int] = {}
        self._runs: dict[str, _Run] = {}
        self._cancel_early: set[str] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._recovered = False
        self._stopping = False
        self._next_heartbeat = 0.0

    # configuration

    def register(self, kind: str, handler: JobHandler, *, concurrency: int | None = None,
                 retry_on: tuple[type[BaseException], ...] = (RetryableError,)) -> None:
        """Run jobs of `kind` with `handler` (one at a time unless `concurrency` says)."""
        self._kinds[kind] = _Kind(handler, retry_on)
        if concurrency is not None:
            self.set_concurrency(kind, concurrency)
        self.wake()

    def set_concurrency(self, kind: str, limit: int) -> None:
        if limit < 0:
            raise ValueError("a concurrency limit is 0 or more")
        self._limits[kind] = limit
        self.wake()  # a raised limit claims more at once; running jobs above a lowered one finish

    def concurrency(self, kind: str) -> int:
        return self._limits.get(kind, 1)

    def running(self, kind: str | None = None) -> int:
        """How many jobs (of `kind`) this runner is running now."""
        return sum(1 for run in self._runs.values() if kind is None or run.job.kind == kind)

    def wake(self) -> None:
        """Claim now instead of at the next poll."""
        self.tell(None)

    # JobSubmitter

    async def submit(self, kind: str, payload: msgspec.Struct | dict[str, Any] | None = None, *,
                     owner_id: int | None = None, parent_id: str | None = None,
                     dedupe_key: str | None = None, max_attempts: int = 3,
                     progress: dict[str, Any] | None = None) -> Submitted:
        stored = msgspec.to_builtins(payload) if isinstance(payload, msgspec.Struct) else payload
        submitted = await self.jobs.submit(kind, stored, owner_id=owner_id, parent_id=parent_id,
                                           dedupe_key=dedupe_key, max_attempts=max_attempts,
                                           progress=progress)
        if not submitted.duplicate:
            await self._push(submitted.job)
        return submitted

    async def cancel(self, job_id: str) -> Job | None:
        stopping = []
        for job in await self.jobs.cancel(job_id):
            run = self._runs.get(job.id)
            if run is not None:
                self._stop(run)
                stopping.append(run.done)
            elif job.status == JobStatus.RUNNING and job.claimed_by == self.worker_id:
                self._cancel_early.add(job.id)  # claimed a moment ago, not started yet
            else:
                await self._push(job)
        if stopping:
            await asyncio.wait([t for t in stopping if t is not None], timeout=self.cancel_grace)
        return await self.jobs.get(job_id)

    async def get(self, job_id: str) -> Job | None:
        return await self.jobs.get(job_id)

    async def list(self, **filters: Any) -> JobPage:
        return await self.jobs.list(**filters)

    # the actor

    async def run(self) -> None:
        """Recover orphans once, then claim, heartbeat and wait for a wake or the poll."""
        self._stopping = False
        if self._unsubscribe is None:
            self._unsubscribe = self.jobs.subscribe(self._on_queued)
        if not self._recovered:
            stale = None if self.exclusive else time.time() - self.orphan_after
            for job in await self.jobs.requeue_orphans(heartbeat_before=stale,
                                                       exclude_worker=self.worker_id):
                log.warning("job %s (%s) was left running by a stopped process: %s",
                            job.id, job.kind, job.status)
                await self._push(job)
            self._recovered = True
        try:
            while True:
                await self._tick()
                await self._wait()
        except asyncio.CancelledError:
            await self._shutdown()
            raise

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_heartbeat:
            self._next_heartbeat = loop.time() + self.heartbeat_interval
            await self._heartbeat()
        for kind, spec in list(self._kinds.items()):
            free = self.concurrency(kind) - self.running(kind)
            if free > 0:
                for job in await self.jobs.claim(kind, free, self.worker_id):
                    await self._push(job)
                    self._start(job, spec)

    async def _wait(self) -> None:
        """Until a wake, the next heartbeat or the poll interval; queued wakes count once."""
        timeout = min(self.poll_interval,
                      max(0.0, self._next_heartbeat - asyncio.get_running_loop().time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.mailbox.get(), timeout)
        while not self.mailbox.empty():
            self.mailbox.get_nowait()

    async def _heartbeat(self) -> None:
        """Keep our jobs alive, stop those cancelled from elsewhere, requeue dead runners'."""
        for job_id in await self.jobs.heartbeat(list(self._runs), self.worker_id):
            if (run := self._runs.get(job_id)) is not None:
                self._stop(run)
        if self.orphan_after > 0:
            for job in await self.jobs.requeue_orphans(
                    heartbeat_before=time.time() - self.orphan_after,
                    exclude_worker=self.worker_id):
                log.warning("job %s (%s) lost its runner: %s", job.id, job.kind, job.status)
                await self._push(job)

    def _on_queued(self, job: Job) -> None:
        """Store listener: a job became queued here; claim it now or when it is due."""
        delay = job.run_after - time.time()
        if delay <= 0:
            self.wake()
            return
        self._timers.add(asyncio.get_running_loop().call_later(delay, self._timer_fired))

    def _timer_fired(self) -> None:
        now = asyncio.get_running_loop().time()
        self._timers = {handle for handle in self._timers if handle.when() > now}
        self.wake()

    # one job

    def _start(self, job: Job, spec: _Kind) -> None:
        progress = CoalescedProgress(job.progress, lambda data: self._write_progress(job.id, data),
                                     self.progress_interval)
        cancel = asyncio.Event()
        task = asyncio.create_task(spec.handler(job, progress, cancel),
                                   name=f"job {job.kind} {job.id}")
        self._runs[job.id] = run = _Run(job, spec, progress, task, cancel)
        run.done = asyncio.create_task(self._follow(run), name=f"job {job.id} outcome")
        if job.id in self._cancel_early:
            self._cancel_early.discard(job.id)
            self._stop(run)

    async def _write_progress(self, job_id: str, data: dict[str, Any]) -> None:
        job = await self.jobs.update_progress(job_id, data)
        self.progress_writes += 1
        if job is not None:
            await self._push(job)

    def _stop(self, run: _Run) -> None:
        """A cancel request: set the signal and close the handler's task (a handler that
        has already returned keeps its outcome)."""
        if not run.cancel.is_set() and not run.task.done():
            run.cancel.set()
            run.task.cancel()

    async def _follow(self, run: _Run) -> None:
        """Wait for the handler, then record and push the outcome."""
        try:
            await asyncio.wait([run.task])
            await run.progress.close()
            try:
                job = await self._settle(run)
            except Exception as exc:  # e.g. a result that is not JSON
                log.exception("job %s: outcome not recorded", run.job.id)
                job = await self.jobs.finish(run.job.id, JobStatus.FAILED,
                                             error=f"outcome not recorded: {exc}")
            if job is not None:
                await self._push(job)
        except Exception:  # the store is gone: the row stays running, requeued at next start
            log.exception("job %s: outcome not recorded", run.job.id)
        finally:
            self._runs.pop(run.job.id, None)
            self.wake()

    async def _settle(self, run: _Run) -> Job | None:
        job, task, data = run.job, run.task, run.progress.data
        if task.cancelled() and self._stopping and not run.cancel.is_set():
            released = await self.jobs.release([job.id])
            return released[0] if released else None
        exc = None if task.cancelled() else task.exception()
        if task.cancelled() or (exc is not None and run.cancel.is_set()):
            return await self.jobs.finish(job.id, JobStatus.CANCELLED, progress=data)
        if exc is None:
            return await self.jobs.finish(job.id, JobStatus.COMPLETED, result=task.result(),
                                          progress=data)
        if isinstance(exc, SkipJob):
            return await self.jobs.finish(job.id, JobStatus.SKIPPED, error=str(exc) or None,
                                          progress=data)
        error = _describe(exc)
        if isinstance(exc, run.kind.retry_on) and job.attempts < job.max_attempts:
            delay = self._backoff(job, exc)
            log.warning("job %s (%s) attempt %d/%d failed, retrying in %.1f s: %s",
                        job.id, job.kind, job.attempts, job.max_attempts, delay, error)
            return await self.jobs.retry(job.id, error, time.time() + delay)
        log.log(logging.WARNING if isinstance(exc, JobError) else logging.ERROR,
                "job %s (%s) failed after %d attempt(s): %s", job.id, job.kind, job.attempts,
                error, exc_info=None if isinstance(exc, JobError) else exc)
        return await self.jobs.finish(job.id, JobStatus.FAILED, error=error, progress=data)

    def _backoff(self, job: Job, exc: BaseException) -> float:
        if isinstance(exc, RetryableError) and exc.delay is not None:
            return max(0.0, exc.delay)  # the service said when (Retry-After): no cap
        return min(self.retry_max_delay, self.retry_base_delay * 2 ** max(0, job.attempts - 1))

    async def _push(self, job: Job) -> None:
        """Tell the job's owner (user:#<id>); a failed push never stops the job."""
        if self.publisher is None or job.owner_id is None:
            return
        try:
            await self.publisher.publish_to_user(job.owner_id, job_event(job))
        except Exception:
            log.warning("job %s: push to user %s failed", job.id, job.owner_id, exc_info=True)

    async def _shutdown(self) -> None:
        """Cancel running jobs (their cleanup runs) and put them back in the queue."""
        self._stopping = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        runs = list(self._runs.values())
        for run in runs:
            run.task.cancel()
        done = [run.done for run in runs if run.done is not None]
        if done:
            await asyncio.wait(done, timeout=self.cancel_grace)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, JobError) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
