"""Errors a store backend raises."""

from __future__ import annotations

__all__ = ["Duplicate"]


class Duplicate(Exception):
    """A unique column (named by `column`) already holds the value."""

    def __init__(self, column: str) -> None:
        super().__init__(f"duplicate {column}")
        self.column = column
