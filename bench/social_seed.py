"""The data of `chorus bench social`, and the stream timed without HTTP (run by bench.social as
separate processes, so that the measured server never held the seeding's memory).

- `python -m bench.social_seed seed --data DIR --users U --posts P --follows F --out FILE`:
  U users through handlers.identity.accounts.register (argon2 at its cheapest) plus one "star" that
  every user follows on top of their F random follows; P posts by random users spread over
  the last 14 days, of 20,000 tracks (file eIds, which need no network; each a catalog item),
  with about one like per two posts. Catalog items, posts, follows and likes go in with bulk
  inserts on the store's own writer connection (bench-only SQL, against the production schema:
  FTS triggers run as usual).
  FILE gets `{"star": {id, token}, "users": [{id, cookie, token}]}`: one browser session and
  one access token each, minted by handlers.identity.auth.
- `python -m bench.social_seed domain --data DIR --users FILE --samples N`: times
  handlers.social.feeds.stream (first page, then the page after it) for N random users, in process;
  prints `{"first": [ns...], "next": [ns...]}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from bench._sys import pin, raise_nofile
from bench.server_chorus import PASSWORD, bench_config

__all__ = ["seed", "time_domain", "main", "TRACKS", "SPAN"]

TRACKS = 20_000
SPAN = 14 * 86400.0  # posts are spread over the last two weeks
LIKES_PER_POST = 0.5
BATCH = 10_000


async def _open_app(data: Path) -> tuple[web.AppRunner, Any]:
    """The production app's context (store, keys, hasher) without a listening socket."""
    from handlers.api.keys import ctx_key
    from hub.app import create_app
    runner = web.AppRunner(await create_app(bench_config(data)))
    await runner.setup()
    return runner, runner.app[ctx_key]


async def _users(ctx: Any, count: int) -> tuple[Any, list[Any]]:
    from handlers.identity.accounts import register

    star = await register(ctx, username="bench-star", password=PASSWORD, name="Star")
    users = [await register(ctx, username=f"bench{i:05d}", password=PASSWORD)
             for i in range(count)]
    return star, users


def _follow_rows(rng: random.Random, ids: list[int], star: int, per_user: int,
                 now: float) -> list[tuple[int, int, float]]:
    rows = []
    for uid in ids:
        others = rng.sample(ids, min(per_user + 1, len(ids)))
        followed = [o for o in others if o != uid][:per_user]
        rows += [(uid, f, now) for f in followed] + [(uid, star, now)]
    return rows


def _post_rows(rng: random.Random, ids: list[int], count: int, now: float,
               like_counts: list[int]) -> list[tuple[Any, ...]]:
    times = sorted(now - rng.random() * SPAN for _ in range(count))
    rows = []
    for i, created in enumerate(times):
        track = rng.randrange(TRACKS)
        link = _track_link(track)
        rows.append((i + 1, rng.choice(ids), link, f"/fi/{link}", f"Bench track {track}",
                     "", created, created, like_counts[i], track + 1))
    return rows


def _track_link(track: int) -> str:
    return f"https://bench.example/tracks/{track}.mp3"


def _catalog_rows(now: float) -> list[tuple[Any, ...]]:
    """One catalog item per track (ids 1..TRACKS), as posting would have made them."""
    return [(t + 1, "file", "audio", _track_link(t), _track_link(t), f"/fi/{_track_link(t)}",
             f"Bench track {t}", f"Audio file {t}.mp3", now, now) for t in range(TRACKS)]


async def _bulk(ctx: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                **options: Any) -> None:
    from store.sqlite.bulk import bulk_insert

    await bulk_insert(ctx.store.db, table, columns, rows, batch=BATCH, **options)


async def seed(data: Path, users: int, posts: int, follows: int, out: Path) -> None:
    from handlers.identity.auth import start_cookie_session, start_token_session

    rng = random.Random(4)
    runner, ctx = await _open_app(data)
    try:
        started = time.monotonic()
        star, people = await _users(ctx, users)
        ids, now = [u.id for u in people], time.time()
        await _bulk(ctx, "follows", ("follower_id", "followee_id", "created_at"),
                    _follow_rows(rng, ids, star.id, follows, now), ignore_duplicates=True)
        likes = {(rng.randrange(posts) + 1, rng.choice(ids))
                 for _ in range(int(posts * LIKES_PER_POST))}
        counts = [0] * posts
        for post_id, _ in likes:
            counts[post_id - 1] += 1
        await _bulk(ctx, "catalog", ("id", "provider", "kind", "provider_id", "url", "eid",
                                     "name", "description", "created_at", "updated_at"),
                    _catalog_rows(now))
        await _bulk(ctx, "posts", ("id", "user_id", "link", "eid", "name", "text", "created_at",
                                   "updated_at", "like_count", "catalog_id"),
                    _post_rows(rng, ids, posts, now, counts))
        await _bulk(ctx, "post_reactions", ("post_id", "user_id", "kind", "created_at"),
                    [(p, u, "like", now) for p, u in likes])
        from store.sqlite.bulk import analyze

        await analyze(ctx.store.db)
        sessions = [{"id": u.id, "cookie": await start_cookie_session(ctx, u),
                     "token": (await start_token_session(ctx, u)).access_token} for u in people]
        star_token = (await start_token_session(ctx, star)).access_token
        out.write_text(json.dumps({"star": {"id": star.id, "token": star_token},
                                   "users": sessions, "seconds": time.monotonic() - started}))
    finally:
        await runner.cleanup()


async def time_domain(data: Path, users_file: Path, samples: int) -> dict[str, list[int]]:
    """Nanoseconds per handlers.social.feeds.stream call: first pages and the pages after them."""
    from handlers import paging
    from handlers.identity.auth import Principal
    from handlers.social import feeds

    people = json.loads(users_file.read_text())["users"]
    rng = random.Random(7)
    runner, ctx = await _open_app(data)
    timings: dict[str, list[int]] = {"first": [], "next": []}
    try:
        for _ in range(samples):
            user = await ctx.store.users.get(rng.choice(people)["id"])
            principal = Principal(user=user, session_id="")
            started = time.perf_counter_ns()
            page = await feeds.stream(ctx, principal, paging.cursor())
            timings["first"].append(time.perf_counter_ns() - started)
            started = time.perf_counter_ns()
            await feeds.stream(ctx, principal, paging.cursor(after=page[-1].post.id))
            timings["next"].append(time.perf_counter_ns() - started)
    finally:
        await runner.cleanup()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description="data and in-process timings of bench.social")
    parser.add_argument("step", choices=("seed", "domain"))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--follows", type=int, default=50)
    parser.add_argument("--out", type=Path, help="seed: where the sessions go")
    parser.add_argument("--users-file", type=Path, help="domain: the seed's output")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--core", type=int, default=None)
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    if args.step == "seed":
        asyncio.run(seed(args.data, args.users, args.posts, args.follows, args.out))
    else:
        print(json.dumps(asyncio.run(time_domain(args.data, args.users_file, args.samples))))


if __name__ == "__main__":
    main()
