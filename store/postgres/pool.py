"""The store's pool of asyncpg connections: a connection is taken and given back without a
round trip and without a task.

asyncpg's own Pool resets every connection it gets back (`SELECT pg_advisory_unlock_all(); CLOSE
ALL; UNLISTEN *; RESET ALL`: one round trip) and gives it back under `asyncio.shield` (one task
and one turn of the event loop). The repositories open a connection per statement outside a
transaction, so a stream page paid eight of each: half its round trips. Chorus leaves no session
state on a connection (no SET, LISTEN, cursors; migrations release their advisory lock), so
here giving one back is putting it on a stack, and taking one is popping the most recently used
(its backend and its prepared statements are the warm ones).

A connection that comes back inside a transaction (a block cancelled before its rollback), closed,
or after a migration (`expire`) is closed instead of reused; its place is opened again when
needed. One that comes back while a cancelled query is still running is reused: asyncpg waits for
the cancellation before its next query, as its own pool does.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

__all__ = ["PgPool", "PoolClosed"]

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class PoolClosed(RuntimeError):
    """The pool was closed while a task waited for a connection, or before it asked."""


class PgPool:
    """At most `size` connections opened by `connect` on demand, the idle ones on a stack."""

    def __init__(self, connect: Connect, size: int) -> None:
        if size < 1:
            raise ValueError("a pool holds at least one connection")
        self._connect = connect
        self._size = size
        self._idle: list[asyncpg.Connection] = []
        self._opened = 0  # open or being opened, idle or not
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._generation = 0
        self._born: dict[asyncpg.Connection, int] = {}
        self._closed = False

    @property
    def opened(self) -> int:
        """Connections open (or being opened) now, idle or in use."""
        return self._opened

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for the block, given back when it ends."""
        raw = await self.acquire()
        try:
            yield raw
        finally:
            self.release(raw)

    async def acquire(self) -> asyncpg.Connection:
        """The most recently given back idle connection, else a new one while there is room,
        else the next one given back."""
        while True:
            if self._closed:
                raise PoolClosed("the store's connection pool is closed")
            while self._idle:
                raw = self._idle.pop()
                if not raw.is_closed():
                    return raw
                self._forget(raw)
            if self._opened < self._size:
                return await self._open()
            raw = await self._wait()
            if raw is not None:
                return raw
            # a place was freed (a connection closed): open one there, unless taken meanwhile

    def release(self, raw: asyncpg.Connection) -> None:
        """Give `raw` back: to the first waiting task, else onto the idle stack."""
        if (self._closed or raw.is_closed() or raw.is_in_transaction()
                or self._born.get(raw, -1) < self._generation):
            if not raw.is_closed():
                raw.terminate()
            self._forget(raw)
            return
        if not self._hand(raw):
            self._idle.append(raw)

    async def expire(self) -> None:
        """Close every connection: the idle ones now, the ones in use when they come back (a
        migration changed the tables their prepared statements describe)."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for raw in idle:
            self._forget(raw)
        await asyncio.gather(*(raw.close() for raw in idle), return_exceptions=True)

    async def close(self) -> None:
        """Close the idle connections, and the others as they come back; waiting tasks fail."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("the store's connection pool is closed"))
        await self.expire()

    async def _open(self) -> asyncpg.Connection:
        self._opened += 1
        try:
            raw = await self._connect()
        except BaseException:
            self._opened -= 1
            self._hand(None)  # a waiter may try in this place
            raise
        self._born[raw] = self._generation
        return raw

    async def _wait(self) -> asyncpg.Connection | None:
        """The next connection given back, or None when a place was freed instead."""
        waiter: asyncio.Future[asyncpg.Connection | None] = (
            asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                handed = waiter.result()
                if handed is not None:
                    self.release(handed)
                else:
                    self._hand(None)
            raise

    def _hand(self, raw: asyncpg.Connection | None) -> bool:
        """Give `raw` (None: a freed place) to the first task still waiting; False if none."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(raw)
                return True
        return False

    def _forget(self, raw: asyncpg.Connection) -> None:
        self._born.pop(raw, None)
        self._opened -= 1
        self._hand(None)
