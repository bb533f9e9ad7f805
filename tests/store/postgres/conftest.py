"""A fresh PostgreSQL schema migrated by the store's own migrator, for tests that read
PostgreSQL directly (pg_service: skipped when no server answers, except under CI=true)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from store.postgres.db import PgDatabase, split_url
from tests.store.postgres.pg_service import fresh_schema


@pytest.fixture
async def pg() -> AsyncIterator[asyncpg.Connection]:
    """A connection whose search_path is a new schema with every migration applied."""
    async for url in fresh_schema():
        db = PgDatabase(url)
        await db.open()
        await db.close()
        dsn, schema, _ = split_url(url)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
        try:
            yield conn
        finally:
            await conn.close()
