"""PostgreSQL's spelling of what store/sqlite/dialect.py names (JSON held in TEXT columns)."""

from __future__ import annotations

from typing import Any

import msgspec

from store.sqlite.dialect import json_key

__all__ = ["PgDialect"]


class PgDialect:
    name = "postgresql"
    # NO KEY: holds the row against other holders and writers, not against rows that refer to it
    for_update = " FOR NO KEY UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def ids_taken(self, table: str) -> str | None:
        # an identity column's sequence does not see explicit ids: the next default would
        # collide with them
        return (f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")

    def json_value(self, column: str, *path: str | int) -> str:
        """The JSON scalar at `path`, as text; one array index is spelled as the expression
        indexes use (catalog_first_artist: `artist_names::json ->> 0`)."""
        if len(path) == 1 and isinstance(path[0], int):
            return f"({column}::json ->> {path[0]})"
        steps = ",".join(str(json_key(k)) for k in path)
        return f"({column}::jsonb #>> '{{{steps}}}')"

    def json_number(self, column: str, *path: str | int) -> str:
        return f"{self.json_value(column, *path)}::numeric"

    def json_elements(self, column: str, alias: str) -> str:
        return (f" CROSS JOIN LATERAL jsonb_array_elements_text({column}::jsonb) "
                f"AS {alias}(value)")

    def json_equals(self, column: str, key: str) -> str:
        return f"({column}::jsonb -> '{json_key(key)}') = CAST(? AS jsonb)"

    def json_param(self, value: Any) -> Any:
        return msgspec.json.encode(value).decode()

    def position(self, text: str, part: str) -> str:
        return f"strpos({text}, {part})"
