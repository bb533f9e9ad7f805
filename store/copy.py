"""Copy an embedded install's SQLite store into an empty PostgreSQL store (`chorus migrate
--from sqlite:///... --to postgresql://...`), checked by row counts per table.

Both stores are opened first, so both are at the latest migration and share one schema. Tables
are copied parents first (by the target's foreign keys), each table's rows in SQLite's
insertion order (a job's parent before its children), with binary COPY, all in one PostgreSQL
transaction: a failed copy leaves the target as empty as it was. Ids are kept, and the
target's identity sequences are moved past them; the tables are analyzed at the end. What
SQLite keeps in its own structures (FTS5 and R*Tree tables) is not copied: PostgreSQL derives
its search and spatial columns from the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from store.postgres.sql import coercers
from store.postgres.store import PgStore
from store.sqlite.store import SqliteStore

__all__ = ["TableCount", "CopyRefused", "copy_store"]

BATCH = 5000


class TableCount(msgspec.Struct, frozen=True):
    """Rows of one table in the source and, after the copy, in the target."""

    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


class CopyRefused(Exception):
    """The copy cannot start (the target holds rows, or the schemas differ)."""


async def _source_tables(source: SqliteStore) -> dict[str, tuple[list[str], bool]]:
    """SQLite's plain tables: their columns, and whether they have a rowid."""
    rows = await source.db.fetch_all(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    tables = {}
    for name, sql in rows:
        if "VIRTUAL TABLE" in (sql or "").upper() or name == "schema_version":
            continue
        columns = [r[1] for r in await source.db.fetch_all(f'PRAGMA table_info("{name}")')]
        tables[name] = (columns, "WITHOUT ROWID" not in (sql or "").upper())
    # the tables an FTS5 or R*Tree table keeps its index in (catalog_fts_data, ..._node)
    virtual = [name for name, sql in rows if "VIRTUAL TABLE" in (sql or "").upper()]
    return {n: t for n, t in tables.items() if not any(n.startswith(v + "_") for v in virtual)}


async def _target_tables(target: PgStore) -> dict[str, list[tuple[str, str]]]:
    """PostgreSQL's base tables in the store's schema: their writable columns and types."""
    rows = await target.db.fetch_all(
        "SELECT c.table_name, c.column_name, c.udt_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
        "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
        "WHERE c.table_schema = current_schema() AND c.is_generated = 'NEVER' "
        "ORDER BY c.table_name, c.ordinal_position")
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_name in rows:
        tables.setdefault(table, []).append((column, type_name))
    tables.pop("schema_version", None)
    return tables


async def _parents_first(target: PgStore, tables: list[str]) -> list[str]:
    """`tables` ordered so that every table comes after those its foreign keys point to."""
    rows = await target.db.fetch_all(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace")
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in rows:
        child, parent = child.strip('"'), parent.strip('"')
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, p in parents.items() if not p - set(ordered))
        if not ready:
            raise CopyRefused(f"foreign keys form a cycle among {sorted(parents)}")
        ordered += ready
        for t in ready:
            del parents[t]
    return ordered


async def copy_store(source: SqliteStore, target: PgStore,
                     progress: Callable[[str, int], None] | None = None) -> list[TableCount]:
    """Copy every row of `source` into the empty `target`; the counts per table after."""
    sources = await _source_tables(source)
    targets = await _target_tables(target)
    missing = sorted(set(sources) - set(targets))
    if missing:
        raise CopyRefused(f"tables missing in the target: {', '.join(missing)}")
    order = await _parents_first(target, sorted(set(sources) & set(targets)))
    async with target.db.transaction(), target.db.write() as conn:
        for table in order:
            if await conn.execute_fetchall(f'SELECT 1 FROM "{table}" LIMIT 1'):
                raise CopyRefused(f"the target is not empty: {table} has rows")
        for table in order:
            await _copy_table(source, conn.raw, table, sources[table], targets[table], progress)
        await _move_identities(conn.raw)
    async with target.db.write() as conn:  # the planner's statistics for what just arrived
        for table in order:
            await conn.raw.execute(f'ANALYZE "{table}"')
    counts = []
    for table in order:
        (src,) = await source.db.fetch_one(f'SELECT count(*) FROM "{table}"')
        (dst,) = await target.db.fetch_one(f'SELECT count(*) FROM "{table}"')
        counts.append(TableCount(table=table, source=int(src), target=int(dst)))
    return counts


async def _copy_table(source: SqliteStore, raw: Any, table: str,
                      source_table: tuple[list[str], bool], target_columns: list[tuple[str, str]],
                      progress: Callable[[str, int], None] | None) -> None:
    columns, has_rowid = source_table
    wanted = [(c, t) for c, t in target_columns if c in columns or (c == "rowid" and has_rowid)]
    names = [c for c, _ in wanted]
    by_position = coercers([t for _, t in wanted])
    order = "rowid" if has_rowid else "1"
    select = ", ".join("rowid" if c == "rowid" and c not in columns else f'"{c}"' for c in names)
    copied = 0
    async with source.db.read() as conn:
        cursor = await conn.execute(f'SELECT {select} FROM "{table}" ORDER BY {order}')
        while True:
            rows = await cursor.fetchmany(BATCH)
            if not rows:
                break
            records = [tuple(v if fn is None else fn(v) for fn, v in
                             zip(by_position or [None] * len(names), row, strict=True))
                       for row in rows]
            await raw.copy_records_to_table(table, records=records, columns=names)
            copied += len(records)
            if progress is not None:
                progress(table, copied)
        await cursor.close()


async def _move_identities(raw: Any) -> None:
    """Move each identity sequence past the largest copied value."""
    rows = await raw.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'")
    for table, column in rows:
        await raw.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)')
