"""The SQLite-to-PostgreSQL spelling of repository statements (store/postgres/sql.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.postgres.sql import bind, coerce, coercers, row_converters, translate


def test_question_marks_become_numbered_parameters() -> None:
    t = translate("SELECT * FROM users WHERE id = ? AND name = ?")
    assert t.sql == "SELECT * FROM users WHERE id = $1 AND name = $2"
    assert t.names is None


def test_names_become_one_number_each_in_first_use_order() -> None:
    t = translate("SELECT :b, :a, :b::text")
    assert t.sql == "SELECT $1, $2, $1::text"
    assert bind(t.names, {"a": 1, "b": 2}) == [2, 1]


def test_quoted_text_identifiers_and_comments_are_left_alone() -> None:
    t = translate("SELECT '?', 'it''s :x', \"like\" -- why?\nFROM t WHERE a LIKE ?")
    assert t.sql == "SELECT '?', 'it''s :x', \"like\" -- why?\nFROM t WHERE a ILIKE $1"


def test_like_ignores_case_as_in_sqlite() -> None:
    assert translate("name like ? ESCAPE '\\'").sql == "name ILIKE $1 ESCAPE '\\'"
    assert translate("SELECT likes FROM t").sql == "SELECT likes FROM t"


def test_mixed_parameter_styles_are_refused() -> None:
    with pytest.raises(ValueError):
        translate("SELECT ?, :a")


def test_bind_refuses_the_wrong_kind_of_parameters() -> None:
    with pytest.raises(TypeError):
        bind(None, {"a": 1})
    with pytest.raises(TypeError):
        bind(("a",), [1])


def test_values_are_coerced_to_the_parameter_types() -> None:
    by_position = coercers(["int8", "float8", "text", "bool", "bytea"])
    assert coerce([True, 3, 7, 1, b"x"], by_position) == [1, 3.0, "7", True, b"x"]
    assert coerce([2.0, None, False, 0, None], by_position) == [2, None, "0", False, None]
    assert coercers(["bytea", "jsonb"]) is None


def test_a_nul_in_text_becomes_a_replacement_character() -> None:
    """PostgreSQL's text holds no NUL: a NUL from a request is bound as U+FFFD, so a lookup
    finds nothing (as in SQLite) instead of failing."""
    by_position = coercers(["text", "text", "text"])
    assert coerce(["a\x00b", b"\x00", "plain"], by_position) == ["a\ufffdb", "\ufffd", "plain"]


def test_numeric_and_boolean_results_read_as_sqlite_answers_them() -> None:
    converters = row_converters(["numeric", "bool", "text"])
    assert converters is not None
    values = [fn(v) if fn else v for fn, v in zip(converters, [Decimal("12"), True, "x"], strict=True)]
    assert values == [12, 1, "x"] and type(values[0]) is int
    numeric = converters[0]
    assert numeric is not None and numeric(Decimal("1.5")) == 1.5
    assert row_converters(["int8", "text"]) is None
