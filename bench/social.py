"""`chorus bench social`: stream (feed) page latency and post-to-follower push latency.

1. Seed (bench.social_seed, its own process): U users (default 1,000), P posts (100,000) and F
   follows each (50), plus one "star" whom every user follows.
2. Stream in process: handlers.social.feeds.stream for S random users, the first page and the page
   after it (`after` = its last post), timed around the domain call (own process, pinned to
   the server's core).
3. Stream over HTTP: the production app (bench.server_chorus) on the server's core; this
   process sends `GET /stream?format=json` (then `&after=<last id>`) with each sampled user's
   session cookie, one request at a time, and times each response in full.
4. Push: U websocket clients (bench.loadgen workers, one per user, each with its own access
   token; subscribed to `nowplaying:<star>`, which followers may watch) stay connected; the
   star posts K tracks through Openwhyd's `POST /api/post` (action=insert), one at a time,
   and each follower's feed item on `user:#<uid>` is timed from just before the POST was
   sent to its arrival (one monotonic clock for every process).

5. With --store postgresql://..., the seeded store is copied into that (empty) PostgreSQL
   store (store.copy, as `chorus migrate --from --to` does) and step 3 runs again on a server
   using it: the stream page p50/p99 on PostgreSQL against SQLite, in the same run.

Figures are p50/p99 (nearest rank); the stream target is p99 <= 20 ms. Loopback only,
bounded in count and time. See bench/README.md for the pinning and the load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench._sys import cores, pin, raise_nofile
from bench.fanout import ROOT, ServerProcess, percentile
from bench.loadgen import Worker, start_workers

__all__ = ["add_parser", "run", "Options", "Result"]

STREAM_TARGET_MS = 20.0
CONNECT_CONCURRENCY = 64


@dataclass
class Options:
    users: int
    posts: int
    follows: int
    samples: int
    pushes: int
    procs: int
    json: Path | None
    store: str = ""  # postgresql://... for the PostgreSQL leg (step 5)


@dataclass
class Result:
    users: int
    posts: int
    follows: int
    seed_s: float = 0.0
    domain_first: list[float] = field(default_factory=list)  # p50, p99 (ms)
    domain_next: list[float] = field(default_factory=list)
    http_first: list[float] = field(default_factory=list)
    http_next: list[float] = field(default_factory=list)
    http_rps: float = 0.0
    connected: int = 0
    push: list[float] = field(default_factory=list)  # p50, p99, max (ms) over deliveries
    push_last: list[float] = field(default_factory=list)  # p50, max of the slowest per post
    delivered: int = 0
    pg_first: list[float] = field(default_factory=list)  # step 5: /stream on PostgreSQL
    pg_next: list[float] = field(default_factory=list)
    pg_copy_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def _ms(ns_values: Sequence[int], quantiles: Sequence[float]) -> list[float]:
    values = array("q", sorted(ns_values))
    return [round(percentile(values, q) / 1e6, 2) for q in quantiles]


def _python(module: str, *args: str, core: int | None, timeout: float) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", module, *args]
    if core is not None:
        cmd += ["--core", str(core)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=timeout,
                          stdout=subprocess.PIPE)
    return done.stdout.decode()


# ---- stream over HTTP -----------------------------------------------------------------------


async def _get(session: aiohttp.ClientSession, url: str, cookie: str,
               params: dict[str, str]) -> tuple[int, list[Any]]:
    started = time.perf_counter_ns()
    async with session.get(url, params=params,
                           headers={"Cookie": f"chorus_session={cookie}"}) as resp:
        body = await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"/stream answered {resp.status}: {body[:200]!r}")
    return time.perf_counter_ns() - started, json.loads(body)


async def http_stream(base: str, people: list[dict[str, Any]], samples: int
                      ) -> tuple[list[int], list[int], float]:
    """(first-page ns, next-page ns, requests per second), one request at a time."""
    rng = random.Random(7)
    first: list[int] = []
    after: list[int] = []
    url = base + "/stream"
    async with aiohttp.ClientSession() as session:
        for person in people[:5]:  # warm-up: connection, caches
            await _get(session, url, person["cookie"], {"format": "json"})
        started = time.monotonic()
        for _ in range(samples):
            person = rng.choice(people)
            took, page = await _get(session, url, person["cookie"], {"format": "json"})
            first.append(took)
            took, _ = await _get(session, url, person["cookie"],
                                 {"format": "json", "after": page[-1]["_id"]})
            after.append(took)
        elapsed = time.monotonic() - started
    return first, after, 2 * samples / elapsed


# ---- post-to-follower push ------------------------------------------------------------------


def _connect(workers: Sequence[Worker], url: str, tokens: list[str], channel: str,
             timeout: float) -> int:
    ws_url = url.replace("http://", "ws://") + "/connection/websocket"
    for i, worker in enumerate(workers):
        share = tokens[i::len(workers)]
        worker.send("connect", ws_url, share, [False] * len(share), channel,
                    CONNECT_CONCURRENCY, timeout)  # JSON clients
    reports = [w.receive(timeout + 5) for w in workers]
    return sum(r.connected for r in reports)


async def _post(base: str, token: str, seq: int) -> None:
    link = f"https://bench.example/live/{seq}.mp3"
    async with aiohttp.ClientSession() as session, session.post(
            base + "/api/post", headers={"Authorization": f"Bearer {token}"},
            data={"action": "insert", "eId": f"/fi/{link}", "name": f"Live {seq}"}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"posting answered {resp.status}: {await resp.text()}")


def push_latency(workers: Sequence[Worker], base: str, star: dict[str, Any], count: int,
                 result: Result) -> tuple[list[int], list[int]]:
    """Every delivery's latency (ns), and per post the slowest one."""
    # A feed item carries no timing of its own: the load generator files it under phase ""
    # with "latency" = its arrival time, and posts go one at a time (the next only once
    # every follower got this one), so each post's deliveries are the new arrivals.
    seen = [0] * len(workers)
    every: list[int] = []
    slowest: list[int] = []
    for seq in range(count):
        sent = time.monotonic_ns()
        asyncio.run(_post(base, star["token"], seq))
        for worker in workers:
            worker.send("expect", "", seq + 1, 30.0)
        arrivals: list[int] = []
        for i, worker in enumerate(workers):
            report = worker.receive(40.0)
            got = array("q")
            got.frombytes(report.latencies)
            arrivals += [t - sent for t in got[seen[i]:]]
            seen[i] = len(got)
            if not report.complete:
                result.notes.append(f"post {seq}: only {report.received} deliveries seen")
        every += arrivals
        slowest.append(max(arrivals, default=0))
    return every, slowest


# ---- the run --------------------------------------------------------------------------------


def _measure_server(opts: Options, data: Path, sessions: dict[str, Any], result: Result,
                    server_core: int | None, load_core: int | None) -> None:
    people, star = sessions["users"], sessions["star"]
    server = ServerProcess("chorus", server_core, data, None)
    workers: list[Worker] = []
    try:
        first, after, rps = asyncio.run(http_stream(server.url, people, opts.samples))
        result.http_first, result.http_next = _ms(first, (.5, .99)), _ms(after, (.5, .99))
        result.http_rps = round(rps, 1)
        workers = start_workers(opts.procs, load_core)
        result.connected = _connect(workers, server.url, [p["token"] for p in people],
                                    f"nowplaying:{star['id']}", 60 + opts.users / 20)
        every, slowest = push_latency(workers, server.url, star, opts.pushes, result)
        result.delivered = len(every)
        result.push = _ms(every, (.5, .99, 1.0))
        result.push_last = _ms(slowest, (.5, 1.0))
        for worker in workers:
            worker.send("close")
            worker.receive(60)
    finally:
        for worker in workers:
            worker.stop()
        server.stop()


async def _copy_to(data: Path, url: str) -> None:
    from store.copy import copy_store
    from store.postgres.store import PgStore
    from store.sqlite.store import SqliteStore

    source, target = SqliteStore(data / "chorus.db"), PgStore(url)
    await source.open()
    await target.open()
    try:
        counts = await copy_store(source, target)
        bad = [c.table for c in counts if not c.matches]
        if bad:
            raise RuntimeError(f"copy counts differ in {bad}")
    finally:
        await target.close()
        await source.close()


async def _drop(url: str) -> None:
    from store.postgres.store import PgStore

    await PgStore(url).drop()


def _measure_postgres(opts: Options, data: Path, sessions: dict[str, Any], result: Result,
                      server_core: int | None) -> None:
    """Step 5: the same stream pages on a server whose store is the PostgreSQL copy."""
    # a schema of this run's own in the given database, dropped after
    url = f"{opts.store}{'&' if '?' in opts.store else '?'}schema=chorus_bench_{os.getpid()}"
    started = time.monotonic()
    asyncio.run(_copy_to(data, url))
    result.pg_copy_s = round(time.monotonic() - started, 1)
    try:
        server = ServerProcess("chorus", server_core, data, None, extra=["--store", url])
        try:
            first, after, _ = asyncio.run(http_stream(server.url, sessions["users"],
                                                      opts.samples))
            result.pg_first, result.pg_next = _ms(first, (.5, .99)), _ms(after, (.5, .99))
        finally:
            server.stop()
    finally:
        asyncio.run(_drop(url))


def run(opts: Options) -> Result:
    raise_nofile()
    available = cores()
    server_core, load_core = (available[-1], available[0]) if len(available) >= 2 else (None, None)
    pin(load_core)
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    data = Path(tempfile.mkdtemp(prefix="chorus-bench-social-", dir=base))
    result = Result(users=opts.users, posts=opts.posts, follows=opts.follows)
    try:
        print(f"seeding {opts.users:,} users, {opts.posts:,} posts, {opts.follows} follows "
              "each ...", flush=True)
        started = time.monotonic()
        out = data / "sessions.json"
        _python("bench.social_seed", "seed", "--data", str(data), "--users", str(opts.users),
                "--posts", str(opts.posts), "--follows", str(opts.follows), "--out", str(out),
                core=server_core, timeout=600)
        result.seed_s = round(time.monotonic() - started, 1)
        sessions = json.loads(out.read_text())
        timings = json.loads(_python(
            "bench.social_seed", "domain", "--data", str(data), "--users-file", str(out),
            "--samples", str(opts.samples), core=server_core, timeout=600))
        result.domain_first = _ms(timings["first"], (.5, .99))
        result.domain_next = _ms(timings["next"], (.5, .99))
        _measure_server(opts, data, sessions, result, server_core, load_core)
        if opts.store:
            _measure_postgres(opts, data, sessions, result, server_core)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(report(result, opts, server_core, load_core), flush=True)
    if opts.json is not None:
        opts.json.write_text(json.dumps(asdict(result), indent=2))
    return result


def report(r: Result, opts: Options, server_core: int | None, load_core: int | None) -> str:
    pinning = (f"server on core {server_core}, clients on core {load_core}"
               if server_core is not None else "not pinned (one core)")
    ok = "ok" if max(r.domain_first[1], r.domain_next[1], r.http_first[1],
                     r.http_next[1]) <= STREAM_TARGET_MS else "MISSED"
    lines = [
        f"\nsocial: {r.users:,} users, {r.posts:,} posts, {r.follows} follows each "
        f"(+1 star followed by all); seeded in {r.seed_s:.1f} s; {pinning}",
        f"{'':46}{'p50 ms':>10}{'p99 ms':>10}",
        f"{'stream page 1, feeds.stream in process':46}{r.domain_first[0]:>10}"
        f"{r.domain_first[1]:>10}",
        f"{'stream page 2 (after=), in process':46}{r.domain_next[0]:>10}{r.domain_next[1]:>10}",
        f"{'GET /stream?format=json, page 1 (HTTP)':46}{r.http_first[0]:>10}{r.http_first[1]:>10}",
        f"{'GET /stream?format=json&after=, page 2':46}{r.http_next[0]:>10}{r.http_next[1]:>10}",
        f"  stream target: p99 <= {STREAM_TARGET_MS:g} ms  {ok}  ({opts.samples} users sampled; "
        f"HTTP one request at a time: {r.http_rps} req/s)",
        f"post -> follower push, {r.connected:,} followers connected, {opts.pushes} posts: "
        f"p50 {r.push[0]} ms, p99 {r.push[1]} ms, max {r.push[2]} ms "
        f"({r.delivered:,} deliveries); last follower reached after p50 {r.push_last[0]} ms, "
        f"max {r.push_last[1]} ms",
    ]
    if r.pg_first:
        lines += [
            f"PostgreSQL ({opts.store.split('@')[-1]}), the same store copied in "
            f"{r.pg_copy_s:.1f} s:",
            f"{'GET /stream?format=json, page 1 (HTTP)':46}{r.pg_first[0]:>10}{r.pg_first[1]:>10}"
            f"   p99 {r.pg_first[1] / max(r.http_first[1], 1e-9):.2f}x SQLite's",
            f"{'GET /stream?format=json&after=, page 2':46}{r.pg_next[0]:>10}{r.pg_next[1]:>10}"
            f"   p99 {r.pg_next[1] / max(r.http_next[1], 1e-9):.2f}x SQLite's",
        ]
    lines += [f"  note: {n}" for n in r.notes]
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("social", help="stream page latency and post-to-follower pushes")
    parser.add_argument("--users", type=int, default=1000, help="users (default 1,000)")
    parser.add_argument("--posts", type=int, default=100_000, help="posts (default 100,000)")
    parser.add_argument("--follows", type=int, default=50, help="follows per user (default 50)")
    parser.add_argument("--samples", type=int, default=1000,
                        help="users whose stream is read, two pages each (default 1,000)")
    parser.add_argument("--pushes", type=int, default=20, help="posts by the star (default 20)")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.add_argument("--store", default="",
                        help="postgresql://... (empty): also time the stream pages on a copy of "
                             "the seeded store there, against SQLite in the same run")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if min(args.users, args.posts, args.samples, args.pushes, args.procs) < 1 or args.follows < 0:
        raise SystemExit("--users, --posts, --samples, --pushes and --procs must be positive")
    if args.follows >= args.users:
        raise SystemExit("--follows must be smaller than --users")
    run(Options(users=args.users, posts=args.posts, follows=args.follows, samples=args.samples,
                pushes=args.pushes, procs=args.procs, json=args.json, store=args.store))
    return 0
