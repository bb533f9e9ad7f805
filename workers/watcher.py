"""The watcher: an actor that runs the watch lists' check round (handlers.downloads.watch_check.
check_due, injected by hub.app so that workers import no handlers) again and again.

Each round checks what is due and says how long until the next watch is; the actor sleeps
that long, at most `max_sleep` seconds (so a changed check_interval, or watching switched on,
applies within that time), or until `wake()`. A round that raises is left to the supervisor,
which restarts the actor with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from workers.actor import Actor

__all__ = ["WatcherActor"]


class WatcherActor(Actor):
    def __init__(self, check_due: Callable[[], Awaitable[float]], *,
                 max_sleep: float = 60.0) -> None:
        super().__init__(name="watcher")
        self.check_due = check_due
        self.max_sleep = max_sleep
        self.rounds = 0

    def wake(self) -> None:
        """Run a round now instead of at the end of the current sleep."""
        self.tell(None)

    async def run(self) -> None:
        while True:
            delay = await self.check_due()
            self.rounds += 1
            await self._sleep(min(max(delay, 0.0), self.max_sleep))

    async def _sleep(self, seconds: float) -> None:
        """Until `seconds` pass or a wake arrives; wakes queued meanwhile count once."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.mailbox.get(), seconds)
        while not self.mailbox.empty():
            self.mailbox.get_nowait()
