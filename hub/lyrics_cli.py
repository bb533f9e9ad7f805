"""`chorus lyrics import DIR`: lyrics files (.lrc, .txt) read into the store from the command
line, on the store directly (the server may be stopped); one line per file on stdout, then a
summary (handlers.catalog.lyrics_import)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from handlers.catalog.lyrics_import import import_lyrics_dir
from handlers.errors import Invalid
from hub.app import build_context, close_context
from hub.config import Config
from hub.import_cli import Offline, local_store

__all__ = ["run_lyrics_import"]


async def run_lyrics_import(config: Config, folder: Path, *, out: TextIO = sys.stdout,
                            err: TextIO = sys.stderr) -> int:
    """Import `folder`; exit status 0, 1 when some file matched no track, 2 on a bad folder."""
    if not folder.is_dir():
        err.write(f"chorus lyrics import: {folder} is not a folder\n")
        return 2
    async with local_store(config) as store:
        ctx = build_context(config, store, Offline())
        try:
            report = await import_lyrics_dir(ctx, folder)
        except Invalid as exc:
            err.write(f"chorus lyrics import: {exc.message}\n")
            return 2
        finally:
            await close_context(ctx)
    for done in report.imported:
        out.write(f"imported  {done.path}  ->  {done.track} (track {done.track_id})\n")
    for skipped in report.skipped:
        out.write(f"unmatched {skipped.path}: {skipped.reason}\n")
    out.write(f"{len(report.imported)} imported, {len(report.skipped)} not matched\n")
    return 1 if report.skipped else 0
