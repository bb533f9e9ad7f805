"""`chorus migrate --from sqlite:///... --to postgresql://...`: an embedded install's store
copied into an empty PostgreSQL store (store/copy.py), with the row counts of every table in
both printed after, and a non-zero exit when one differs or the copy was refused."""

from __future__ import annotations

import sys
from typing import TextIO

from store import open_store
from store.copy import CopyRefused, copy_store
from store.postgres.store import PgStore
from store.sqlite.store import SqliteStore

__all__ = ["run_copy"]


async def run_copy(source_url: str, target_url: str, out: TextIO = sys.stdout,
                   err: TextIO = sys.stderr) -> int:
    source, target = open_store(source_url), open_store(target_url)
    if not isinstance(source, SqliteStore) or not isinstance(target, PgStore):
        print("chorus migrate: --from takes sqlite:///path and --to postgresql://...", file=err)
        return 2
    await source.open()
    try:
        await target.open()
        try:
            counts = await copy_store(source, target,
                                      lambda table, n: print(f"\r{table}: {n}", end="", file=err))
        except CopyRefused as exc:
            print(f"\nchorus migrate: nothing copied: {exc}", file=err)
            return 1
        finally:
            await target.close()
    finally:
        await source.close()
    print(file=err)
    width = max((len(c.table) for c in counts), default=5)
    print(f"{'table':<{width}}  {'sqlite':>10}  {'postgresql':>10}", file=out)
    for c in counts:
        mark = "" if c.matches else "  MISMATCH"
        print(f"{c.table:<{width}}  {c.source:>10}  {c.target:>10}{mark}", file=out)
    bad = [c.table for c in counts if not c.matches]
    if bad:
        print(f"chorus migrate: counts differ in {', '.join(bad)}", file=err)
        return 1
    print(f"copied {sum(c.target for c in counts)} rows in {len(counts)} tables", file=out)
    return 0
