"""SQLite connections: one writer behind a lock, a small pool of readers (WAL lets them run
alongside the writer), units of work, numbered migrations."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from store.catalog_ids import SQL_FUNCTION, path_safe_id
from store.sqlite.dialect import SqliteDialect

__all__ = ["AfterCommit", "AfterCommits", "Database", "migrations", "run_after_commit"]

log = logging.getLogger("chorus.store")

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    # 64 MiB of page cache per connection (default 2 MiB; listens and their rollups at a million
    # listens are far larger), and temporary tables and sorts (GROUP BY) in memory
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)

AfterCommit = Callable[[], object]  # awaited when it returns an awaitable


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("store.sqlite").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text()))
    return sorted(found)


class _Unit:
    """An open `Database.transaction()`: the task it belongs to, how deep its savepoints go,
    and what to run once it commits."""

    def __init__(self, owner: asyncio.Task[Any] | None) -> None:
        self.owner = owner
        self.depth = 0
        self.after_commit: list[AfterCommit] = []


class AfterCommits:
    """`after_commit` over a database whose `_own_unit()` is the calling task's open
    transaction (or None), holding its callbacks in `after_commit` (both engines)."""

    def _own_unit(self) -> Any:
        raise NotImplementedError

    async def after_commit(self, callback: AfterCommit) -> None:
        """Run `callback` once the calling task's transaction commits (never if it rolls back);
        at once outside a transaction."""
        unit = self._own_unit()
        if unit is None:
            await run_after_commit(callback)
        else:
            unit.after_commit.append(callback)


class Database(AfterCommits):
    """The SQLite file: `write()` yields the writer inside a transaction, `read()` a reader,
    `transaction()` makes the calling task's writes and reads one unit of work."""

    dialect = SqliteDialect()

    def __init__(self, path: Path, readers: int = 4) -> None:
        self.path = path
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._unit: _Unit | None = None  # the open transaction(), at most one: it holds the lock

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        # migrations (0050) compute catalog ids as the catalog does
        await conn.create_function(SQL_FUNCTION, 2, path_safe_id, deterministic=True)
        return conn

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self.migrate()
        for _ in range(self._reader_count):
            conn = await self._connect()
            self._all_readers.append(conn)
            self._readers.put_nowait(conn)

    async def close(self) -> None:
        for conn in self._all_readers:
            await conn.close()
        self._all_readers.clear()
        if self._writer is not None:
            await self._writer.close()
            self._writer = None

    async def migrate(self) -> list[str]:
        """Apply every migration not yet recorded in schema_version; return their names."""
        assert self._writer is not None
        conn = self._writer
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (number INTEGER PRIMARY KEY, name TEXT, "
            "applied_at TEXT DEFAULT CURRENT_TIMESTAMP)"
        )
        async with conn.execute("SELECT number FROM schema_version") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied = []
        for number, name, sql in migrations():
            if number in done:
                continue
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (number, name) VALUES (?, ?)", (number, name)
                )
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            log.info("applied migration %s", name)
            applied.append(name)
        return applied

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises. Inside
        the calling task's `transaction()`, a savepoint of it instead."""
        assert self._writer is not None, "database is not open"
        if self._own_unit() is not None:
            async with self._savepoint():
                yield self._writer
            return
        async with self._write_lock, self._immediate():
            yield self._writer

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A unit of work: every `write()` and `read()` of the calling task inside the block runs
        on the writer in one transaction, committed when the block ends and rolled back if it
        raises; then the `after_commit` callbacks run. Nested blocks are savepoints.

        It holds the writer lock, so other tasks' writes wait for it (never joining it), and
        their reads see the last committed state. Tasks started inside the block are other
        tasks: do not await their writes from inside it.
        """
        assert self._writer is not None, "database is not open"
        if self._own_unit() is not None:
            async with self._savepoint():
                yield
            return
        unit = _Unit(asyncio.current_task())
        async with self._write_lock, self._immediate():
            self._unit = unit
            try:
                yield
            finally:
                self._unit = None
        for callback in unit.after_commit:
            await run_after_commit(callback)

    def _own_unit(self) -> _Unit | None:
        unit = self._unit
        return unit if unit is not None and unit.owner is asyncio.current_task() else None

    @asynccontextmanager
    async def _immediate(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE ... COMMIT on the writer (the caller holds the lock)."""
        assert self._writer is not None
        conn = self._writer
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        """A savepoint of the calling task's transaction: undone alone if its block raises."""
        unit, conn = self._own_unit(), self._writer
        assert unit is not None and conn is not None
        name = f"unit_{unit.depth}"
        unit.depth += 1
        callbacks = len(unit.after_commit)
        await conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                await conn.execute(f"ROLLBACK TO {name}")
                await conn.execute(f"RELEASE {name}")
            del unit.after_commit[callbacks:]
            raise
        else:
            await conn.execute(f"RELEASE {name}")
        finally:
            unit.depth -= 1

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A reader; the writer inside the calling task's transaction (it sees its own writes)."""
        if self._own_unit() is not None:
            assert self._writer is not None
            yield self._writer
            return
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def fetch_one(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
                        ) -> aiosqlite.Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
                        ) -> list[aiosqlite.Row]:
        """One round trip to the reader's thread (execute and fetch together); `params` by
        position, or by name in a mapping."""
        bound = params if isinstance(params, Mapping) else tuple(params)
        async with self.read() as conn:
            return list(await conn.execute_fetchall(sql, bound))


async def run_after_commit(callback: AfterCommit) -> None:
    """Call `callback`, awaiting what it returns when that is awaitable."""
    result = callback()
    if inspect.isawaitable(result):
        await result


def _statements(sql: str) -> list[str]:
    """Split a migration into complete statements (triggers with inner `;` stay whole)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
