"""The chunked JSON-array reader: the same rows as a whole-document parse, whatever the chunk size
and wherever `}` and `,` fall inside strings; refusals of what is not one array."""

from __future__ import annotations

import io
import json
from typing import Any

import msgspec
import pytest

from handlers.listening.json_stream import JSONStreamError, first_row, iter_array

ROWS: list[dict[str, Any]] = [
    {"a": 1, "s": "plain"},
    {"a": 2, "s": "braces } }, { and \"quotes\" and \\ backslash }"},
    {"a": 3, "s": "}, {\"a\": 99}"},
    {"a": 4, "nested": {"x": [1, {"y": "}"}]}, "s": "ü ☃"},
    {"a": 5, "s": "}"},
]
DECODE = msgspec.json.Decoder(list[dict[str, Any]]).decode


def rows_of(data: bytes, chunk: int, **kwargs: Any) -> list[dict[str, Any]]:
    return [row for rows in iter_array(io.BytesIO(data), DECODE, chunk=chunk, **kwargs) for row in rows]


@pytest.mark.parametrize("indent", [None, 2])
def test_every_chunk_size_reads_the_rows_a_whole_parse_reads(indent: int | None) -> None:
    data = b"\xef\xbb\xbf \n" + json.dumps(ROWS, indent=indent, ensure_ascii=False).encode() + b"\n"

    for chunk in range(1, len(data) + 2):
        assert rows_of(data, chunk) == ROWS, chunk


def test_no_list_is_empty() -> None:
    data = json.dumps(ROWS).encode()

    assert all(rows for rows in iter_array(io.BytesIO(data), DECODE, chunk=7))


@pytest.mark.parametrize("data", [b"[]", b" [ ] \n", b"[\n]"])
def test_an_empty_array_has_no_rows(data: bytes) -> None:
    assert rows_of(data, 1) == []
    assert first_row(io.BytesIO(data)) is None


@pytest.mark.parametrize("data, says", [
    (b"", "empty document"),
    (b"   ", "empty document"),
    (b'{"a": 1}', "a JSON object, not a list of rows"),
    (b"hello", "not JSON"),
    (b'[{"a": 1}, {"a": 2}', "truncated"),
    (b'[{"a": 1}, {"a": 2', "truncated"),
    (b'[{"a": 1} {"a": 2}]', "not separated by commas"),
    (b'[{"a": 1},]', "a comma before the closing bracket"),
    (b'[{"a": 1}, {"a": }]', "malformed JSON"),
    (b'[{"a": 1}] trailing', "truncated"),
])
def test_what_is_not_one_array_is_refused(data: bytes, says: str) -> None:
    for chunk in (1, 4, 1 << 20):
        with pytest.raises(JSONStreamError) as err:
            rows_of(data, chunk)
        assert says in str(err.value), chunk


def test_a_row_longer_than_the_pending_limit_is_refused() -> None:
    data = json.dumps([{"a": "x" * 5_000}, {"a": 1}]).encode().replace(b'"x', b'x', 1)  # broken string

    with pytest.raises(JSONStreamError) as err:
        rows_of(data, 256, max_pending=1_000)

    assert "malformed JSON after byte 0" in str(err.value)


def test_first_row_reads_only_the_first_object() -> None:
    stream = io.BytesIO(json.dumps(ROWS[1:]).encode() + b"garbage that is never read")

    assert first_row(stream) == ROWS[1]


@pytest.mark.parametrize("data, says", [(b"[1, 2]", "rows are not objects"), (b'[{"a": "', "no readable row"),
                                        (b"[", "stops before its end")])
def test_first_row_refuses_what_has_no_object_first(data: bytes, says: str) -> None:
    with pytest.raises(JSONStreamError) as err:
        first_row(io.BytesIO(data))

    assert says in str(err.value)


def test_first_row_gives_up_past_its_limit() -> None:
    data = json.dumps([{"a": "x" * 1_000}]).encode()

    with pytest.raises(JSONStreamError):
        first_row(io.BytesIO(data), limit=100)
