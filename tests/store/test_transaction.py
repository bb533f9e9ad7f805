"""store.transaction(), the unit of work, on a real SQLite file: commit, rollback, savepoints,
after-commit callbacks, and other tasks writing meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from store import Duplicate
from store.records import Session, UserPatch


class Crash(Exception):
    pass




async def in_another_task(write):
    """`write()` run by another task, which has reached the store when this returns."""
    begun = asyncio.Event()

    async def run():
        begun.set()
        return await write()

    task = asyncio.create_task(run())
    await begun.wait()
    return task


def session(session_id: str, user_id: int) -> Session:
    return Session(id=session_id, user_id=user_id, kind="cookie", token_hash=session_id,
                   created_at=0, expires_at=9e12)


async def test_a_transaction_commits_every_write_when_the_block_ends(store):
    ann = await store.users.create(username="ann", email="ann@example.com")
    async with store.transaction():
        updated = await store.users.update(ann.id, UserPatch(name="Ann"))
        bob = await store.users.create(username="bob", email="bob@example.com")
        await store.follows.follow(ann.id, bob.id)
        # reads inside the block see its writes
        assert updated.name == "Ann"
        assert await store.follows.counts(bob.id) == (1, 0)
    assert (await store.users.get(ann.id)).name == "Ann"
    assert await store.follows.follower_ids(bob.id) == [ann.id]


async def test_other_tasks_see_nothing_before_the_commit(store):
    ann = await store.users.create(username="ann", email="ann@example.com")
    async with store.transaction():
        await store.users.update(ann.id, UserPatch(name="in flight"))
        seen = await (await in_another_task(lambda: store.users.get(ann.id)))
        assert seen.name == ""
    assert (await store.users.get(ann.id)).name == "in flight"


async def test_a_transaction_that_raises_leaves_nothing_behind(store):
    ann = await store.users.create(username="ann", email="ann@example.com")
    with pytest.raises(Crash):
        async with store.transaction():
            await store.users.update(ann.id, UserPatch(name="Ann", bio="gone"))
            bob = await store.users.create(username="bob", email="bob@example.com")
            await store.follows.follow(ann.id, bob.id)
            await store.tokens.create_session(session("s1", ann.id))
            raise Crash
    after = await store.users.get(ann.id)
    assert (after.name, after.bio) == ("", "")
    assert await store.users.by_username("bob") is None
    assert await store.follows.followee_ids(ann.id) == []
    assert await store.tokens.get_session("s1") is None
    assert await store.users.count() == 1


async def test_a_failing_call_inside_undoes_only_itself(store):
    await store.users.create(username="ann", email="ann@example.com")
    async with store.transaction():
        bob = await store.users.create(username="bob", email="bob@example.com")
        with pytest.raises(Duplicate):
            await store.users.create(username="ann", email="other@example.com")
        with pytest.raises(Crash):
            async with store.transaction():  # nested: a savepoint
                await store.users.update(bob.id, UserPatch(name="undone"))
                raise Crash
        await store.users.update(bob.id, UserPatch(bio="kept"))
    stored = await store.users.get(bob.id)
    assert (stored.name, stored.bio) == ("", "kept")
    assert await store.users.count() == 2


async def test_a_concurrent_write_of_another_task_is_neither_lost_nor_rolled_back(store):
    ann = await store.users.create(username="ann", email="ann@example.com")
    with pytest.raises(Crash):
        async with store.transaction():
            await store.users.update(ann.id, UserPatch(name="rolled back"))
            other = await in_another_task(  # its write now waits for the writer
                lambda: store.users.create(username="bob", email="bob@example.com"))
            raise Crash
    bob = await other
    assert (await store.users.get(ann.id)).name == ""
    assert await store.users.get(bob.id) == bob

    async with store.transaction():
        await store.users.update(ann.id, UserPatch(name="committed"))
        other = await in_another_task(lambda: store.users.update(bob.id, UserPatch(name="Bob")))
    await other
    assert (await store.users.get(ann.id)).name == "committed"
    assert (await store.users.get(bob.id)).name == "Bob"


async def test_after_commit_callbacks_run_only_after_a_commit(store):
    ran: list[str] = []

    async def note(label: str) -> None:
        ran.append(label)

    await store.after_commit(lambda: note("outside"))
    assert ran == ["outside"]
    async with store.transaction():
        await store.after_commit(lambda: note("committed"))
        with pytest.raises(Crash):
            async with store.transaction():
                await store.after_commit(lambda: note("savepoint undone"))
                raise Crash
        assert ran == ["outside"]
    assert ran == ["outside", "committed"]
    with pytest.raises(Crash):
        async with store.transaction():
            await store.after_commit(lambda: note("rolled back"))
            raise Crash
    assert ran == ["outside", "committed"]


async def test_queued_jobs_are_announced_once_their_transaction_commits(store):
    heard: list[str] = []
    store.jobs.subscribe(lambda job: heard.append(job.kind))
    with pytest.raises(Crash):
        async with store.transaction():
            await store.jobs.submit("dropped")
            raise Crash
    async with store.transaction():
        await store.jobs.submit("kept")
        assert heard == []
    assert heard == ["kept"]
    assert [job.kind for job in (await store.jobs.list()).jobs] == ["kept"]
