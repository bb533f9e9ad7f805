"""The job runner on a real SQLite store, with real handlers: wake-up, coalesced progress,
concurrency limits changed live, cancel, retries, duplicates, restarts (a clean stop and a
killed process) and progress pushed to the owner's websocket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from handlers.identity.auth import start_token_session
from store.records import Job
from store.sqlite.store import SqliteStore
from tests.conftest import ctx_of, expire_job_lease, store_url_for, stored_job
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.waiting import TIMEOUT, until
from workers.actor import Supervisor
from workers.jobs import (
    CancelSignal,
    JobRunner,
    ProgressReporter,
    RetryableError,
    SkipJob,
)

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]


class RecordingPublisher:
    """A Publisher that keeps what was pushed to users, as it would cross the wire (JSON)."""

    def __init__(self) -> None:
        self.events: list[tuple[int, dict[str, Any]]] = []
        self._changed = asyncio.Event()

    async def publish(self, channel: str, data: Any) -> None:
        raise AssertionError("jobs only push to their owner")

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        self.events.append((user_id, msgspec.json.decode(msgspec.json.encode(data))))
        self._changed.set()

    def jobs(self, job_id: str) -> list[dict[str, Any]]:
        return [e["job"] for _, e in self.events if e["job"]["id"] == job_id]

    async def seen(self, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first pushed job matching `check`, waiting for it."""
        async def wait() -> dict[str, Any]:
            while True:
                for _, event in self.events:
                    if check(event["job"]):
                        return event["job"]
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(wait(), TIMEOUT)


async def status_of(jobs: Any, job_id: str, status: str) -> Job:
    """The job once it has `status`."""

    async def reached() -> Job | None:
        job = await jobs.get(job_id)
        return job if job is not None and job.status == status else None

    return await until(reached)




@pytest.fixture
async def supervisor(store: SqliteStore) -> AsyncIterator[Supervisor]:
    sup = Supervisor()
    yield sup
    await sup.close()  # before the store closes: the runner puts running jobs back


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def start(store: SqliteStore, supervisor: Supervisor, publisher: RecordingPublisher
          ) -> Callable[..., Awaitable[JobRunner]]:
    """Start a runner whose poll is an hour away: only wake-ups make it claim."""
    async def start(**options: Any) -> JobRunner:
        options = {"poll_interval": 3600.0, "retry_base_delay": 0.01, **options}
        runner = JobRunner(store.jobs, publisher, **options)
        await supervisor.start(runner)
        return runner
    return start


async def echo(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
    progress.update(percent=100)
    return {"echo": job.payload}


async def test_a_submit_starts_work_at_once_and_keeps_the_result(start: Any,
                                                                 store: SqliteStore) -> None:
    runner = await start()
    runner.register("echo", echo)
    submitted = await runner.submit("echo", {"n": 1})
    job = await status_of(store.jobs, submitted.job.id, "completed")
    assert job.result == {"echo": {"n": 1}} and job.progress == {"percent": 100}
    assert job.attempts == 1 and job.finished_at and job.error is None
    # a job queued straight into the store (a watcher, another actor) wakes the runner too
    direct = (await store.jobs.submit("echo", {"n": 2})).job
    assert (await status_of(store.jobs, direct.id, "completed")).result == {"echo": {"n": 2}}


async def test_progress_is_coalesced_and_the_final_state_is_always_written(
        start: Any, store: SqliteStore, publisher: RecordingPublisher) -> None:
    runner = await start(progress_interval=3600.0)

    async def chatty(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        for n in range(1, 201):
            progress.update(bytes=n, total=200, message=f"chunk {n}")
            await asyncio.sleep(0)

    runner.register("chatty", chatty)
    user = await store.users.create(username="ann", email="ann@example.com")
    job_id = (await runner.submit("chatty", {}, owner_id=user.id)).job.id
    await status_of(store.jobs, job_id, "completed")
    # the first report is written at once, the next 199 fold into the final state
    assert runner.progress_writes == 1
    pushed = [(j["status"], j["progress"].get("bytes")) for j in publisher.jobs(job_id)]
    assert pushed == [("queued", None), ("running", None), ("running", 1), ("completed", 200)]
    assert {uid for uid, _ in publisher.events} == {user.id}
    assert (await store.jobs.get(job_id)).progress == {"bytes": 200, "total": 200,
                                                       "message": "chunk 200"}


async def test_progress_keeps_flowing_while_the_job_runs(
        start: Any, store: SqliteStore, publisher: RecordingPublisher) -> None:
    runner = await start(progress_interval=0.01)

    async def steps(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        for n in range(1, 4):
            progress.update(step=n)
            await publisher.seen(lambda j, n=n: j["progress"].get("step") == n)

    runner.register("steps", steps)
    user = await store.users.create(username="ann", email="ann@example.com")
    job_id = (await runner.submit("steps", {}, owner_id=user.id)).job.id
    await status_of(store.jobs, job_id, "completed")
    steps_seen = [j["progress"]["step"] for j in publisher.jobs(job_id) if j["progress"]]
    assert steps_seen == [1, 2, 3, 3]


class Gated:
    """A handler that holds each job until the test opens its gate, counting how many run."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.active = 0
        self.most = 0

    def open(self, n: int) -> None:
        self.gates.setdefault(n, asyncio.Event()).set()

    async def __call__(self, job: Job, progress: ProgressReporter, cancel: CancelSignal) -> int:
        n = job.payload["n"]
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            await self.gates.setdefault(n, asyncio.Event()).wait()
        finally:
            self.active -= 1
        return n


async def counts(store: SqliteStore, kind: str) -> tuple[int, int]:
    """(running, queued) jobs of `kind` in the database."""
    running = (await store.jobs.list(kinds=[kind], statuses=["running"])).total
    return running, (await store.jobs.list(kinds=[kind], statuses=["queued"])).total


async def after_a_full_pass(runner: JobRunner, store: SqliteStore) -> None:
    """Run a probe job to completion: every kind was claimed for at least once since."""
    probe = (await runner.submit("probe", {})).job
    await status_of(store.jobs, probe.id, "completed")


async def test_the_concurrency_limit_is_honoured_and_changed_live(start: Any,
                                                                  store: SqliteStore) -> None:
    runner = await start()
    gated = Gated()
    runner.register("hold", gated, concurrency=1)
    runner.register("probe", echo)
    ids = [(await runner.submit("hold", {"n": n})).job.id for n in range(5)]
    await until(lambda: gated.active == 1)
    await after_a_full_pass(runner, store)
    assert await counts(store, "hold") == (1, 4) and gated.most == 1

    runner.set_concurrency("hold", 3)  # like Spotizerr's maxConcurrentDownloads
    await until(lambda: gated.active == 3)
    assert await counts(store, "hold") == (3, 2)

    runner.set_concurrency("hold", 1)  # lowered: running jobs finish, none start until below
    gated.open(0)
    await status_of(store.jobs, ids[0], "completed")
    await after_a_full_pass(runner, store)
    assert await counts(store, "hold") == (2, 2)
    for n in range(1, 5):
        gated.open(n)
    for job_id in ids:
        await status_of(store.jobs, job_id, "completed")
    assert gated.most == 3 and runner.concurrency("hold") == 1


async def test_cancel_of_a_queued_job_is_immediate(start: Any, store: SqliteStore,
                                                   publisher: RecordingPublisher) -> None:
    runner = await start()
    gated = Gated()
    runner.register("hold", gated, concurrency=0)  # paused: nothing starts
    user = await store.users.create(username="ann", email="ann@example.com")
    job = (await runner.submit("hold", {"n": 1}, owner_id=user.id)).job
    cancelled = await runner.cancel(job.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    assert cancelled.started_at is None and gated.most == 0
    assert [j["status"] for j in publisher.jobs(job.id)] == ["queued", "cancelled"]
    assert await runner.cancel("no-such-job") is None


async def test_cancel_of_a_running_job_closes_its_task_and_its_cleanup_runs(
        start: Any, store: SqliteStore, tmp_path: Path) -> None:
    runner = await start()
    started: dict[str, asyncio.Event] = {}
    seen_cancel: dict[str, bool] = {}

    async def download(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        part = tmp_path / f"{job.id}.part"
        part.write_bytes(b"half a song")
        try:
            progress.update(bytes=11)
            started.setdefault(job.id, asyncio.Event()).set()
            await asyncio.Event().wait()  # a stalled stream
        finally:
            seen_cancel[job.id] = cancel.is_set()
            part.unlink()

    runner.register("album", download)
    runner.register("track", download, concurrency=2)
    album = (await runner.submit("album", {})).job
    tracks = [(await runner.submit("track", {"n": n}, parent_id=album.id)).job
              for n in range(4)]
    for job in (album, *tracks[:2]):
        await asyncio.wait_for(started.setdefault(job.id, asyncio.Event()).wait(), TIMEOUT)

    track = await runner.cancel(tracks[0].id)
    assert track is not None and track.status == "cancelled" and track.progress == {"bytes": 11}
    assert seen_cancel[tracks[0].id] and not (tmp_path / f"{tracks[0].id}.part").exists()
    # its slot went to the next track
    await asyncio.wait_for(started.setdefault(tracks[2].id, asyncio.Event()).wait(), TIMEOUT)
    # cancelling the album cancels what is left of it: running and queued tracks alike
    assert (await runner.cancel(album.id)).status == "cancelled"
    statuses = {job.id: (await store.jobs.get(job.id)).status for job in tracks}
    assert set(statuses.values()) == {"cancelled"}
    assert list(tmp_path.glob("*.part")) == []
    assert tracks[3].id not in started  # cancelled while queued: never ran
    assert all(seen_cancel[job.id] for job in (album, *tracks[:3]))


async def test_a_failing_handler_is_retried_then_fails_with_the_error(
        start: Any, store: SqliteStore, caplog: pytest.LogCaptureFixture) -> None:
    runner = await start()
    calls: dict[str, int] = {}

    async def flaky(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> str:
        calls[job.id] = calls.get(job.id, 0) + 1
        if calls[job.id] <= job.payload["failures"]:
            raise RetryableError("source unavailable")
        return "ok"

    async def broken(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        raise ValueError("bad tag")

    async def skipping(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        raise SkipJob("already downloaded")

    runner.register("flaky", flaky, concurrency=2)
    runner.register("broken", broken)
    runner.register("skipping", skipping)
    doomed = (await runner.submit("flaky", {"failures": 99}, max_attempts=3)).job
    recovers = (await runner.submit("flaky", {"failures": 1}, max_attempts=3)).job
    crash = (await runner.submit("broken", {}, max_attempts=3)).job
    skip = (await runner.submit("skipping", {})).job

    failed = await status_of(store.jobs, doomed.id, "failed")
    assert (failed.attempts, failed.error, calls[doomed.id]) == (3, "source unavailable", 3)
    done = await status_of(store.jobs, recovers.id, "completed")
    assert (done.attempts, done.result, calls[recovers.id]) == (2, "ok", 2)
    crashed = await status_of(store.jobs, crash.id, "failed")  # not retryable: failed at once
    assert (crashed.attempts, crashed.error) == (1, "ValueError: bad tag")
    assert "bad tag" in caplog.text and "Traceback" in caplog.text
    skipped = await status_of(store.jobs, skip.id, "skipped")
    assert skipped.error == "already downloaded"


async def test_a_retry_honours_the_delay_the_error_asks_for(start: Any,
                                                            store: SqliteStore) -> None:
    runner = await start()

    async def limited(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        raise RetryableError("429 Too Many Requests", delay=3600)

    runner.register("limited", limited)
    job = (await runner.submit("limited", {})).job
    await until(lambda: _retried(store, job.id))
    queued = await store.jobs.get(job.id)
    assert queued.status == "queued" and queued.error == "429 Too Many Requests"
    assert queued.run_after > time.time() + 3500


async def _retried(store: SqliteStore, job_id: str) -> bool:
    job = await store.jobs.get(job_id)
    return job is not None and job.status == "queued" and job.attempts == 1


async def test_a_duplicate_submit_returns_the_existing_job(start: Any, store: SqliteStore
                                                           ) -> None:
    runner = await start()
    gated = Gated()
    runner.register("hold", gated)
    first = await runner.submit("hold", {"n": 1}, dedupe_key="track:abc")
    await until(lambda: gated.active == 1)
    again = await runner.submit("hold", {"n": 2}, dedupe_key="track:abc")
    assert again.duplicate and again.job.id == first.job.id and not first.duplicate
    gated.open(1)
    await status_of(store.jobs, first.job.id, "completed")
    later = await runner.submit("hold", {"n": 1}, dedupe_key="track:abc")
    assert not later.duplicate and later.job.id != first.job.id
    assert gated.most == 1


# restarts: the production app on a data directory


async def test_a_clean_stop_puts_the_running_job_back_and_a_restart_finishes_it(
        make_client: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    client = await make_client(data_dir=data_dir)
    jobs = ctx_of(client).jobs
    started = asyncio.Event()
    part = tmp_path / "song.part"

    async def stalls(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        part.write_bytes(b"partial")
        try:
            progress.update(percent=40)
            started.set()
            await asyncio.Event().wait()
        finally:
            part.unlink()

    jobs.register("download", stalls)
    job = (await jobs.submit("download", {"url": "http://example.org/a.mp3"})).job
    await asyncio.wait_for(started.wait(), TIMEOUT)
    await client.close()
    assert not part.exists()

    client = await make_client(data_dir=data_dir)
    jobs = ctx_of(client).jobs
    kept = await jobs.get(job.id)
    assert kept.status == "queued" and kept.attempts == 0  # an interruption is no attempt
    assert kept.progress == {"percent": 40}
    jobs.register("download", echo)
    done = await status_of(jobs, job.id, "completed")
    assert done.attempts == 1 and done.result == {"echo": {"url": "http://example.org/a.mp3"}}


CHILD = """
import asyncio, sys
from aiohttp import web
from hub.app import create_app
from hub.config import load_config
from handlers.api.keys import ctx_key
async def main(data_dir, store):
    config = load_config(env={}, data_dir=data_dir, store=store, argon2_time_cost=1,
                         argon2_memory_kib=256)
    app = await create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()  # startup: store, runner, actors; no socket needed
    jobs = app[ctx_key].jobs
    started = asyncio.Event()

    async def hold(job, progress, cancel):
        progress.update(message="half way", worker=jobs.worker_id)
        started.set()
        await asyncio.Event().wait()

    jobs.register("test.hold", hold)
    job = (await jobs.submit("test.hold", {"n": 1})).job
    await started.wait()
    while (await jobs.get(job.id)).progress.get("message") != "half way":
        await asyncio.sleep(0.01)
    print(job.id, flush=True)
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_job_left_running_by_a_killed_process_is_requeued_and_finishes(
        make_client: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "data"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(data_dir), store_url_for(data_dir), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 30)  # type: ignore[union-attr]
        assert line, (await child.stderr.read()).decode()  # type: ignore[union-attr]
        job_id = line.decode().strip()
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.kill()  # SIGKILL: no cleanup, no shutdown, the row stays 'running'
        await child.wait()

    orphan = await stored_job(data_dir, job_id)
    assert orphan.status == "running" and orphan.attempts == 1
    assert orphan.progress["message"] == "half way"
    await expire_job_lease(data_dir, job_id)

    caplog.set_level(logging.WARNING, logger="chorus.jobs")
    client = await make_client(data_dir=data_dir)
    jobs = ctx_of(client).jobs
    jobs.register("test.hold", echo)
    done = await status_of(jobs, job_id, "completed")
    assert done.attempts == 2 and done.claimed_by == jobs.worker_id != orphan.claimed_by
    assert done.result == {"echo": {"n": 1}}
    assert f"job {job_id} (test.hold) was left running by a stopped process" in caplog.text


async def test_progress_reaches_the_owner_over_the_websocket(client: Any) -> None:
    ctx = ctx_of(client)
    ann = await ctx.store.users.create(username="ann", email="ann@example.com")
    bob = await ctx.store.users.create(username="bob", email="bob@example.com")
    owner = await RawCentrifuge.open(client, (await start_token_session(ctx, ann)).access_token,
                                     cookies=False)
    other = await RawCentrifuge.open(client, (await start_token_session(ctx, bob)).access_token,
                                     cookies=False)
    seen_half = asyncio.Event()

    async def download(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> dict:
        progress.update(percent=50, bytes=512, total=1024)
        await seen_half.wait()
        progress.update(percent=100, bytes=1024)
        return {"path": "Artist/Song.mp3"}

    ctx.jobs.register("download", download)
    job = (await ctx.jobs.submit("download", {"id": "t1"}, owner_id=ann.id)).job
    events = []
    while not events or events[-1]["job"]["status"] != "completed":
        event = (await owner.next_push(f"user:#{ann.id}"))["pub"]["data"]
        assert event["type"] == "job" and event["job"]["id"] == job.id
        assert "payload" not in event["job"]
        events.append(event)
        if event["job"]["progress"].get("percent") == 50:
            seen_half.set()
    assert [e["job"]["status"] for e in events] == ["queued", "running", "running", "completed"]
    assert events[2]["job"]["progress"] == {"percent": 50, "bytes": 512, "total": 1024}
    assert events[3]["job"]["result"] == {"path": "Artist/Song.mp3"}
    assert events[3]["job"]["progress"]["percent"] == 100
    # nothing of it reached another user
    await other.call("rpc", {"method": "no.such.method", "data": {}})
    assert [p for p in other.pushes if p.get("channel", "").startswith("user:")] == []
    await owner.close()
    await other.close()


async def test_a_runner_starting_beside_a_live_one_on_a_shared_store_leaves_its_jobs(
        start: Any, store: SqliteStore) -> None:
    """On a store several processes share, a runner that starts takes over only the jobs whose
    runner stopped heartbeating for its lease, never a live runner's."""
    live = await start()
    gate = asyncio.Event()

    async def held(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> None:
        await gate.wait()

    live.register("held", held)
    job_id = (await live.submit("held", {})).job.id
    await status_of(store.jobs, job_id, "running")
    beside = await start(exclusive=False, orphan_after=3600.0)
    beside.register("held", echo)
    await asyncio.sleep(0.05)
    running = await store.jobs.get(job_id)
    assert running.status == "running" and running.claimed_by == live.worker_id
    assert running.attempts == 1
    gate.set()
    assert (await status_of(store.jobs, job_id, "completed")).claimed_by == live.worker_id
