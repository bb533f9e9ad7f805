"""`chorus charts import FILE... [--chart NAME] [--scraped-at ISO]`: Kworb charts (CSV, or
kworb.net pages saved as HTML) loaded into the store, each file replacing its chart
(handlers.media.charts_import). The server may be running: the store takes the write."""

from __future__ import annotations

import sys
from pathlib import Path

from handlers.errors import DomainError
from handlers.media.charts_import import load_chart
from hub.config import Config
from hub.import_cli import local_store

__all__ = ["run_charts_import"]


async def run_charts_import(config: Config, files: list[Path], chart: str | None,
                            scraped_at: str | None) -> int:
    status = 0
    async with local_store(config) as store:
        for path in files:
            try:
                name, count = await load_chart(store.charts, path, chart, scraped_at)
            except (DomainError, OSError) as exc:
                print(f"{path}: {getattr(exc, 'message', exc)}", file=sys.stderr)
                status = 1
                continue
            print(f"{path}: {count} rows into {name}")
    return status
