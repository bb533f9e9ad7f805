"""Persistence only: the Store interface, its records and its backends."""

from __future__ import annotations

from typing import Protocol

from store.errors import Duplicate
from store.interface import ChartRepo, Store

__all__ = ["Store", "Duplicate", "open_store", "open_kworb"]


def open_store(url: str) -> Store:
    """A Store for `url` (sqlite:///path, or postgresql://user@host:port/db with optional
    `?schema=NAME&pool=N`); not yet opened."""
    if url.startswith("sqlite:///"):
        from store.sqlite.store import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from store.postgres.store import PgStore

        return PgStore(url)
    raise ValueError(f"unsupported store URL: {url!r}")


class ClosableCharts(ChartRepo, Protocol):
    """Charts read from a database of their own, closed with the app."""

    async def close(self) -> None: ...


async def open_kworb(url: str) -> ClosableCharts | None:
    """A Kworb scraper's database (sqlite:///path), opened read-only; None when `url` is empty."""
    if not url:
        return None
    if not url.startswith("sqlite:///"):
        raise ValueError(f"KWORB_DATABASE_URL must be sqlite:///path, not {url!r}")
    from store.sqlite.charts import ExternalCharts

    charts = ExternalCharts(url.removeprefix("sqlite:///"))
    await charts.open()
    return charts
