"""One asyncpg connection seen through the part of aiosqlite's API the repositories use:
`execute` (awaited or used as `async with`), cursors with `fetchone`/`fetchall`/`rowcount`,
`execute_fetchall`, `executemany`, and rows read by position or by column name."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from typing import Any

import asyncpg
from asyncpg.prepared_stmt import PreparedStatement

from store.postgres.sql import Coercer, bind, coerce, coercers, row_converters, translate

__all__ = ["PgConnection", "PgCursor", "PgRow"]

_STATEMENT_CACHE = 512
_KEY = re.compile(r"Key \(([^)]*)\)")


class PgRow:
    """A result row: by position, by column name, `keys()`, iteration over values."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: tuple[Any, ...], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


class _Statement:
    """What binding a statement's values and reading its rows need; the same on every
    connection of a database, so it is learned once (asyncpg keeps each connection's own
    prepared statement in its statement cache)."""

    __slots__ = ("sql", "names", "params", "columns", "index", "returns_rows")

    def __init__(self, sql: str, names: tuple[str, ...] | None,
                 prepared: PreparedStatement) -> None:
        self.sql = sql
        self.names = names
        self.params: tuple[Coercer | None, ...] | None = coercers(
            [p.name for p in prepared.get_parameters()])
        attributes = prepared.get_attributes()
        self.returns_rows = bool(attributes)
        self.columns = row_converters([a.type.name for a in attributes])
        self.index = {a.name: i for i, a in enumerate(attributes)}

    def rows(self, records: list[asyncpg.Record]) -> list[Any]:
        if self.columns is None:
            return records
        columns, index = self.columns, self.index
        return [PgRow(tuple(v if fn is None else fn(v) for fn, v in zip(columns, r, strict=True)), index)
                for r in records]


StatementCache = dict[str, _Statement]


class PgCursor:
    """The rows and row count of one executed statement."""

    __slots__ = ("_rows", "_at", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self._at = 0
        self.rowcount = rowcount

    @property
    def lastrowid(self) -> None:
        raise NotImplementedError("write INSERT ... RETURNING id instead of reading lastrowid")

    async def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    async def fetchall(self) -> list[Any]:
        rest, self._at = self._rows[self._at:], len(self._rows)
        return rest

    async def close(self) -> None:
        return None


class _Execution:
    """What `execute` returns: awaited, a cursor; `async with`, the same cursor."""

    __slots__ = ("_coro",)

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._coro.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._coro

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """An asyncpg connection speaking the repositories' SQLite-flavoured calls."""

    __slots__ = ("raw", "_statements")

    def __init__(self, raw: Any, statements: StatementCache) -> None:
        self.raw = raw
        self._statements = statements

    @property
    def in_transaction(self) -> bool:
        return bool(self.raw.is_in_transaction())

    async def _statement(self, sql: str) -> _Statement:
        statement = self._statements.get(sql)
        if statement is None:
            translated = translate(sql)
            prepared = await _prepare(self.raw, translated.sql)
            if len(self._statements) >= _STATEMENT_CACHE:
                self._statements.clear()
            statement = self._statements[sql] = _Statement(translated.sql, translated.names,
                                                           prepared)
        return statement

    async def _run(self, sql: str, params: Iterable[Any] | Mapping[str, Any]) -> PgCursor:
        statement = await self._statement(sql)
        values = coerce(bind(statement.names, params), statement.params)
        with integrity_errors():
            if statement.returns_rows:
                records = await self.raw.fetch(statement.sql, *values)
                return PgCursor(statement.rows(records), len(records))
            status = await self.raw.execute(statement.sql, *values)
        return PgCursor([], _rowcount(status))

    def execute(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> _Execution:
        return _Execution(self._run(sql, params))

    async def execute_fetchall(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
                               ) -> list[Any]:
        return await (await self._run(sql, params)).fetchall()

    async def executemany(self, sql: str,
                          seq: Iterable[Sequence[Any] | Mapping[str, Any]]) -> PgCursor:
        statement = await self._statement(sql)
        rows = [coerce(bind(statement.names, params), statement.params) for params in seq]
        if rows:
            with integrity_errors():
                await self.raw.executemany(statement.sql, rows)
        return PgCursor([], len(rows))

    async def script(self, sql: str) -> None:
        """Several statements at once, no parameters (migrations)."""
        await self.raw.execute(sql)


async def _prepare(raw: Any, sql: str) -> PreparedStatement:
    """`sql` prepared into the connection's statement cache, where the `fetch`/`execute` that
    follows finds it: one Parse/Describe round trip. asyncpg's public `prepare` bypasses that
    cache, so the first run on the connection would prepare the statement a second time."""
    cached_prepare = getattr(raw, "_prepare", None)
    if cached_prepare is None:  # an asyncpg without it: the public call, one round trip more
        return await raw.prepare(sql)
    return await cached_prepare(sql, use_cache=True)


def _rowcount(status: str) -> int:
    """Rows an INSERT/UPDATE/DELETE touched, from its status ("UPDATE 3"); else 0."""
    last = (status or "").rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class integrity_errors:
    """Raise PostgreSQL's constraint violations as the sqlite3.IntegrityError the repositories
    already handle, worded as SQLite words them ("UNIQUE constraint failed: users.email")."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        if not isinstance(exc, asyncpg.IntegrityConstraintViolationError):
            return None
        table = getattr(exc, "table_name", None) or ""
        column = getattr(exc, "column_name", None) or ""
        if isinstance(exc, asyncpg.UniqueViolationError):
            match = _KEY.search(getattr(exc, "detail", None) or "")
            columns = [c.strip() for c in match.group(1).split(",")] if match else [column]
            text = "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns)
        elif isinstance(exc, asyncpg.ForeignKeyViolationError):
            text = "FOREIGN KEY constraint failed"
        elif isinstance(exc, asyncpg.NotNullViolationError):
            text = f"NOT NULL constraint failed: {table}.{column}"
        else:
            text = f"CHECK constraint failed: {getattr(exc, 'constraint_name', '')}"
        raise sqlite3.IntegrityError(text) from exc
