"""An actor that runs one injected coroutine function every `interval` seconds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from workers.actor import Actor

__all__ = ["PeriodicActor"]

log = logging.getLogger("chorus.periodic")


class PeriodicActor(Actor):
    """Calls `task()` now and then every `interval` seconds; a failure is logged and the
    supervisor restarts the loop."""

    def __init__(self, name: str, interval: float, task: Callable[[], Awaitable[object]]) -> None:
        super().__init__(name=name)
        self.interval = interval
        self.task = task

    async def run(self) -> None:
        while True:
            result = await self.task()
            if result:
                log.info("%s: %s", self.name, result)
            await asyncio.sleep(self.interval)
