"""MemoryLeases: leases in this process's memory (see hub.realtime.lease). Alone, a process
holds every lease it asks for; owners sharing one `LeaseTable` (tests) exclude each other as
owners sharing one Redis do."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.realtime.lease import Lease

__all__ = ["MemoryLeases", "LeaseTable", "LOCAL_OWNER"]

LOCAL_OWNER = "local"


@dataclass
class LeaseTable:
    """Who holds each name (owner, token, expiry on the clock) and each name's last token."""

    held: dict[str, tuple[str, int, float]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)


class MemoryLeases:
    """Leases (hub.realtime.lease.Leases) kept in a `LeaseTable`."""

    def __init__(self, owner: str = LOCAL_OWNER, ttl: float = 10.0,
                 table: LeaseTable | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.owner, self.ttl = owner, ttl
        self._table = table or LeaseTable()
        self._clock = clock

    def _current(self, name: str) -> tuple[str, int, float] | None:
        entry = self._table.held.get(name)
        if entry is not None and entry[2] <= self._clock():
            del self._table.held[name]
            return None
        return entry

    def _holds(self, lease: Lease) -> bool:
        entry = self._current(lease.name)
        return lease.owner == self.owner and entry is not None \
            and entry[:2] == (lease.owner, lease.token)

    async def acquire(self, name: str, floor: int = 0) -> Lease | None:
        if self._current(name) is not None:
            return None
        token = max(self._table.tokens.get(name, 0), floor) + 1
        self._table.tokens[name] = token
        self._table.held[name] = (self.owner, token, self._clock() + self.ttl)
        return Lease(name, self.owner, token)

    async def renew(self, lease: Lease) -> bool:
        if not self._holds(lease):
            return False
        self._table.held[lease.name] = (lease.owner, lease.token, self._clock() + self.ttl)
        return True

    async def release(self, lease: Lease) -> None:
        if self._holds(lease):
            del self._table.held[lease.name]

    async def holder(self, name: str) -> str | None:
        entry = self._current(name)
        return None if entry is None else entry[0]

    async def close(self) -> None:
        return None
