"""The watcher actor runs its round, sleeps as long as the round says (capped), and wakes
early when told; a crashing round is restarted by the supervisor."""

from __future__ import annotations

import asyncio

from workers.actor import Supervisor
from workers.watcher import WatcherActor

GUARD = 5.0  # a bound on waiting for events that come at once, not a timing


async def test_a_wake_runs_the_next_round_before_the_sleep_ends():
    rounds: asyncio.Queue[int] = asyncio.Queue()

    async def check_due() -> float:
        rounds.put_nowait(rounds.qsize())
        return 3600.0  # nothing due for an hour

    actor = WatcherActor(check_due, max_sleep=3600.0)
    task = asyncio.create_task(actor.run())
    try:
        await asyncio.wait_for(rounds.get(), GUARD)
        actor.wake()
        actor.wake()  # two wakes during one sleep make one round
        await asyncio.wait_for(rounds.get(), GUARD)
        for _ in range(10):  # let a third round run, if the second wake had made one
            await asyncio.sleep(0)
        assert rounds.empty() and actor.rounds == 2
    finally:
        task.cancel()


async def test_a_round_that_raises_is_restarted_by_the_supervisor():
    calls: list[str] = []
    again = asyncio.Event()

    async def check_due() -> float:
        calls.append("round")
        if len(calls) == 1:
            raise RuntimeError("store unavailable")
        again.set()
        return 3600.0

    supervisor = Supervisor(min_backoff=0.0, max_backoff=0.0)
    actor = WatcherActor(check_due)
    await supervisor.start(actor)
    try:
        await asyncio.wait_for(again.wait(), GUARD)
        assert calls == ["round", "round"] and actor.restarts == 1
    finally:
        await supervisor.close()
