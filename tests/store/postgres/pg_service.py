"""The PostgreSQL the store tests share (127.0.0.1:5432, database test, or
CHORUS_TEST_PG_URL): reachable or the tests skip saying so, except under CI=true where an
unreachable server fails them. Every test gets a schema of its own, dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

__all__ = ["PG_URL", "require_postgres", "fresh_schema"]

PG_URL = os.environ.get("CHORUS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def require_postgres() -> str:
    """The URL of the test PostgreSQL; skips the test when it is unreachable (fails under CI)."""
    try:
        conn = await asyncpg.connect(PG_URL, timeout=3)
        await conn.close()
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at {PG_URL} is unreachable ({exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    return PG_URL


async def fresh_schema() -> AsyncIterator[str]:
    """A store URL on a new schema of the test database, dropped when the test ends."""
    base = await require_postgres()
    schema = f"copy_{uuid.uuid4().hex[:12]}"
    yield f"{base}?schema={schema}&pool=4"
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
