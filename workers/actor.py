"""Minimal supervised actors: a mailbox, a run loop, restarts with exponential backoff."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiojobs

__all__ = ["Actor", "Supervisor"]

log = logging.getLogger(__name__)


class Actor:
    """A long-running worker with a mailbox; subclasses override `run`."""

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.mailbox: asyncio.Queue[Any] = asyncio.Queue()
        self.restarts = 0

    def tell(self, message: Any) -> None:
        """Put `message` in the mailbox without waiting."""
        self.mailbox.put_nowait(message)

    async def run(self) -> None:
        """The actor's loop; returning ends it, raising makes the supervisor restart it."""
        raise NotImplementedError


class Supervisor:
    """Runs actors as aiojobs jobs and restarts any that crash, 0.1 s doubling up to 10 s."""

    def __init__(self, *, min_backoff: float = 0.1, max_backoff: float = 10.0) -> None:
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._scheduler: aiojobs.Scheduler | None = None

    async def start(self, actor: Actor) -> aiojobs.Job[None]:
        """Start supervising `actor`."""
        if self._scheduler is None:
            self._scheduler = aiojobs.Scheduler(close_timeout=5.0, limit=None)
        return await self._scheduler.spawn(self._supervise(actor))

    async def close(self) -> None:
        """Cancel every actor and wait for them to stop."""
        if self._scheduler is not None:
            await self._scheduler.close()
            self._scheduler = None

    async def _supervise(self, actor: Actor) -> None:
        loop = asyncio.get_running_loop()
        backoff = self.min_backoff
        while True:
            started = loop.time()
            try:
                await actor.run()
                return
            except Exception:
                if loop.time() - started >= self.max_backoff:
                    backoff = self.min_backoff  # it ran fine for a while: start over
                log.exception("actor %s crashed (failure %d); restarting in %.1f s",
                              actor.name, actor.restarts + 1, backoff)
            await asyncio.sleep(backoff)
            actor.restarts += 1
            backoff = min(backoff * 2, self.max_backoff)
