"""`chorus bench downloads`: N track downloads through Chorus against plain httpx downloads of
the same files, in the same run.

Processes (bench.downloads_roles): a media server serving N copies of one generated WAV of
S bytes; for each repeat, first the baseline (a bare httpx client, C downloads at a time,
each streamed to its own file) and then Chorus (the production app with
`maxConcurrentDownloads` C): this process asks `GET /api/track/download/<id>` for each track
and counts, on the user's websocket (`user:#<id>`), the job pushes until every task has
completed. The downloader side (baseline client, Chorus) runs alone on the last core; the
media server and this process share the first. Files go to /dev/shm when there is one.

Figures: throughput = N*S / (last completion - first request), MB/s, and its ratio to the
baseline (target >= 0.8); progress events per second = pushes of running jobs with progress
over the same span; CPU per download on both sides. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench._sys import cores, cpu_seconds, pin, raise_nofile
from bench.fanout import ROOT, ServerProcess

__all__ = ["add_parser", "run", "Result"]

TARGET = 0.8
MB = 1_000_000


@dataclass
class Result:
    run: int
    files: int
    size: int
    concurrency: int
    plain_s: float = 0.0
    chorus_s: float = 0.0
    plain_mb_s: float = 0.0
    chorus_mb_s: float = 0.0
    ratio: float = 0.0
    completed: int = 0
    progress_events: int = 0
    job_pushes: int = 0
    events_per_s: float = 0.0
    chorus_cpu_ms_per_download: float = 0.0
    plain_cpu_ms_per_download: float = 0.0
    files_written: int = 0


class Role(ServerProcess):
    """A bench.downloads_roles process that serves (READY <port>)."""

    def __init__(self, role: str, core: int | None, *args: str) -> None:
        self._launch(role, [sys.executable, "-m", "bench.downloads_roles", role, *args], core)


def _plain(media: str, opts: argparse.Namespace, out: Path, core: int | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.downloads_roles", "plain", "--url", media,
           "--files", str(opts.files), "--concurrency", str(opts.concurrency), "--out", str(out)]
    if core is not None:
        cmd += ["--core", str(core)]
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, check=True, timeout=600)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


class Pushes:
    """The user's job pushes, as they arrive on the websocket."""

    def __init__(self, files: int) -> None:
        self.files = files
        self.completed: set[str] = set()
        self.failed: dict[str, str] = {}
        self.progress = 0
        self.total = 0
        self.last = 0.0
        self.done = asyncio.Event()

    def take(self, job: dict[str, Any]) -> None:
        self.total += 1
        if job["status"] == "running" and job["progress"].get("bytes"):
            self.progress += 1
        elif job["status"] == "completed":
            self.completed.add(job["id"])
        elif job["status"] in ("failed", "cancelled", "skipped"):
            self.failed[job["id"]] = job.get("error") or job["status"]
        if len(self.completed) + len(self.failed) >= self.files:
            self.last = time.perf_counter()
            self.done.set()


async def _listen(ws: aiohttp.ClientWebSocketResponse, pushes: Pushes) -> None:
    async for msg in ws:
        for line in msg.data.split("\n"):
            data = json.loads(line)
            if data == {}:
                await ws.send_str("{}")  # pong
            elif "push" in data and "pub" in data["push"]:
                event = data["push"]["pub"]["data"]
                if event.get("type") == "job":
                    pushes.take(event["job"])


async def _chorus_run(url: str, token: str, files: int) -> tuple[Pushes, float]:
    pushes = Pushes(files)
    auth = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=32)
    async with aiohttp.ClientSession(connector=connector) as session:
        ws = await session.ws_connect(f"{url}/connection/websocket")
        await ws.send_str(json.dumps({"id": 1, "connect": {"token": token}}))
        reply = json.loads((await ws.receive()).data.split("\n")[0])
        assert "connect" in reply, reply
        listener = asyncio.create_task(_listen(ws, pushes))
        started = time.perf_counter()

        async def ask(i: int) -> None:
            async with session.get(f"{url}/api/track/download/bench{i}", headers=auth) as resp:
                if resp.status != 202:
                    raise RuntimeError(f"download {i}: {resp.status} {await resp.text()}")

        await asyncio.gather(*(ask(i) for i in range(files)))
        await asyncio.wait_for(pushes.done.wait(), 600)
        listener.cancel()
        await ws.close()
    return pushes, started


def measure(run_no: int, opts: argparse.Namespace, media: str, base: Path,
            core: int | None) -> Result:
    result = Result(run=run_no, files=opts.files, size=opts.size,
                    concurrency=opts.concurrency)
    total_mb = opts.files * opts.size / MB
    plain = _plain(media, opts, base / f"plain{run_no}", core)
    result.plain_s = plain["seconds"]
    result.plain_mb_s = total_mb / plain["seconds"]
    result.plain_cpu_ms_per_download = plain["cpu_seconds"] * 1000 / opts.files
    shutil.rmtree(base / f"plain{run_no}", ignore_errors=True)  # both start on an empty disk
    data, out = base / f"data{run_no}", base / f"chorus{run_no}"
    data.mkdir()
    server = Role("chorus", core, "--data", str(data), "--media", media, "--files",
                  str(opts.files), "--concurrency", str(opts.concurrency), "--out", str(out))
    try:
        cpu_before = cpu_seconds(server.pid)
        pushes, started = asyncio.run(_chorus_run(server.url, (data / "token").read_text(),
                                                  opts.files))
        cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        server.stop()
    if pushes.failed:
        print(f"  {len(pushes.failed)} downloads did not complete: "
              f"{next(iter(pushes.failed.values()))}")
    result.chorus_s = pushes.last - started
    result.chorus_mb_s = total_mb / result.chorus_s
    result.ratio = result.chorus_mb_s / result.plain_mb_s
    result.completed = len(pushes.completed)
    result.progress_events, result.job_pushes = pushes.progress, pushes.total
    result.events_per_s = pushes.progress / result.chorus_s
    result.chorus_cpu_ms_per_download = cpu * 1000 / opts.files
    result.files_written = sum(1 for p in out.rglob("*.wav") if p.stat().st_size >= opts.size)
    shutil.rmtree(out, ignore_errors=True)
    return result


def table(r: Result) -> str:
    rows = [("", "plain httpx", "chorus"),
            ("wall time (s)", f"{r.plain_s:.2f}", f"{r.chorus_s:.2f}"),
            ("throughput (MB/s)", f"{r.plain_mb_s:.1f}", f"{r.chorus_mb_s:.1f}"),
            ("chorus / plain", "", f"{r.ratio:.2f} (target >= {TARGET})"),
            ("completed, files written", "", f"{r.completed}, {r.files_written}"),
            ("progress events (per s)", "", f"{r.progress_events} ({r.events_per_s:.0f}/s)"),
            ("job pushes (per s)", "", f"{r.job_pushes} ({r.job_pushes / r.chorus_s:.0f}/s)"),
            ("CPU per download (ms)", f"{r.plain_cpu_ms_per_download:.1f}",
             f"{r.chorus_cpu_ms_per_download:.1f}")]
    return "\n".join(f"  {a:<26}{b:>14}{c:>26}" for a, b, c in rows)


def run(opts: argparse.Namespace) -> list[Result]:
    raise_nofile()
    available = cores()
    worker_core, load_core = (available[-1], available[0]) if len(available) >= 2 else (None,
                                                                                          None)
    pin(load_core)
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="chorus-bench-dl-", dir=shm if shm.is_dir() else None))
    media = Role("media", load_core, "--size", str(opts.size))
    results = []
    try:
        for run_no in range(1, opts.repeat + 1):
            result = measure(run_no, opts, media.url, base, worker_core)
            results.append(result)
            print(f"\ndownloads: {opts.files} tracks of {opts.size / MB:.1f} MB, "
                  f"{opts.concurrency} at a time, run {run_no}/{opts.repeat}; downloader on core "
                  f"{worker_core}, media server and this process on core {load_core}")
            print(table(result), flush=True)
    finally:
        media.stop()
        shutil.rmtree(base, ignore_errors=True)
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("downloads", help="track downloads: Chorus vs plain httpx")
    parser.add_argument("--files", type=int, default=200, help="tracks (default 200)")
    parser.add_argument("--size", type=int, default=4 * 1024 * 1024,
                        help="bytes per track (default 4 MiB)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="downloads at a time, both sides (default 8; Chorus: 1..32)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if args.files < 1 or args.size < 46 or not 1 <= args.concurrency <= 32 or args.repeat < 1:
        raise SystemExit("--files, --repeat >= 1, --size >= 46, --concurrency 1..32")
    run(args)
    return 0
