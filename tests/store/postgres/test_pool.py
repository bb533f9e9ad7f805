"""The store's connection pool (store/postgres/pool.py) on a real PostgreSQL: connections are
given back as they are and taken most recent first, at most `size` are open, and one that comes
back unusable is closed instead of reused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from store.postgres.db import PgDatabase
from store.postgres.pool import PgPool, PoolClosed
from tests.store.postgres.pg_service import fresh_schema, require_postgres

Connect = Callable[[], Awaitable[asyncpg.Connection]]


@pytest.fixture
async def connect() -> Connect:
    url = await require_postgres()
    return lambda: asyncpg.connect(url)


@pytest.fixture
async def pool(connect: Connect) -> AsyncIterator[PgPool]:
    pool = PgPool(connect, 2)
    yield pool
    await pool.close()


async def _pid(raw: asyncpg.Connection) -> int:
    return int(await raw.fetchval("SELECT pg_backend_pid()"))


async def _yield_a_few_times() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_connection_comes_back_as_it_was_and_is_taken_next(pool: PgPool) -> None:
    async with pool.connection() as raw:
        pid = await _pid(raw)
        await raw.execute("SET application_name = 'left as it was'")
    async with pool.connection() as again:
        assert again is raw and await _pid(again) == pid
        # no reset query ran in between: the session is the one given back
        assert await again.fetchval("SHOW application_name") == "left as it was"
    assert pool.opened == 1


async def test_at_most_size_connections_and_a_waiter_gets_the_next_one_back(
        pool: PgPool) -> None:
    first, second = await pool.acquire(), await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await _yield_a_few_times()
    assert not waiter.done() and pool.opened == 2
    pool.release(second)
    assert await waiter is second
    pool.release(first)
    pool.release(second)
    assert pool.opened == 2


async def test_a_connection_given_back_inside_a_transaction_is_closed(pool: PgPool) -> None:
    raw = await pool.acquire()
    await raw.execute("BEGIN")
    pool.release(raw)
    assert raw.is_closed() and pool.opened == 0
    async with pool.connection() as fresh:
        assert fresh is not raw and not fresh.is_in_transaction()


async def test_a_cancelled_waiter_loses_no_place(connect: Connect) -> None:
    pool = PgPool(connect, 1)
    try:
        held = await pool.acquire()
        waiter = asyncio.create_task(pool.acquire())
        await _yield_a_few_times()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        pool.release(held)
        assert await pool.acquire() is held and pool.opened == 1
    finally:
        await pool.close()


async def test_a_waiter_cancelled_after_being_handed_a_connection_gives_it_back(
        connect: Connect) -> None:
    pool = PgPool(connect, 1)
    try:
        held = await pool.acquire()
        waiter = asyncio.create_task(pool.acquire())
        await _yield_a_few_times()
        pool.release(held)  # handed to the waiter, which has not run yet
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await pool.acquire() is held and pool.opened == 1
    finally:
        await pool.close()


async def test_expire_closes_idle_connections_now_and_busy_ones_when_back(
        pool: PgPool) -> None:
    busy, idle = await pool.acquire(), await pool.acquire()
    pool.release(idle)
    await pool.expire()
    assert idle.is_closed() and not busy.is_closed()
    pool.release(busy)
    assert busy.is_closed() and pool.opened == 0


async def test_a_failed_connect_frees_its_place(connect: Connect) -> None:
    attempts = 0

    async def flaky() -> asyncpg.Connection:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("connection refused")
        return await connect()

    pool = PgPool(flaky, 1)
    try:
        with pytest.raises(OSError):
            await pool.acquire()
        assert pool.opened == 0
        async with pool.connection() as raw:
            assert await raw.fetchval("SELECT 1") == 1
    finally:
        await pool.close()


async def test_close_fails_waiters_and_later_requests(connect: Connect) -> None:
    pool = PgPool(connect, 1)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await _yield_a_few_times()
    await pool.close()
    with pytest.raises(PoolClosed):
        await waiter
    pool.release(held)
    assert held.is_closed()
    with pytest.raises(PoolClosed):
        await pool.acquire()


async def test_the_database_reads_one_after_another_on_one_backend() -> None:
    async for url in fresh_schema():
        db = PgDatabase(url)
        await db.open()
        try:
            pids = {(await db.fetch_one("SELECT pg_backend_pid()"))[0] for _ in range(5)}
            async with db.transaction():
                inside = (await db.fetch_one("SELECT pg_backend_pid()"))[0]
            assert len(pids) == 1 and inside in pids
        finally:
            await db.close()
