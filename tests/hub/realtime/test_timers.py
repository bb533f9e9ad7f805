"""TimerWheel: every connection's deadlines on one loop timer, called at or after them."""

from __future__ import annotations

import asyncio

from hub.realtime.timers import TimerWheel, resolution_for
from tests.waiting import until


class Entry:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def on_timer(self, now: float) -> None:
        self.calls.append(now)


def test_the_tick_is_an_eighth_of_the_shortest_interval_and_at_most_a_second() -> None:
    assert resolution_for(25.0, 8.0, 15.0) == 1.0
    assert resolution_for(0.4, 0.2, 15.0) == 0.025
    assert resolution_for(0.0, 16.0) == 1.0  # 0 (pings off) is not an interval


async def test_an_entry_is_called_once_at_or_after_its_deadline() -> None:
    wheel = TimerWheel(0.01)
    loop = asyncio.get_running_loop()
    late, soon = Entry(), Entry()
    when_late, when_soon = loop.time() + 0.05, loop.time() + 0.02
    assert wheel.schedule(when_late, late) >= when_late
    wheel.schedule(when_soon, soon)  # earlier than the tick armed: re-arms the loop timer
    await until(lambda: late.calls)
    assert len(soon.calls) == 1 and soon.calls[0] >= when_soon
    assert len(late.calls) == 1 and late.calls[0] >= when_late
    assert soon.calls[0] <= late.calls[0]


async def test_a_cancelled_entry_is_not_called_and_others_in_its_tick_are() -> None:
    wheel = TimerWheel(0.01)
    when = asyncio.get_running_loop().time() + 0.02
    gone, kept = Entry(), Entry()
    tick = wheel.schedule(when, gone)
    assert wheel.schedule(when, kept) == tick
    wheel.cancel(tick, gone)
    await until(lambda: kept.calls)
    assert gone.calls == []


async def test_an_entry_scheduling_itself_again_from_its_call_is_called_again() -> None:
    wheel = TimerWheel(0.01)
    loop = asyncio.get_running_loop()

    class Repeating(Entry):
        def on_timer(self, now: float) -> None:
            super().on_timer(now)
            if len(self.calls) < 3:
                wheel.schedule(now + 0.01, self)

    entry = Repeating()
    wheel.schedule(loop.time(), entry)
    await until(lambda: len(entry.calls) == 3)
    assert entry.calls == sorted(entry.calls)
    wheel.close()
