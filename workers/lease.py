"""Work done once across every process sharing the store: a task runs only while this process
holds its named lease (store.leases), renewed at each run; another process takes the lease
over once it expires (its holder stopped or died)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from store.interface import LeaseRepo

__all__ = ["once_across_processes", "PROCESS_ID"]

T = TypeVar("T")

PROCESS_ID = uuid.uuid4().hex  # this process, as a lease holder


def once_across_processes(leases: LeaseRepo, name: str, ttl: float,
                          task: Callable[[], Awaitable[T]], otherwise: T,
                          holder: str = PROCESS_ID) -> Callable[[], Awaitable[T]]:
    """`task`, run only by the holder of lease `name` (taken or renewed for `ttl` seconds
    before each run); other processes get `otherwise` and try again at their next round."""

    async def guarded() -> T:
        if not await leases.acquire(name, holder, ttl):
            return otherwise
        return await task()

    return guarded
