"""The names clients give uploaded files: display text only, never a path on disk."""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["FILENAME_MAX", "display_name"]

FILENAME_MAX = 255


def display_name(name: str | None) -> str:
    """The client's file name as display text: percent-escapes decoded, its last path segment
    (either slash), no control characters, at most FILENAME_MAX characters."""
    text = unquote(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if c.isprintable()).strip()
    return text[:FILENAME_MAX]
