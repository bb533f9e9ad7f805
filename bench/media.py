"""`chorus bench media`: Sono audio uploads and Range streams through Chorus against a plain
aiohttp handler doing the same I/O, in the same run.

Two servers in their own processes (bench.media_roles), both up at once on the last core when
there are two or more (this client on the first), taken in turn request by request (uploads)
and 50-request batch by batch (ranges), the order swapped each turn, so the machine's other
load falls on both alike; files in /dev/shm when there is one. For each repeat:
- *upload*: `--uploads` times, one WAV of `--size-mb` MB posted as multipart, one at a time:
  Chorus's `POST /api/v1/audio/upload` (slot, streamed write, type by bytes, mutagen, rename,
  row and catalog item) against the plain handler streaming the part to a file. Throughput
  = bytes / wall time of the request, MB/s (1 MB = 10^6 bytes), the median upload reported.
- *range*: `--requests` GETs of `--range-kb` KiB at random offsets of that file,
  `--concurrency` at a time: Chorus's `GET /api/v1/audio/{id}/stream` with a bearer token
  (auth, row, visibility, then FileResponse) against FileResponse alone. MB/s and
  requests/s over the whole batch.
Ratios are Chorus / plain. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench._sys import cores, pin
from bench.fanout import ServerProcess

__all__ = ["add_parser", "run", "Result"]

MB = 1_000_000
BATCH = 50  # Range requests per turn of a side
PASSWORD = "Bench-passw0rd!"


@dataclass
class Result:
    run: int
    size_bytes: int
    uploads: int
    chorus_upload_mb_s: float = 0.0
    plain_upload_mb_s: float = 0.0
    upload_ratio: float = 0.0
    range_requests: int = 0
    range_bytes: int = 0
    chorus_range_mb_s: float = 0.0
    plain_range_mb_s: float = 0.0
    chorus_range_req_s: float = 0.0
    plain_range_req_s: float = 0.0
    range_ratio: float = 0.0


class Role(ServerProcess):
    def __init__(self, role: str, folder: Path, core: int | None) -> None:
        self._launch(role, [sys.executable, "-m", "bench.media_roles", role, str(folder)], core)


def make_wav(path: Path, size: int) -> None:
    """A silent 16-bit mono WAV of about `size` bytes (a valid file for mutagen)."""
    frames = max((size - 44) // 2, 1)
    block = b"\x00\x00" * 65536
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        while frames > 0:
            step = min(frames, 65536)
            w.writeframes(block[:step * 2])
            frames -= step


async def _post_file(session: aiohttp.ClientSession, url: str, path: Path,
                     headers: dict[str, str]) -> tuple[float, dict[str, Any]]:
    with path.open("rb") as fh:
        form = aiohttp.FormData()
        form.add_field("file", fh, filename="bench.wav", content_type="audio/wav")
        started = time.perf_counter()
        async with session.post(url, data=form, headers=headers) as resp:
            body = await resp.json()
            elapsed = time.perf_counter() - started
            if resp.status != 201:
                raise RuntimeError(f"upload answered {resp.status}: {body}")
    return elapsed, body


async def _sign_in(session: aiohttp.ClientSession, base: str) -> dict[str, str]:
    user = {"username": "bench", "email": "bench@example.com", "password": PASSWORD}
    async with session.post(f"{base}/api/v1/users/", json=user) as resp:
        assert resp.status == 201, await resp.text()
    async with session.post(f"{base}/api/v1/users/token",
                            data={"username": "bench", "password": PASSWORD}) as resp:
        token = (await resp.json())["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def _ranges(session: aiohttp.ClientSession, url: str, headers: dict[str, str],
                  size: int, opts: argparse.Namespace) -> tuple[float, int]:
    span = opts.range_kb * 1024
    rng = random.Random(7)
    starts = [rng.randrange(0, max(size - span, 1)) for _ in range(opts.requests)]
    queue = list(starts)
    received = 0

    async def worker() -> None:
        nonlocal received
        while queue:
            start = queue.pop()
            ranged = {**headers, "Range": f"bytes={start}-{start + span - 1}"}
            async with session.get(url, headers=ranged) as resp:
                assert resp.status == 206, resp.status
                body = await resp.read()
            received += len(body)  # after the await: `x += await ...` would lose updates

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(opts.concurrency)))
    return time.perf_counter() - started, received


class _Side:
    """One server as the client sees it: where to upload, the file to read back, its headers."""

    def __init__(self, base: str, chorus: bool) -> None:
        self.base, self.chorus = base, chorus
        self.upload_url = f"{base}/api/v1/audio/upload" if chorus else f"{base}/upload"
        self.headers: dict[str, str] = {}
        self.file_url = ""
        self.upload_s: list[float] = []
        self.range_s = 0.0
        self.range_bytes = 0

    async def upload(self, session: aiohttp.ClientSession, wav: Path) -> None:
        elapsed, body = await _post_file(session, self.upload_url, wav, self.headers)
        self.upload_s.append(elapsed)
        self.file_url = (f"{self.base}{body['file_url']}" if self.chorus
                         else f"{self.base}/file/{body['name']}")

    async def ranges(self, session: aiohttp.ClientSession, size: int,
                     opts: argparse.Namespace) -> None:
        elapsed, received = await _ranges(session, self.file_url, self.headers, size, opts)
        self.range_s += elapsed
        self.range_bytes += received


async def _measure(plain: _Side, chorus: _Side, wav: Path, opts: argparse.Namespace) -> None:
    """Both servers in turn, request by request (uploads) and batch by batch (ranges), so
    that the machine's other load falls on both alike."""
    timeout = aiohttp.ClientTimeout(total=600)
    size = wav.stat().st_size
    async with aiohttp.ClientSession(timeout=timeout) as session:
        chorus.headers = await _sign_in(session, chorus.base)
        for n in range(opts.uploads):
            for side in ((plain, chorus) if n % 2 == 0 else (chorus, plain)):
                await side.upload(session, wav)
        warm = argparse.Namespace(**{**vars(opts), "requests": 20})
        batch = argparse.Namespace(**{**vars(opts), "requests": BATCH})
        for side in (plain, chorus):
            await _ranges(session, side.file_url, side.headers, size, warm)
        for n in range(max(opts.requests // BATCH, 1)):
            for side in ((plain, chorus) if n % 2 == 0 else (chorus, plain)):
                await side.ranges(session, size, batch)


def measure(run_no: int, opts: argparse.Namespace, work: Path, wav: Path,
            server_core: int | None) -> Result:
    size = wav.stat().st_size
    servers = [Role("plain", work / "plain", server_core),
               Role("chorus", work / "chorus", server_core)]
    try:
        plain, chorus = _Side(servers[0].url, False), _Side(servers[1].url, True)
        asyncio.run(_measure(plain, chorus, wav, opts))
    finally:
        for server in servers:
            server.stop()
        for folder in ("plain", "chorus"):
            shutil.rmtree(work / folder, ignore_errors=True)
    requests = max(opts.requests // BATCH, 1) * BATCH
    result = Result(run=run_no, size_bytes=size, uploads=opts.uploads, range_requests=requests,
                    range_bytes=chorus.range_bytes)
    result.plain_upload_mb_s = size / statistics.median(plain.upload_s) / MB
    result.chorus_upload_mb_s = size / statistics.median(chorus.upload_s) / MB
    result.upload_ratio = result.chorus_upload_mb_s / result.plain_upload_mb_s
    result.plain_range_mb_s = plain.range_bytes / plain.range_s / MB
    result.chorus_range_mb_s = chorus.range_bytes / chorus.range_s / MB
    result.plain_range_req_s = requests / plain.range_s
    result.chorus_range_req_s = requests / chorus.range_s
    result.range_ratio = result.chorus_range_mb_s / result.plain_range_mb_s
    return result


def _print(results: list[Result], opts: argparse.Namespace) -> None:
    print(f"upload: {opts.uploads} x {opts.size_mb} MB, one at a time (median MB/s); "
          f"range: {opts.requests} x {opts.range_kb} KiB, {opts.concurrency} at a time")
    print(f"{'run':>3}  {'upload chorus':>13} {'plain':>8} {'ratio':>6}   "
          f"{'range chorus':>12} {'plain':>8} {'ratio':>6}   {'req/s chorus':>12} {'plain':>8}")
    for r in results:
        print(f"{r.run:>3}  {r.chorus_upload_mb_s:>13.1f} {r.plain_upload_mb_s:>8.1f} "
              f"{r.upload_ratio:>6.2f}   {r.chorus_range_mb_s:>12.1f} {r.plain_range_mb_s:>8.1f} "
              f"{r.range_ratio:>6.2f}   {r.chorus_range_req_s:>12.0f} {r.plain_range_req_s:>8.0f}")


def run(opts: argparse.Namespace) -> list[Result]:
    available = cores()
    server_core = available[-1] if len(available) >= 2 else None
    pin(available[0] if len(available) >= 2 else None)
    parent = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    work = Path(tempfile.mkdtemp(prefix="chorus-bench-media-", dir=parent))
    try:
        wav = work / "bench.wav"
        make_wav(wav, opts.size_mb * MB)
        results = [measure(n, opts, work, wav, server_core) for n in range(1, opts.repeat + 1)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print(results, opts)
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("media", help="audio upload and Range streams: Chorus vs plain "
                                          "aiohttp")
    parser.add_argument("--size-mb", type=int, default=50, help="upload size, MB (default 50)")
    parser.add_argument("--uploads", type=int, default=5, help="uploads per side (default 5)")
    parser.add_argument("--requests", type=int, default=400,
                        help="Range requests per side (default 400)")
    parser.add_argument("--range-kb", type=int, default=256, help="KiB per range (default 256)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="Range requests at a time (default 8)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if min(args.size_mb, args.uploads, args.requests, args.range_kb, args.concurrency,
           args.repeat) < 1 or args.range_kb * 1024 >= args.size_mb * MB:
        raise SystemExit("every option >= 1, and a range smaller than the file")
    run(args)
    return 0
