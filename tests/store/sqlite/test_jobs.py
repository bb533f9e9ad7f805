"""The jobs repository on a real SQLite file: submit and dedupe, claim, finish, retry, cancel,
orphans, listing and cleanup."""

from __future__ import annotations

import asyncio
import time

import pytest

from store.records import Job, JobStatus
from store.sqlite.store import SqliteStore

__all__: list[str] = []




async def test_submit_queues_a_job_with_its_payload(store: SqliteStore) -> None:
    user = await store.users.create(username="ann", email="ann@example.com")
    submitted = await store.jobs.submit("download.track", {"id": "t1"}, owner_id=user.id,
                                        progress={"name": "Song"})
    job = submitted.job
    assert not submitted.duplicate
    assert (job.kind, job.status, job.owner_id, job.attempts) == ("download.track", "queued",
                                                                   user.id, 0)
    assert job.payload == {"id": "t1"} and job.progress == {"name": "Song"}
    assert await store.jobs.get(job.id) == job
    assert await store.jobs.get("no-such-job") is None


async def test_a_second_submit_with_the_same_key_returns_the_active_job(store: SqliteStore
                                                                      ) -> None:
    first = (await store.jobs.submit("download.track", {"id": "t1"}, dedupe_key="track:t1")).job
    again = await store.jobs.submit("download.track", {"id": "t1"}, dedupe_key="track:t1")
    assert again.duplicate and again.job.id == first.id
    [claimed] = await store.jobs.claim("download.track", 5, "w1")
    assert (await store.jobs.submit("download.track", {}, dedupe_key="track:t1")).job.id == first.id
    await store.jobs.finish(claimed.id, JobStatus.COMPLETED, result={"path": "/x"})
    # once finished, the same thing may be asked for again
    third = await store.jobs.submit("download.track", {"id": "t1"}, dedupe_key="track:t1")
    assert not third.duplicate and third.job.id != first.id
    assert (await store.jobs.list()).total == 2


async def test_concurrent_submits_of_one_key_make_one_job(store: SqliteStore) -> None:
    results = await asyncio.gather(*(store.jobs.submit("k", {}, dedupe_key="same")
                                     for _ in range(10)))
    assert len({r.job.id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1


async def test_claim_takes_the_oldest_due_jobs_of_one_kind_once(store: SqliteStore) -> None:
    ids = [(await store.jobs.submit("a", {"n": n})).job.id for n in range(5)]
    await store.jobs.submit("b", {})
    first, second = await asyncio.gather(store.jobs.claim("a", 3, "w1"),
                                         store.jobs.claim("a", 3, "w2"))
    assert len(first) + len(second) == 5
    assert {j.id for j in first}.isdisjoint(j.id for j in second)
    claimed = sorted(first + second, key=lambda j: ids.index(j.id))
    assert [j.id for j in claimed] == ids
    assert all(j.status == "running" and j.attempts == 1 and j.started_at for j in claimed)
    assert await store.jobs.claim("a", 3, "w1") == []
    assert [j.kind for j in await store.jobs.claim("b", 3, "w1")] == ["b"]


async def test_progress_and_finish_only_touch_running_jobs(store: SqliteStore) -> None:
    job = (await store.jobs.submit("k", {})).job
    assert await store.jobs.update_progress(job.id, {"percent": 5}) is None
    await store.jobs.claim("k", 1, "w1")
    updated = await store.jobs.update_progress(job.id, {"percent": 50, "bytes": 10})
    assert updated is not None and updated.progress == {"percent": 50, "bytes": 10}
    done = await store.jobs.finish(job.id, JobStatus.FAILED, error="no source",
                                   progress={"percent": 60})
    assert done is not None
    assert (done.status, done.error, done.progress) == ("failed", "no source", {"percent": 60})
    assert done.finished_at is not None
    assert await store.jobs.finish(job.id, JobStatus.COMPLETED) is None
    with pytest.raises(ValueError):
        await store.jobs.finish(job.id, JobStatus.RUNNING)


async def test_retry_waits_until_run_after(store: SqliteStore) -> None:
    job = (await store.jobs.submit("k", {})).job
    await store.jobs.claim("k", 1, "w1")
    retried = await store.jobs.retry(job.id, "timeout", time.time() + 3600)
    assert retried is not None and (retried.status, retried.attempts) == ("queued", 1)
    assert await store.jobs.claim("k", 1, "w1") == []  # not due yet
    await store.jobs.retry(job.id, "ignored: not running", 0)
    assert (await store.jobs.get(job.id)).error == "timeout"


async def test_cancel_queued_at_once_and_running_by_request_down_the_tree(store: SqliteStore
                                                                          ) -> None:
    album = (await store.jobs.submit("album", {})).job
    await store.jobs.claim("album", 1, "w1")
    tracks = [(await store.jobs.submit("track", {"n": n}, parent_id=album.id)).job
              for n in range(3)]
    [playing] = await store.jobs.claim("track", 1, "w1")
    changed = await store.jobs.cancel(album.id)
    assert changed[0].id == album.id and changed[0].cancel_requested
    by_id = {j.id: j for j in changed}
    assert by_id[playing.id].status == "running" and by_id[playing.id].cancel_requested
    assert [by_id[t.id].status for t in tracks if t.id != playing.id] == ["cancelled"] * 2
    assert set(await store.jobs.heartbeat([album.id, playing.id], "w1")) == {album.id,
                                                                          playing.id}
    assert await store.jobs.cancel(album.id) == []  # already asked


async def test_requeue_orphans_keeps_attempts_and_honours_a_requested_cancel(
        store: SqliteStore) -> None:
    kept, dropped, fresh = [(await store.jobs.submit("k", {"n": n})).job for n in range(3)]
    await store.jobs.claim("k", 2, "dead")
    await store.jobs.claim("k", 1, "alive")
    await store.jobs.cancel(dropped.id)
    # the live worker's own jobs are left alone
    requeued = await store.jobs.requeue_orphans(exclude_worker="alive")
    assert {j.id: j.status for j in requeued} == {kept.id: "queued", dropped.id: "cancelled"}
    assert (await store.jobs.get(kept.id)).attempts == 1
    assert (await store.jobs.get(fresh.id)).status == "running"
    # a stale heartbeat counts as dead too
    assert await store.jobs.requeue_orphans(heartbeat_before=time.time() - 60) == []
    assert [j.id for j in await store.jobs.requeue_orphans(
        heartbeat_before=time.time() + 1)] == [fresh.id]


async def test_release_gives_the_attempt_back(store: SqliteStore) -> None:
    job = (await store.jobs.submit("k", {})).job
    await store.jobs.claim("k", 1, "w1")
    [released] = await store.jobs.release([job.id])
    assert (released.status, released.attempts, released.claimed_by) == ("queued", 0, None)


async def test_listeners_hear_every_job_that_becomes_queued(store: SqliteStore) -> None:
    heard: list[Job] = []
    unsubscribe = store.jobs.subscribe(heard.append)
    job = (await store.jobs.submit("k", {})).job
    await store.jobs.submit("k", {}, dedupe_key=None)
    await store.jobs.claim("k", 1, "w1")
    await store.jobs.retry(job.id, "again", 0)
    unsubscribe()
    await store.jobs.submit("k", {})
    assert [j.status for j in heard] == ["queued"] * 3
    assert heard[2].id == job.id and heard[2].error == "again"


async def test_list_filters_pages_and_counts(store: SqliteStore) -> None:
    ann = await store.users.create(username="ann", email="ann@example.com")
    bob = await store.users.create(username="bob", email="bob@example.com")
    parent = (await store.jobs.submit("album", {}, owner_id=ann.id)).job
    for n in range(4):
        await store.jobs.submit("track", {"n": n}, owner_id=ann.id, parent_id=parent.id)
    await store.jobs.submit("track", {}, owner_id=bob.id)
    mark = time.time()
    await store.jobs.claim("album", 1, "w1")
    page = await store.jobs.list(owner_id=ann.id, kinds=["track"], limit=3, offset=1)
    assert page.total == 4 and [j.payload["n"] for j in page.jobs] == [2, 1, 0]
    assert (await store.jobs.list(statuses=[JobStatus.RUNNING])).jobs[0].id == parent.id
    assert [j.id for j in (await store.jobs.list(roots_only=True, owner_id=ann.id)).jobs] == [
        parent.id]
    assert [j.id for j in (await store.jobs.list(since=mark)).jobs] == [parent.id]
    assert (await store.jobs.list(parent_id=parent.id)).total == 4
    assert [j.payload["n"] for j in await store.jobs.children(parent.id)] == [0, 1, 2, 3]


async def test_delete_and_cleanup_spare_active_work(store: SqliteStore) -> None:
    parent = (await store.jobs.submit("album", {})).job
    await store.jobs.claim("album", 1, "w1")
    child = (await store.jobs.submit("track", {}, parent_id=parent.id)).job
    await store.jobs.finish(parent.id, JobStatus.COMPLETED)
    assert not await store.jobs.delete(parent.id)  # its child is still queued
    assert await store.jobs.cleanup(time.time() + 1) == 0
    await store.jobs.claim("track", 1, "w1")
    await store.jobs.finish(child.id, JobStatus.SKIPPED, error="already downloaded")
    assert await store.jobs.cleanup(time.time() - 3600) == 0  # not old enough
    assert await store.jobs.delete(parent.id)
    assert await store.jobs.get(child.id) is None  # children go with their parent
    other = (await store.jobs.submit("k", {})).job
    assert not await store.jobs.delete(other.id)
    await store.jobs.cancel(other.id)
    assert await store.jobs.cleanup(time.time() + 1) == 1


async def test_a_requested_cancel_wins_over_a_retry(store: SqliteStore) -> None:
    job = (await store.jobs.submit("k", {})).job
    await store.jobs.claim("k", 1, "w1")
    await store.jobs.cancel(job.id)
    heard: list[Job] = []
    store.jobs.subscribe(heard.append)
    retried = await store.jobs.retry(job.id, "timeout", 0)
    assert retried is not None and retried.status == "cancelled" and retried.finished_at
    assert heard == []
