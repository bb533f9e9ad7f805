"""`chorus import --user NAME FILE...`: Spotify exports read into a user's listens from the
command line, on the store directly (the server may be stopped), with a progress bar on
stderr and a summary on stdout. The same reader and rules as the upload
(handlers.listening.imports)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

from handlers.listening.imports import ImportTally, import_export
from handlers.listening.spotify_export import ExportError, count_rows, sniff
from hub.app import build_context, close_context
from hub.config import Config
from hub.heap import frozen_heap
from store import open_store
from store.interface import Store

__all__ = ["run_import", "ProgressBar", "summary_line", "Offline", "local_store"]

BAR_WIDTH = 30
REDRAW_EVERY = 0.2  # seconds between two bars at most


@asynccontextmanager
async def local_store(config: Config) -> AsyncIterator[Store]:
    """The configured store, opened for a command-line command (its data folder made first)
    and closed after it."""
    config.data_path.mkdir(parents=True, exist_ok=True)
    store = open_store(config.store_url)
    await store.open()
    try:
        with frozen_heap():  # a long import: collections walk only what it allocates
            yield store
    finally:
        await store.close()


class Offline:
    """The realtime hub when there is none: pushes go nowhere (no one is connected here)."""

    async def publish(self, channel: str, data: Any) -> Any:
        return None

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        return None

    async def publish_to_users(self, user_ids: Sequence[int], data: Any) -> None:
        return None

    async def presence(self, channel: str) -> dict[str, Any]:
        return {}

    async def disconnect_session(self, user_id: int, session_id: str, reason: str) -> int:
        return 0

    async def disconnect_user(self, user_id: int, reason: str) -> int:
        return 0


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """`name [#####-----]  12,000/50,000 rows  24.0%  8,000 rows/s  ETA 0:00:04` on one
    line of `out`, redrawn at most every REDRAW_EVERY seconds and at the end."""

    def __init__(self, name: str, total: int, out: TextIO, *, start_rows: int = 0) -> None:
        self.name, self.total, self.out = name, total, out
        self.started = time.monotonic()
        self._start_rows = start_rows
        self._drawn = 0.0

    def line(self, rows: int, now: float) -> str:
        share = min(1.0, rows / self.total) if self.total else 1.0
        filled = round(share * BAR_WIDTH)
        elapsed = max(now - self.started, 1e-6)
        rate = (rows - self._start_rows) / elapsed
        eta = _duration((self.total - rows) / rate) if rate > 0 and rows < self.total else "0:00:00"
        return (f"{self.name} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
                f"{rows:,}/{self.total:,} rows  {share * 100:5.1f}%  {rate:,.0f} rows/s  ETA {eta}")

    def report(self, tally: ImportTally) -> None:
        self.update(tally.rows)

    def update(self, rows: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._drawn < REDRAW_EVERY:
            return
        self._drawn = now
        self.out.write("\r" + self.line(rows, now) + ("\n" if final else ""))
        self.out.flush()


def summary_line(name: str, tally: ImportTally) -> str:
    return (f"{name}: {tally.rows:,} rows read, {tally.added:,} listens added, "
            f"{tally.duplicates:,} duplicates, {tally.dropped:,} dropped by rule")


def _check(path: Path) -> int:
    sniff(path)
    return count_rows(path)


async def run_import(config: Config, username: str, files: list[Path], *,
                     out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Import `files` for user `username`; the exit status (2: unknown user, a missing file or
    one that is not an export, checked before anything is imported)."""
    totals: list[int] = []
    for path in files:
        try:
            totals.append(await asyncio.to_thread(_check, path))
        except (ExportError, OSError) as exc:
            err.write(f"chorus import: {path}: {exc}\n")
            return 2
    async with local_store(config) as store:
        user = await store.users.by_username(username)
        if user is None:
            err.write(f"chorus import: no user named {username!r}\n")
            return 2
        ctx = build_context(config, store, Offline())
        try:
            overall = ImportTally()
            for path, total in zip(files, totals, strict=True):
                bar = ProgressBar(path.name, total, err)
                try:
                    tally = await import_export(ctx, user.id, path, report=bar.report)
                except ExportError as exc:
                    err.write(f"\nchorus import: {path}: {exc}\n")
                    return 1
                bar.update(tally.rows, final=True)
                out.write(summary_line(path.name, tally) + "\n")
                overall = ImportTally(rows=overall.rows + tally.rows, added=overall.added + tally.added,
                                      duplicates=overall.duplicates + tally.duplicates,
                                      dropped=overall.dropped + tally.dropped)
            if len(files) > 1:
                out.write(summary_line("total", overall) + "\n")
        finally:
            await close_context(ctx)
    return 0
