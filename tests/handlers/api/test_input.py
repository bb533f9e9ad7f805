"""The dialects' one integer reader: handlers.paging.parse_whole_number and _input.int_param."""

from __future__ import annotations

import pytest

from handlers.api._input import int_param
from handlers.errors import Invalid, NotFound
from handlers.paging import parse_whole_number


@pytest.mark.parametrize(("value", "expected"), [
    ("42", 42), (" 7 ", 7), (3, 3), (4.0, 4), ("-2", None), ("+5", None), ("1_000", None),
    ("--5", None), ("²", None), ("4.5", None), (4.5, None), (True, None), ("", None),
    (None, None), ([1], None), (str(2**63), None),
])
def test_parse_whole_number(value, expected):
    assert parse_whole_number(value) == expected


def test_parse_whole_number_bounds():
    assert parse_whole_number("-2", low=-5, high=5) == -2
    assert parse_whole_number("6", low=-5, high=5) is None
    assert parse_whole_number("9" * 30, low=None, high=None) == int("9" * 30)


def test_int_param_default_error_and_range():
    error = Invalid("limit must be a whole number", code="invalid_limit")
    assert int_param(None, error, default=10) == 10
    assert int_param("  ", error, default=10) == 10
    assert int_param("3", error, default=10, low=1, high=5) == 3
    with pytest.raises(Invalid):
        int_param("6", error, default=10, low=1, high=5)
    with pytest.raises(NotFound):
        int_param("", NotFound("post not found", code="post_not_found"))
