"""Row <-> record conversion shared by the SQLite repositories."""

from __future__ import annotations

from typing import Any, TypeVar

import aiosqlite
import msgspec

__all__ = ["to_record", "encode_value", "inserted_id", "JSON_COLUMNS"]

T = TypeVar("T", bound=msgspec.Struct)

JSON_COLUMNS = frozenset({"links", "extra", "profile", "artist_names", "genres", "tags"})


def to_record(cls: type[T], row: aiosqlite.Row | None) -> T | None:
    if row is None:
        return None
    data: dict[str, Any] = {}
    for key in row.keys():
        value = row[key]
        if key in JSON_COLUMNS and isinstance(value, str):
            value = msgspec.json.decode(value)
        data[key] = value
    return msgspec.convert(data, cls, strict=False)


def encode_value(key: str, value: Any) -> Any:
    if key in JSON_COLUMNS:
        return msgspec.json.encode(value).decode()
    return value


async def inserted_id(cursor: Any) -> int:
    """The id an `INSERT ... RETURNING id` answered (portable, where `lastrowid` is SQLite's)."""
    row = await cursor.fetchone()
    assert row is not None, "the INSERT answered no id"
    return int(row[0])
