"""The repositories' SQL made PostgreSQL's: placeholders, LIKE, and the values bound to them.

The SQLite repositories write their SQL in the subset both engines share (ON CONFLICT,
RETURNING, CASE, COALESCE...). What differs only in spelling is translated here once per
statement text (cached): `?` and `:name` become `$n`, and `LIKE` becomes `ILIKE` because
SQLite's LIKE ignores ASCII case and PostgreSQL's does not. What differs in meaning is not
translated: those repositories have a PostgreSQL subclass beside this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = ["Translated", "translate", "bind", "coercers", "row_converters"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Translated:
    """A statement in PostgreSQL's spelling and, for named parameters, their order."""

    __slots__ = ("sql", "names")

    def __init__(self, sql: str, names: tuple[str, ...] | None) -> None:
        self.sql = sql
        self.names = names  # None: positional (`?`)


@lru_cache(maxsize=4096)
def translate(sql: str) -> Translated:
    """`?` -> `$1, $2...`, `:name` -> `$n` (one number per name), LIKE -> ILIKE; quoted text,
    quoted identifiers, comments and `::casts` are left alone."""
    out: list[str] = []
    names: dict[str, int] = {}
    positional = 0
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:  # doubled quote
                end = sql.find(ch, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i:end + 1])
            i = end + 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif ch == "$" and sql.startswith("$$", i):  # a dollar-quoted body
            end = sql.find("$$", i + 2)
            end = n - 2 if end == -1 else end
            out.append(sql[i:end + 2])
            i = end + 2
        elif ch == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
        elif ch == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif ch == ":" and (match := _WORD.match(sql, i + 1)):
            name = match.group()
            number = names.setdefault(name, len(names) + 1)
            out.append(f"${number}")
            i = match.end()
        elif ch.isalpha() or ch == "_":
            match = _WORD.match(sql, i)
            assert match is not None
            word = match.group()
            out.append("ILIKE" if word.upper() == "LIKE" else word)
            i = match.end()
        else:
            out.append(ch)
            i += 1
    if names and positional:
        raise ValueError("a statement mixes ? and :name parameters")
    return Translated("".join(out), tuple(names) if names else None)


def bind(names: tuple[str, ...] | None, params: Iterable[Any] | Mapping[str, Any]
         ) -> list[Any]:
    """The values in `$n` order (`names`: a named statement's, in order; None: positional)."""
    if names is None:
        if isinstance(params, Mapping):
            raise TypeError("positional statement given named parameters")
        return list(params)
    if not isinstance(params, Mapping):
        raise TypeError("named statement given positional parameters")
    return [params[name] for name in names]


Coercer = Callable[[Any], Any]

_INTEGERS = frozenset({"int2", "int4", "int8", "oid"})
_FLOATS = frozenset({"float4", "float8"})
_TEXTS = frozenset({"text", "varchar", "bpchar", "name"})


def _to_int(value: Any) -> Any:
    if value is None or type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (bool, str, Decimal)):
        return int(value)
    return value


def _to_float(value: Any) -> Any:
    if value is None or type(value) is float:
        return value
    if isinstance(value, (int, str, Decimal)):
        return float(value)
    return value


def _to_text(value: Any) -> Any:
    if type(value) is str:
        # PostgreSQL's text holds no NUL (SQLite's does): a NUL from a request becomes U+FFFD,
        # so a lookup finds nothing, as it would in SQLite, instead of failing
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if value is None:
        return value
    if isinstance(value, bool):  # SQLite keeps a bound bool as 1/0
        return "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, bytes):
        return _to_text(value.decode())
    return value


def _to_bool(value: Any) -> Any:
    return value if value is None or type(value) is bool else bool(value)


def _coercer(type_name: str) -> Coercer | None:
    if type_name in _INTEGERS:
        return _to_int
    if type_name in _FLOATS:
        return _to_float
    if type_name in _TEXTS:
        return _to_text
    if type_name == "bool":
        return _to_bool
    return None


def coercers(type_names: Sequence[str]) -> tuple[Coercer | None, ...] | None:
    """Per parameter, what turns a value SQLite would take into one asyncpg encodes (SQLite
    binds any value to any column; asyncpg wants the parameter's own type); None when every
    parameter is left as it is."""
    found = tuple(_coercer(name) for name in type_names)
    return found if any(found) else None


def coerce(values: list[Any], by_position: tuple[Coercer | None, ...] | None) -> list[Any]:
    if by_position is None:
        return values
    return [value if fn is None else fn(value) for fn, value in zip(by_position, values, strict=True)]


def _from_numeric(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _from_bool(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def row_converters(type_names: Sequence[str]) -> tuple[Coercer | None, ...] | None:
    """Per result column, what makes PostgreSQL's value the one SQLite answers: SUM over
    integers is numeric (Decimal) there and a comparison is a boolean, SQLite answers an int."""
    found = tuple(_from_numeric if name == "numeric" else _from_bool if name == "bool" else None
                  for name in type_names)
    return found if any(found) else None
