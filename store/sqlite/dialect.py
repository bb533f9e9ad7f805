"""What the repositories' SQL spells differently per engine, in one place: JSON reads over the
TEXT columns that hold JSON. SQLite's spelling here; PostgreSQL's in store/postgres/dialect.py.
The database object carries its dialect (`db.dialect`)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SqliteDialect", "json_key"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_key(key: str | int) -> str | int:
    """A JSON object key or array index safe to spell inside SQL (keys come from code)."""
    if isinstance(key, int) or _KEY.fullmatch(key):
        return key
    raise ValueError(f"not a plain JSON key: {key!r}")


class SqliteDialect:
    name = "sqlite"
    # a read that holds its rows until the transaction ends: a transaction already holds the
    # one writer in SQLite
    for_update = ""
    # a claim's subquery: rows another transaction holds are left to it (one engine-wide
    # writer makes this empty in SQLite)
    skip_locked = ""

    def ids_taken(self, table: str) -> str | None:
        """A statement that moves `table`'s id counter past ids inserted explicitly (bulk
        loads); None where the engine does it itself (SQLite's next rowid is max + 1)."""
        return None

    def json_value(self, column: str, *path: str | int) -> str:
        """The JSON scalar at `path` (a number stays a number, text stays text)."""
        steps = "".join(f"[{k}]" if isinstance(k, int) else f".{k}"
                        for k in map(json_key, path))
        return f"json_extract({column}, '${steps}')"

    def json_number(self, column: str, *path: str | int) -> str:
        return self.json_value(column, *path)

    def json_elements(self, column: str, alias: str) -> str:
        """A join adding `alias`.value: each text element of the JSON array in `column`."""
        return f" JOIN json_each({column}) {alias}"

    def json_equals(self, column: str, key: str) -> str:
        """A condition with one `?`: the object's `key` equals the bound value (see
        `json_param`)."""
        return f"{self.json_value(column, key)} = ?"

    def json_param(self, value: Any) -> Any:
        return value

    def position(self, text: str, part: str) -> str:
        """Where `part` first starts in `text`, from 1 (0 when it is not there)."""
        return f"instr({text}, {part})"
