"""Chorus under load: the production app (hub.app.create_app) plus a bench-only publish route.

Two steps, run by bench.fanout as separate processes so that creating the users does not
leave freed memory behind in the server whose RSS is measured:

- `python -m bench.server_chorus prepare --data DIR --users N --tokens FILE`: creates N users
  through handlers.identity.accounts.register (argon2 at its cheapest: 1 pass over 8 KiB, so
  thousands take seconds) and mints one access token each with
  handlers.identity.auth.start_token_session, written to FILE as a JSON list.
- `python -m bench.server_chorus serve --data DIR [--core C] [--profile FILE]`: serves the app
  on a free loopback port and prints `READY <port>`. `POST /bench/publish` hands the body
  (JSON bytes) to `app[node_key].publish("hot", body)`, the server API domain code uses.
  With `--profile`, `POST /bench/profile/start` and `/stop` run cProfile around a phase and
  write the stats to FILE (binary pstats) and FILE.txt (top functions).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from bench._serve import serve
from bench._sys import pin, raise_nofile

__all__ = ["bench_config", "prepare", "make_app", "main", "CHANNEL"]

CHANNEL = "hot"  # anyone may subscribe; history on (20 publications), as in production
PASSWORD = "Bench-passw0rd!"

# Production settings except: cheapest argon2 (only user creation hashes), no HTTP rate
# limits (one publisher posts thousands of times), tokens valid for a day (the tokens file
# is reused across runs), and a long pong timeout: a load generator that lags seconds behind
# a flood reads the ping late, which is the load generator's fault, not the server's.
BENCH_SETTINGS: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 8,
    "rate_limit": 0,
    "endpoint_rate_limits": False,
    "access_token_ttl": 24 * 3600,
    "ws_pong_timeout": 120.0,
    "log_level": "WARNING",
}


def bench_config(data_dir: Path, **overrides: Any):  # type: ignore[no-untyped-def]
    from hub.config import load_config

    return load_config(env={}, **{**BENCH_SETTINGS, "data_dir": str(data_dir), **overrides})


async def prepare(data_dir: Path, users: int) -> list[str]:
    """Create `users` accounts and return one access token for each."""
    from handlers.api.keys import ctx_key
    from handlers.identity.accounts import register
    from handlers.identity.auth import start_token_session
    from hub.app import create_app
    app = await create_app(bench_config(data_dir))
    runner = web.AppRunner(app)
    await runner.setup()  # runs the cleanup contexts: store, keys, hasher
    try:
        ctx = app[ctx_key]
        tokens = []
        for i in range(users):
            username = f"bench{i:05d}"
            user = await ctx.store.users.by_username(username)
            if user is None:
                user = await register(ctx, username=username, password=PASSWORD)
            tokens.append((await start_token_session(ctx, user)).access_token)
        return tokens
    finally:
        await runner.cleanup()


def _profile_routes(app: web.Application, path: Path) -> None:
    profiler = cProfile.Profile()

    async def start(request: web.Request) -> web.Response:
        profiler.enable()
        return web.Response(status=204)

    async def stop(request: web.Request) -> web.Response:
        profiler.disable()
        profiler.dump_stats(path)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(40)
        Path(f"{path}.txt").write_text(out.getvalue())
        return web.Response(status=204)

    app.router.add_post("/bench/profile/start", start)
    app.router.add_post("/bench/profile/stop", stop)


async def make_app(data_dir: Path, profile: Path | None = None,
                   **overrides: Any) -> web.Application:
    """`overrides`: Config fields (the broker and its Redis prefix)."""
    from hub.app import create_app
    from hub.keys import node_key

    app = await create_app(bench_config(data_dir, **overrides))
    node = app[node_key]

    async def publish(request: web.Request) -> web.Response:
        await node.publish(CHANNEL, await request.read())
        return web.Response(status=204)

    app.router.add_post("/bench/publish", publish)
    if profile is not None:
        _profile_routes(app, profile)
    return app


async def _serve(data: Path, profile: Path | None, **overrides: Any) -> None:
    await serve(await make_app(data, profile, **overrides))


def main() -> None:
    parser = argparse.ArgumentParser(description="Chorus server for bench.fanout")
    parser.add_argument("step", choices=("prepare", "serve"))
    parser.add_argument("--data", type=Path, default=None, help="data directory")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--tokens", type=Path, default=None, help="write tokens here (prepare)")
    parser.add_argument("--core", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile stats file")
    parser.add_argument("--broker", default="", help="CHORUS_BROKER (default: memory)")
    parser.add_argument("--redis-prefix", default="chorus:", help="CHORUS_REDIS_PREFIX")
    parser.add_argument("--store", default="", help="CHORUS_STORE (default: SQLite in --data)")
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    data = args.data or Path(tempfile.mkdtemp(prefix="chorus-bench-"))
    if args.step == "prepare":
        tokens = asyncio.run(prepare(data, args.users))
        text = json.dumps(tokens)
        if args.tokens is None:
            print(text)
        else:
            args.tokens.write_text(text)
    else:
        asyncio.run(_serve(data, args.profile, broker=args.broker,
                           redis_prefix=args.redis_prefix, store=args.store))


if __name__ == "__main__":
    main()
