"""The processes of `chorus bench downloads` (bench.downloads runs them):

- `media --size S`: a media server answering `GET /t/<i>.wav` with the same generated WAV
  of S bytes (Content-Length), on a free loopback port (`READY <port>`).
- `plain --url U --files N --concurrency C --out DIR`: the baseline, plain httpx: N streamed
  GETs, C at a time, each written to its own file; prints `{"seconds", "bytes", "files"}`.
- `chorus --data D --media U --files N --concurrency C --out DIR`: the production app
  (hub.app.create_app) with one user, N catalog tracks (Openwhyd `/fi/` links to the media
  server) and the Spotizerr settings `maxConcurrentDownloads` C and `downloadPath` DIR; it
  writes the user's access token to D/token and serves (`READY <port>`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import time
from pathlib import Path

import httpx
from aiohttp import web

from bench._serve import serve
from bench._sys import pin, raise_nofile
from bench.server_chorus import BENCH_SETTINGS

__all__ = ["wav_of_size", "main", "PASSWORD"]

PASSWORD = "Bench-passw0rd!"


def wav_of_size(size: int) -> bytes:
    """A valid mono 16-bit 44.1 kHz WAV of silence, `size` bytes long (at least 46)."""
    data = max(2, size - 44) // 2 * 2
    header = b"RIFF" + struct.pack("<I", 36 + data) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 44100, 88200, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", data) + bytes(data)


async def _media(size: int) -> None:
    body = wav_of_size(size)

    async def track(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="audio/wav")

    app = web.Application()
    app.router.add_get("/t/{name}", track)
    await serve(app)


async def _plain(url: str, files: int, concurrency: int, out: Path) -> dict[str, float]:
    """The baseline: what a bare httpx client does with the same files."""
    out.mkdir(parents=True, exist_ok=True)
    gate = asyncio.Semaphore(concurrency)
    total = 0

    async def one(client: httpx.AsyncClient, i: int) -> None:
        nonlocal total
        async with gate, client.stream("GET", f"{url}/t/{i}.wav") as response:
            response.raise_for_status()
            with open(out / f"{i}.wav", "wb") as handle:
                async for chunk in response.aiter_bytes():
                    handle.write(chunk)
                    total += len(chunk)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(client, i) for i in range(files)))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "bytes": total,
            "files": len(list(out.iterdir()))}


async def _chorus(data: Path, media: str, files: int, concurrency: int, out: Path) -> None:
    from handlers.api.keys import ctx_key
    from handlers.downloads.settings import save_download_settings
    from handlers.identity.accounts import register
    from handlers.identity.auth import start_token_session
    from hub.app import create_app
    from hub.config import load_config
    config = load_config(env={}, **{**BENCH_SETTINGS, "data_dir": str(data),
                                    "allow_private_urls": True})
    app = await create_app(config)

    async def seed(app: web.Application) -> None:
        ctx = app[ctx_key]
        user = await register(ctx, username="bench", password=PASSWORD)
        (data / "token").write_text((await start_token_session(ctx, user)).access_token)
        for i in range(files):
            url = f"{media}/t/{i}.wav"
            await ctx.store.catalog.upsert("file", "audio", f"bench{i}", url=url,
                                           eid=f"/fi/{url}", name=f"Track {i:03d}",
                                           artist_names=["Bench"], album_name="Bench")
        await save_download_settings(ctx, {"maxConcurrentDownloads": concurrency,
                                           "downloadPath": str(out)})

    app.on_startup.append(seed)
    await serve(app)


def main() -> None:
    parser = argparse.ArgumentParser(description="processes of chorus bench downloads")
    parser.add_argument("role", choices=("media", "plain", "chorus"))
    parser.add_argument("--size", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--url", default="")
    parser.add_argument("--media", default="")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--data", type=Path, default=Path("."))
    parser.add_argument("--core", type=int, default=None)
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    if args.role == "media":
        asyncio.run(_media(args.size))
    elif args.role == "plain":
        print(json.dumps(asyncio.run(_plain(args.url, args.files, args.concurrency, args.out))),
              flush=True)
    else:
        asyncio.run(_chorus(args.data, args.media, args.files, args.concurrency, args.out))


if __name__ == "__main__":
    main()
