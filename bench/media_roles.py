"""The servers `chorus bench media` measures, each in its own process
(`python -m bench.media_roles chorus|plain DIR [--core N]`), saying `READY <port>`:

- chorus: the production app (hub.app.create_app) on DIR, HTTP rate limits off, argon2 at
  its cheapest (the bench signs one user in), uploads up to 1 GiB and 100,000 per user;
- plain: a few lines of aiohttp: `POST /upload` streams the multipart file field to a file
  in DIR with the same chunk size and thread hand-off as Chorus, `GET /file/{name}` answers
  aiohttp's FileResponse of it (Range included).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
from pathlib import Path

from aiohttp import BodyPartReader, web

from bench._serve import serve
from bench._sys import pin

__all__ = ["plain_app", "chorus_app"]

CHUNK = 256 * 1024


def plain_app(folder: Path) -> web.Application:
    async def upload(request: web.Request) -> web.Response:
        reader = await request.multipart()
        part = await reader.next()
        assert isinstance(part, BodyPartReader)
        name = f"{secrets.token_hex(8)}.bin"
        size = 0
        with (folder / name).open("wb") as out:
            while chunk := await part.read_chunk(CHUNK):
                size += len(chunk)
                await asyncio.to_thread(out.write, chunk)
        return web.json_response({"name": name, "size": size}, status=201)

    async def get_file(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(folder / request.match_info["name"])

    app = web.Application()
    app.router.add_post("/upload", upload)
    app.router.add_get("/file/{name}", get_file)
    return app


async def chorus_app(folder: Path) -> web.Application:
    from hub.app import create_app
    from hub.config import load_config

    config = load_config(env={}, data_dir=str(folder), rate_limit=0, endpoint_rate_limits=False,
                         argon2_time_cost=1, argon2_memory_kib=256, log_level="WARNING",
                         audio_max_bytes=1 << 30, audio_max_uploads=100_000)
    return await create_app(config)


async def _main(role: str, folder: Path) -> None:
    logging.basicConfig(level=logging.WARNING)
    folder.mkdir(parents=True, exist_ok=True)
    app = await chorus_app(folder) if role == "chorus" else plain_app(folder)
    await serve(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("chorus", "plain"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--core", type=int, default=None)
    args = parser.parse_args()
    pin(args.core)
    asyncio.run(_main(args.role, args.folder))


if __name__ == "__main__":
    main()
