"""LRC text (synced lyrics): `[mm:ss.xx]line` lines, ID tags such as `[ar:Artist]` and
`[ti:Title]`. Parsed into timed lines and tags; the plain text is the lines in time order."""

from __future__ import annotations

import re

import msgspec

__all__ = ["LrcLine", "ParsedLrc", "parse_lrc", "is_lrc", "plain_lines"]

_TIME = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
_TAG = re.compile(r"^\[([a-zA-Z#]+):(.*)\]\s*$")


class LrcLine(msgspec.Struct, frozen=True):
    seconds: float
    text: str


class ParsedLrc(msgspec.Struct, frozen=True):
    lines: list[LrcLine]
    tags: dict[str, str]  # lower-case tag names: ar, ti, al, length, offset...

    @property
    def plain(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _seconds(minutes: str, rest: str) -> float:
    return int(minutes) * 60 + float(rest.replace(":", "."))


def parse_lrc(text: str) -> ParsedLrc:
    """Timed lines (a line with several stamps appears once per stamp), sorted by time;
    `[offset:+/-ms]` applied."""
    lines: list[LrcLine] = []
    tags: dict[str, str] = {}
    for raw in text.splitlines():
        raw = raw.strip()
        stamps = list(_TIME.finditer(raw))
        if not stamps:
            tag = _TAG.match(raw)
            if tag:
                tags[tag.group(1).lower()] = tag.group(2).strip()
            continue
        words = raw[stamps[-1].end():].strip()
        for stamp in stamps:
            lines.append(LrcLine(_seconds(stamp.group(1), stamp.group(2)), words))
    try:
        shift = int(tags.get("offset", "0")) / 1000.0
    except ValueError:
        shift = 0.0
    lines = [LrcLine(max(0.0, line.seconds - shift), line.text) for line in lines]
    lines.sort(key=lambda line: line.seconds)
    return ParsedLrc(lines=lines, tags=tags)


def is_lrc(text: str) -> bool:
    """Whether `text` has timed lines."""
    return any(_TIME.match(line.strip()) for line in text.splitlines())


def plain_lines(text: str) -> list[str]:
    """The non-empty lines of plain lyrics, section marks such as `[Chorus]` left out."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not (line.strip().startswith("[") and line.strip().endswith("]"))]
