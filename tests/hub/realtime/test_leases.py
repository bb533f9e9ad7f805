"""Lease contract: the same suite for MemoryLeases (owners sharing one table) and RedisLeases
(owners on one real Redis, each test under its own key prefix): one owner at a time, tokens
that only grow, renewal while held, and a lease that expires handed to the next owner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from hub.realtime.brokers import open_leases
from hub.realtime.lease import LeasesUnavailable
from hub.realtime.lease_memory import LeaseTable, MemoryLeases
from hub.realtime.lease_redis import redis_leases
from tests.waiting import until

SHORT = 0.2  # seconds: a lease the tests let expire


@pytest.fixture(params=["memory", "redis"])
async def make_leases(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., Any]]:
    """Build the leases of an owner, all owners on one table (or Redis prefix)."""
    made: list[Any] = []
    table = LeaseTable()
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")

    def make(owner: str, ttl: float = 30.0) -> Any:
        if request.param == "memory":
            leases: Any = MemoryLeases(owner, ttl, table)
        else:
            leases = redis_leases(url, prefix, owner, ttl)
        made.append(leases)
        return leases

    yield make
    for leases in made:
        await leases.close()


async def test_one_owner_at_a_time(make_leases):
    a, b = make_leases("node-a"), make_leases("node-b")
    lease = await a.acquire("quiz:r1")
    assert lease is not None and lease.owner == "node-a" and lease.token >= 1
    assert await b.acquire("quiz:r1") is None
    assert await a.acquire("quiz:r1") is None  # held: by this owner too
    assert await a.holder("quiz:r1") == await b.holder("quiz:r1") == "node-a"
    assert await b.holder("quiz:other") is None
    other = await b.acquire("quiz:other")
    assert other is not None and other.owner == "node-b"


async def test_a_released_lease_goes_to_the_next_owner_with_a_higher_token(make_leases):
    a, b = make_leases("node-a"), make_leases("node-b")
    first = await a.acquire("quiz:r1")
    await b.release(first)  # another owner's lease: not b's to give up
    assert not await b.renew(first)
    assert await a.holder("quiz:r1") == "node-a"
    await a.release(first)
    assert await a.holder("quiz:r1") is None
    second = await b.acquire("quiz:r1")
    assert second is not None and second.token > first.token
    await a.release(first)  # a stale lease released: nothing happens to b's
    assert await a.holder("quiz:r1") == "node-b" and await b.renew(second)


async def test_a_token_is_higher_than_the_floor_the_store_saw(make_leases):
    a = make_leases("node-a")
    lease = await a.acquire("quiz:r1", floor=41)
    assert lease is not None and lease.token == 42
    await a.release(lease)
    again = await a.acquire("quiz:r1", floor=3)
    assert again is not None and again.token == 43


async def test_a_lease_not_renewed_expires_and_another_owner_takes_it(make_leases):
    a, b = make_leases("node-a", ttl=SHORT), make_leases("node-b", ttl=SHORT)
    lease = await a.acquire("quiz:r1")
    assert await a.renew(lease)  # held: renewed
    await until(lambda: _free(b, "quiz:r1"), failure="the lease never expired")
    assert not await a.renew(lease)  # expired: the owner must stop
    taken = await b.acquire("quiz:r1")
    assert taken is not None and taken.token > lease.token
    assert not await a.renew(lease) and await b.holder("quiz:r1") == "node-b"


async def _free(leases: Any, name: str) -> bool:
    return await leases.holder(name) is None


async def test_alone_a_process_keeps_its_leases_until_it_releases_them():
    leases = open_leases("", "chorus:", "node-a", ttl=0.0)  # the in-process broker
    lease = await leases.acquire("quiz:r1")
    assert lease is not None and await leases.holder("quiz:r1") == "node-a"
    assert await leases.renew(lease)


async def test_an_unreachable_redis_is_told_as_leases_unavailable():
    leases = redis_leases("redis://127.0.0.1:9/0", "chorus-test:", "node-a", 1.0)  # closed
    try:
        with pytest.raises(LeasesUnavailable):
            await leases.acquire("quiz:r1")
        with pytest.raises(LeasesUnavailable):
            await leases.holder("quiz:r1")
    finally:
        await leases.close()
