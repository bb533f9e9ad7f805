"""Leases: state that one process at a time may own (a live quiz room), after the
fencing-token locks of "How to do distributed locking" (Kleppmann).

A lease is held by one owner (a process, named by its node id) until it expires, unless the
owner renews it. Each acquisition gets a token higher than every earlier token of the same
name, so the state's writes can carry it and a store can refuse the writes of an owner whose
lease expired and was taken by another. `MemoryLeases` (lease_memory.py) serves one process;
`RedisLeases` (lease_redis.py) serves every process on one Redis.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

__all__ = ["Lease", "Leases", "LeasesUnavailable"]


class LeasesUnavailable(Exception):
    """Where leases are kept cannot be reached now (Redis down): nobody can take one."""


class Lease(msgspec.Struct, frozen=True):
    """`name` held by `owner` with fencing `token`."""

    name: str
    owner: str
    token: int


class Leases(Protocol):
    """The leases of one owner (`owner`, this process's node id), each lasting `ttl` seconds
    after its acquisition or last renewal. Every method may raise LeasesUnavailable."""

    owner: str
    ttl: float

    async def acquire(self, name: str, floor: int = 0) -> Lease | None:
        """Take `name` when nobody holds it: the lease, with a token higher than every
        earlier one of `name` and than `floor` (the last token the state's store saw, so that
        a lost counter never hands out an old token); None while it is held (by this owner
        too: one lease per name at a time)."""

    async def renew(self, lease: Lease) -> bool:
        """Extend `lease` (this owner's) by `ttl` from now; False when it is no longer held (it
        expired, and maybe another owner took it): the owner must stop acting on the state."""

    async def release(self, lease: Lease) -> None:
        """Give `lease` up (nothing happens when it is no longer held, or another owner's)."""

    async def holder(self, name: str) -> str | None:
        """The owner holding `name` now, or None."""

    async def close(self) -> None: ...
