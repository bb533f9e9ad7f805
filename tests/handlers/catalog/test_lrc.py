"""LRC parsing: timed lines in time order, several stamps per line, ID tags, offset."""

from __future__ import annotations

from handlers.catalog.lrc import is_lrc, parse_lrc, plain_lines


def test_lines_come_in_time_order_with_their_tags() -> None:
    parsed = parse_lrc("[ar:Artist]\n[ti:Song]\n[00:10.50]Second\n[00:01.00][00:20.00]Again\n")
    assert parsed.tags == {"ar": "Artist", "ti": "Song"}
    assert [(line.seconds, line.text) for line in parsed.lines] == [
        (1.0, "Again"), (10.5, "Second"), (20.0, "Again")]
    assert parsed.plain == "Again\nSecond\nAgain"


def test_offset_moves_every_line() -> None:
    parsed = parse_lrc("[offset:+500]\n[00:02.00]Hi")
    assert parsed.lines[0].seconds == 1.5


def test_plain_text_is_not_lrc_and_section_marks_are_dropped() -> None:
    assert not is_lrc("[Chorus]\nJust words")
    assert is_lrc("[01:02.03] words")
    assert plain_lines("[Chorus]\nJust words\n\n  More  ") == ["Just words", "More"]
