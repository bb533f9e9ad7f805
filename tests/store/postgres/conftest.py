"""A fresh PostgreSQL schema migrated by the store's own migrator, for tests that read
PostgreSQL directly (skipped when no server answers, except under CI=true)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

from store.postgres.db import PgDatabase, split_url

URL = os.environ.get("CHORUS_TEST_STORE", "") or "postgresql://postgres@127.0.0.1/test"


@pytest.fixture
async def pg() -> AsyncIterator[asyncpg.Connection]:
    """A connection whose search_path is a new schema with every migration applied."""
    dsn = split_url(URL)[0]
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL unreachable at {dsn}: {exc}")
    schema = f"test_{secrets.token_hex(6)}"
    joiner = "&" if "?" in URL else "?"
    db = PgDatabase(f"{URL}{joiner}schema={schema}&pool=1")
    try:
        await db.open()
        await db.close()
        await conn.execute(f"SET search_path TO {schema}")
        yield conn
    finally:
        await db.drop_schema()
        await conn.close()
