"""One event-loop timer for the deadlines of every connection (pings, pong waits, the stale
and expiry closes), in place of an asyncio TimerHandle per deadline: an idle connection
keeps a few floats instead of several handles and the contexts they copy.

Deadlines are gathered in ticks of `resolution` seconds; a due tick calls `on_timer(now)` of
each entry it holds, never early and at most one tick late. A connection whose deadline
moved or went away is not looked for in the ticks: it checks its own deadlines when called
(after the hashed timer wheels of netty and the Linux kernel: coarse, cheap to re-arm); only
a closed one is taken out, so that nothing keeps it alive.
"""

from __future__ import annotations

import asyncio
import math
from typing import Protocol

__all__ = ["Timed", "TimerWheel", "resolution_for"]


class Timed(Protocol):
    def on_timer(self, now: float) -> None:
        """A tick at or after a deadline this entry asked for (loop time `now`)."""


def resolution_for(*intervals: float) -> float:
    """A tick short enough for the shortest positive interval (an eighth of it), at most a
    second: 25 s pings are sent within a second of their time, 0.2 s ones within 25 ms."""
    positive = [interval for interval in intervals if interval > 0]
    return min([1.0, *(interval / 8 for interval in positive)])


class TimerWheel:
    """Entries due per tick, and one loop timer armed for the earliest tick."""

    __slots__ = ("resolution", "_ticks", "_armed", "_handle")

    def __init__(self, resolution: float = 1.0) -> None:
        self.resolution = resolution
        self._ticks: dict[int, set[Timed]] = {}
        self._armed: int | None = None  # the tick the loop timer is set for
        self._handle: asyncio.TimerHandle | None = None

    def schedule(self, when: float, entry: Timed) -> float:
        """Call `entry.on_timer` at the first tick at or after loop time `when`; returns that
        tick's time (the entry is called then even if it scheduled something earlier since)."""
        tick = math.ceil(when / self.resolution)
        entries = self._ticks.get(tick)
        if entries is None:
            entries = self._ticks[tick] = set()
        entries.add(entry)
        if self._armed is None or tick < self._armed:
            self._arm(tick)
        return tick * self.resolution

    def cancel(self, when: float, entry: Timed) -> None:
        """Forget `entry` at the tick `schedule` answered `when` for (a closed connection is
        not kept alive until then)."""
        entries = self._ticks.get(round(when / self.resolution))
        if entries is not None:
            entries.discard(entry)

    def _arm(self, tick: int) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._armed = tick
        self._handle = asyncio.get_running_loop().call_at(tick * self.resolution, self._fire)

    def _fire(self) -> None:
        fired = self._armed
        assert fired is not None
        self._handle = None
        # never before a deadline, though the loop may run a timer a clock tick early
        now = max(asyncio.get_running_loop().time(), fired * self.resolution)
        for tick in sorted(tick for tick in self._ticks if tick <= fired):
            for entry in self._ticks.pop(tick):
                entry.on_timer(now)
        self._armed = None
        if self._ticks:
            self._arm(min(self._ticks))

    def close(self) -> None:
        """Forget every entry (the node is shutting down)."""
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._armed = None
        self._ticks.clear()
