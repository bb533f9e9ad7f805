"""Turning what a user typed into a safe FTS5 query with prefix matching."""

from __future__ import annotations

import re

__all__ = ["fts_query"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, max_tokens: int = 8) -> str:
    """`coco jam` -> `"coco"* "jam"*` (every word must match, each as a prefix); "" if none.

    Quoting every token keeps FTS5 operators (AND, NEAR, ^, :, -) in user input inert.
    """
    tokens = _TOKEN.findall(text or "")[:max_tokens]
    return " ".join(f'"{token}"*' for token in tokens)
