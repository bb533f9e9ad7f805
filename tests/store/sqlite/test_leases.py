"""Named leases (store.leases) and work done once across processes (workers.lease), on the
test's store (SQLite, or PostgreSQL with CHORUS_TEST_STORE)."""

from __future__ import annotations

import asyncio
from typing import Any

from workers.lease import once_across_processes


async def test_one_holder_at_a_time_until_it_lets_go_or_expires(store: Any) -> None:
    assert await store.leases.acquire("sweep", "a", 60)
    assert not await store.leases.acquire("sweep", "b", 60)
    assert await store.leases.acquire("sweep", "a", 60)  # renewed by its holder
    await store.leases.release("sweep", "b")  # not b's: nothing happens
    assert not await store.leases.acquire("sweep", "b", 60)
    await store.leases.release("sweep", "a")
    assert await store.leases.acquire("sweep", "b", 0.05)
    assert not await store.leases.acquire("sweep", "a", 60)
    await asyncio.sleep(0.1)  # b stopped renewing: its lease ran out
    assert await store.leases.acquire("sweep", "a", 60)
    assert await store.leases.acquire("other", "b", 60)  # names are apart


async def test_a_guarded_task_runs_only_in_the_holding_process(store: Any) -> None:
    runs: list[str] = []

    def task_of(process: str) -> Any:
        async def task() -> str:
            runs.append(process)
            return "ran"
        return once_across_processes(store.leases, "periodic", 60, task, "skipped",
                                     holder=process)

    first, second = task_of("p1"), task_of("p2")
    assert [await first(), await second(), await first(), await second()] == [
        "ran", "skipped", "ran", "skipped"]
    assert runs == ["p1", "p1"]
