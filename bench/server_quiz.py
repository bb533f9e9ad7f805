"""Chorus for `chorus bench quiz`: the production app with quiz settings, and its data.

- `python -m bench.server_quiz prepare --data DIR --users N --songs S --tokens FILE`: N
  users with one access token each (bench.server_chorus.prepare) and S catalog tracks by
  S different artists, each with made-up lyrics (so every question can be made).
- `python -m bench.server_quiz serve --data DIR --reveal R [--core C] [--broker URL
  --redis-prefix P]`: serves the app on a free loopback port and prints `READY <port>`
  (bench._serve); with a Redis broker, several of them on one data directory are one hub.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from pathlib import Path

from bench._serve import serve
from bench._sys import pin, raise_nofile
from bench.server_chorus import bench_config, prepare

__all__ = ["seed_songs", "main"]

WORDS = ("night", "river", "light", "dance", "heart", "road", "summer", "fire", "rain",
         "city", "dream", "ocean", "star", "morning", "shadow", "window", "train", "gold",
         "silver", "winter", "wild", "slow", "bright", "falling", "running", "home")
GENRES = ("rock", "pop", "jazz", "folk", "electronic")


def _lyrics(rng: random.Random) -> str:
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 7)))
                     for _ in range(12))


async def seed_songs(data_dir: Path, songs: int) -> None:
    """S tracks ("Tune <n>" by "Band <n>") with lyrics, straight into the store."""
    from store import open_store
    from store.records import Lyrics

    store = open_store(bench_config(data_dir).store_url)
    await store.open()
    rng = random.Random(7)
    try:
        for n in range(songs):
            spotify_id = f"{n:022d}"
            item = await store.catalog.upsert(
                "spotify", "track", spotify_id, url=f"https://open.spotify.com/track/{spotify_id}",
                eid=f"/sp/{spotify_id}", name=f"Tune {n}", artist_names=[f"Band {n}"],
                genres=[GENRES[n % len(GENRES)]], description=f"Tune {n} by Band {n}")
            await store.lyrics.put(Lyrics(catalog_id=item.id, plain=_lyrics(rng),
                                          source="import", fetched_at=1.0))
    finally:
        await store.close()


async def _serve(data: Path, reveal: float, players: int, broker: str, prefix: str) -> None:
    from hub.app import create_app

    shared = {"broker": broker, "redis_prefix": prefix} if broker else {}
    config = bench_config(data, quiz_reveal_seconds=reveal, quiz_max_players=players, **shared)
    await serve(await create_app(config))


def main() -> None:
    parser = argparse.ArgumentParser(description="Chorus server for bench.quiz")
    parser.add_argument("step", choices=("prepare", "serve"))
    parser.add_argument("--data", type=Path, required=True, help="data directory")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--songs", type=int, default=200)
    parser.add_argument("--tokens", type=Path, default=None, help="write tokens here (prepare)")
    parser.add_argument("--reveal", type=float, default=0.5, help="seconds after a reveal")
    parser.add_argument("--players", type=int, default=10, help="players per room at most")
    parser.add_argument("--core", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--broker", default="", help="CHORUS_BROKER (serve; empty: memory)")
    parser.add_argument("--redis-prefix", default="chorus-bench:", help="CHORUS_REDIS_PREFIX")
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    if args.step == "prepare":
        tokens = asyncio.run(prepare(args.data, args.users))
        asyncio.run(seed_songs(args.data, args.songs))
        assert args.tokens is not None
        args.tokens.write_text(json.dumps(tokens))
    else:
        asyncio.run(_serve(args.data, args.reveal, args.players, args.broker,
                           args.redis_prefix))


if __name__ == "__main__":
    main()
