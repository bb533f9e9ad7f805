"""Persistence only: the Store interface, its records and its backends."""

from __future__ import annotations

from store.errors import Duplicate
from store.interface import Store

__all__ = ["Store", "Duplicate", "open_store"]


def open_store(url: str) -> Store:
    """A Store for `url` (sqlite:///path); not yet opened."""
    if url.startswith("sqlite:///"):
        from store.sqlite.store import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        raise ValueError("the PostgreSQL backend is not built yet; use sqlite:///path")
    raise ValueError(f"unsupported store URL: {url!r}")
