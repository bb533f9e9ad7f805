"""`chorus bench collections`: what dense track orders cost as a collection grows.

Every change to a collection's tracks (handlers.social.collection_tracks) reads its order and
numbers its posts 1..n again in one transaction, writing the rows whose order changes. This
times, in process and through the domain calls Sono's routes make, adding a track at the end
and at the top, moving the last track to the top and removing the top track (the track is
picked before the clock starts), on collections of each size asked (default 10, 1,000 and
5,000 tracks). The baseline, measured in the same run on the same store, is filing one post
the way Openwhyd does (`store.posts.create` with the collection and no order), the write
without the renumbering. Figures are p50 and p99 (nearest rank) in milliseconds, and
p50 / baseline p50.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from array import array
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.fanout import percentile

__all__ = ["add_parser", "run"]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = array("d", sorted(samples))
    return percentile(ordered, 0.5), percentile(ordered, 0.99)


async def _timed(calls: int, call: Callable[[int], Awaitable[Any]],
                 pick: Callable[[], Awaitable[int]]) -> list[float]:
    """Time `call(track id)` `calls` times; `pick` chooses the track first, untimed."""
    samples = []
    for _ in range(calls):
        track_id = await pick()
        start = time.perf_counter()
        await call(track_id)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def _one_size(ctx: Any, me: Any, item: Any, size: int, calls: int
                    ) -> list[tuple[str, int, float, float]]:
    """Each operation `calls` times on a new collection of `size` tracks."""
    from handlers.social import collection_edits, collection_tracks

    made = await collection_edits.create_collection_as(
        ctx, me, collection_edits.NewCollection(title=f"{size} tracks"))
    cid = made.collection.id
    for start in range(0, size, collection_tracks.MAX_BULK):
        count = min(collection_tracks.MAX_BULK, size - start)
        await collection_tracks.add_tracks(ctx, me, cid, [item.id] * count)

    async def first() -> int:
        return (await ctx.store.collections.track_ids(cid))[0]

    async def last() -> int:
        return (await ctx.store.collections.track_ids(cid))[-1]

    async def add(_: int) -> None:
        await collection_tracks.add_track(ctx, me, cid, item.id, 1)

    async def move(track_id: int) -> None:
        await collection_tracks.move_track(ctx, me, cid, track_id, 1)

    async def remove(track_id: int) -> None:
        await collection_tracks.remove_track(ctx, me, cid, track_id)

    async def append(_: int) -> None:
        await collection_tracks.add_track(ctx, me, cid, item.id)

    async def baseline(_: int) -> None:
        await ctx.store.posts.create(user_id=me.user.id, link=item.url, eid=item.eid,
                                     catalog_id=item.id, collection_id=cid)

    rows = []
    for name, op, pick in (("baseline: plain filed post", baseline, first),
                           ("add at the end", append, first), ("add at the top", add, first),
                           ("move last to top", move, last), ("remove the top", remove, first)):
        rows.append((name, size, *_ms(await _timed(calls, op, pick))))
    return rows


async def _measure(data: Path, sizes: list[int], calls: int) -> list[tuple[str, int, float,
                                                                         float]]:
    from aiohttp import web

    from bench.server_chorus import bench_config
    from handlers.api.keys import ctx_key
    from handlers.identity.auth import Principal, start_token_session
    from hub.app import create_app

    app = await create_app(bench_config(data))
    runner = web.AppRunner(app)
    await runner.setup()
    rows: list[tuple[str, int, float, float]] = []
    try:
        ctx = app[ctx_key]
        user = await ctx.store.users.create(username="curator", email="curator@example.com")
        me = Principal(user=user, session_id=(await start_token_session(ctx, user)).session_id)
        item = await ctx.store.catalog.upsert("spotify", "track", "bench", name="Bench",
                                              url="https://open.spotify.com/track/bench",
                                              eid="/sp/bench")
        for size in sizes:
            rows += await _one_size(ctx, me, item, size, calls)
    finally:
        await runner.cleanup()
    return rows


def run(opts: argparse.Namespace) -> None:
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="chorus-bench-collections-",
                                 dir=shm if shm.is_dir() else None))
    try:
        rows = asyncio.run(_measure(base, opts.sizes, opts.calls))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"collections: {opts.calls} calls per operation and size (ms; ratio = p50 / baseline p50"
          " at that size)")
    print(f"  {'operation':<28}{'tracks':>8}{'p50':>9}{'p99':>9}{'ratio':>8}")
    baseline: dict[int, float] = {}
    for name, size, p50, p99 in rows:
        if name.startswith("baseline"):
            baseline[size] = p50
        print(f"  {name:<28}{size:>8}{p50:>9.2f}{p99:>9.2f}{p50 / baseline[size]:>8.1f}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("collections", help="track changes against collection size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 5000],
                        help="collection sizes in tracks (default 10 1000 5000)")
    parser.add_argument("--calls", type=int, default=50, help="calls per operation (default 50)")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if min(args.sizes) < 1 or args.calls < 1:
        raise SystemExit("--sizes and --calls must be at least 1")
    run(args)
    return 0
