"""PostgreSQL connections (asyncpg, pooled by store/postgres/pool.py) behind the same API as
store/sqlite/db.py: `write()`, `read()`, `transaction()` with savepoints and after-commit
callbacks, `fetch_one/fetch_all`, and numbered migrations from store/postgres/migrations applied
under an advisory lock (several processes may start at once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from store.postgres.connection import PgConnection, StatementCache
from store.postgres.dialect import PgDialect
from store.postgres.pool import PgPool
from store.sqlite.db import AfterCommit, AfterCommits, run_after_commit

__all__ = ["AfterCommit", "PgDatabase", "migrations", "split_url"]

log = logging.getLogger("chorus.store")


# pg_advisory_lock key of migrations: "chorus" in ASCII
MIGRATION_LOCK = 0x63686F727573


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every PostgreSQL migration shipped with the package, in order."""
    found = []
    for entry in resources.files("store.postgres").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text()))
    return sorted(found)


def split_url(url: str) -> tuple[str, str, int]:
    """(dsn for asyncpg, schema, pool size) from postgresql://...?schema=NAME&pool=N; both
    options are Chorus's own and are taken out of the DSN."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "public") or "public"
    pool = int(next((v for k, v in query if k == "pool"), "10") or "10")
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"schema must be letters, digits and _: {schema!r}")
    rest = urlencode([(k, v) for k, v in query if k not in ("schema", "pool")])
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, rest, parts.fragment)), schema, pool


class _Unit:
    """An open `transaction()`: its connection, how deep its savepoints go, what to run after."""

    def __init__(self, conn: PgConnection) -> None:
        self.conn = conn
        self.depth = 0
        self.after_commit: list[AfterCommit] = []


class PgDatabase(AfterCommits):
    """A PostgreSQL database (one schema of it): pooled connections, each task's
    `transaction()` on a connection of its own."""

    dialect = PgDialect()

    def __init__(self, url: str) -> None:
        self.dsn, self.schema, self.pool_size = split_url(url)
        self._pool: PgPool | None = None
        self._statements: StatementCache = {}
        self._units: dict[asyncio.Task[Any], _Unit] = {}

    async def open(self) -> None:
        raw = await asyncpg.connect(self.dsn)
        try:
            await raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        finally:
            await raw.close()
        self._pool = PgPool(self._connect, self.pool_size)
        await self.migrate()

    def _connect(self) -> Awaitable[asyncpg.Connection]:
        return asyncpg.connect(
            self.dsn, statement_cache_size=1024,
            server_settings={"search_path": self.schema, "application_name": "chorus"})

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
        self._statements.clear()

    @asynccontextmanager
    async def _acquire(self) -> AsyncIterator[PgConnection]:
        assert self._pool is not None, "database is not open"
        async with self._pool.connection() as raw:
            yield PgConnection(raw, self._statements)

    async def migrate(self) -> list[str]:
        """Apply every migration not yet recorded in schema_version; return their names."""
        applied = []
        async with self._acquire() as conn:
            raw = conn.raw
            await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await raw.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (number BIGINT PRIMARY KEY, "
                    "name TEXT, applied_at TIMESTAMPTZ DEFAULT now())")
                done = {r[0] for r in await raw.fetch("SELECT number FROM schema_version")}
                for number, name, sql in migrations():
                    if number in done:
                        continue
                    async with raw.transaction():
                        await raw.execute(sql)
                        await raw.execute(
                            "INSERT INTO schema_version (number, name) VALUES ($1, $2)",
                            number, name)
                    log.info("applied migration %s", name)
                    applied.append(name)
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        if applied:  # the connections' prepared statements may predate the new tables
            assert self._pool is not None
            await self._pool.expire()
            self._statements.clear()
        return applied

    def _own_unit(self) -> _Unit | None:
        task = asyncio.current_task()
        return self._units.get(task) if task is not None else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[PgConnection]:
        """A write transaction committed when the block ends, rolled back if it raises; inside
        the calling task's `transaction()`, a savepoint of it."""
        unit = self._own_unit()
        if unit is not None:
            async with self._savepoint(unit):
                yield unit.conn
            return
        async with self._acquire() as conn, conn.raw.transaction():
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A unit of work: the calling task's `write()` and `read()` blocks run on one
        connection in one transaction; `after_commit` callbacks run once it commits. Nested
        blocks are savepoints. Other tasks run their own transactions alongside."""
        unit = self._own_unit()
        if unit is not None:
            async with self._savepoint(unit):
                yield
            return
        task = asyncio.current_task()
        assert task is not None
        async with self._acquire() as conn:
            unit = _Unit(conn)
            self._units[task] = unit
            try:
                async with conn.raw.transaction():
                    yield
            finally:
                del self._units[task]
        for callback in unit.after_commit:
            await run_after_commit(callback)

    @asynccontextmanager
    async def _savepoint(self, unit: _Unit) -> AsyncIterator[None]:
        callbacks = len(unit.after_commit)
        unit.depth += 1
        try:
            async with unit.conn.raw.transaction():  # nested: a savepoint
                yield
        except BaseException:
            del unit.after_commit[callbacks:]
            raise
        finally:
            unit.depth -= 1

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PgConnection]:
        """A connection for reading; the unit's own inside the calling task's transaction."""
        unit = self._own_unit()
        if unit is not None:
            yield unit.conn
            return
        async with self._acquire() as conn:
            yield conn

    async def fetch_one(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
                        ) -> Any:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
                        ) -> list[Any]:
        async with self.read() as conn:
            return await conn.execute_fetchall(sql, params)

    async def drop_schema(self) -> None:
        """Drop this database's schema and everything in it (tests' own schemas)."""
        raw = await asyncpg.connect(self.dsn)
        try:
            await raw.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        finally:
            await raw.close()
