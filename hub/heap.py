"""The garbage collector and a long-running process: what the process allocated while it
started (modules, routes, the store's connections, caches) is frozen (`gc.freeze`: moved to a
generation the collector never scans) for as long as it serves, and thawed when it stops.

A full collection then walks only what requests and jobs allocated since, not the whole
program: at a million listens, collections cost an import about 10% of its CPU time and put
the slowest overview calls behind a walk of every object the app holds.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from aiohttp import web

__all__ = ["frozen_heap", "frozen_startup_heap"]


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Every object alive now is left out of collections until the block ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def frozen_startup_heap(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context registered after every other: the app as it started stays frozen
    while it serves."""
    with frozen_heap():
        yield
