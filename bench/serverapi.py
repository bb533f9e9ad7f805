"""`chorus bench serverapi`: publications per second accepted by Centrifugo's server HTTP API.

One run measures two servers with the same load, each in its own process pinned to the last
core (as bench.fanout does), while the publisher and one websocket subscriber (a bench.loadgen
worker) share the first core:

- *chorus*: the production app (hub.app.create_app, bench.server_chorus settings) with a
  Centrifugo configuration given the way an operator gives it (CENTRIFUGO_* variables):
  namespace `bench` open to anonymous subscribers, history 100 publications / 5 min (each
  publish answers its offset and epoch), and an http_api key;
- *bare*: a few lines of aiohttp answering the same `POST /hub/api/publish` (key compared,
  body decoded with msgspec, `data` framed once into the push the subscriber reads, offset
  counted, `{"result": {...}}` answered) and just enough of connect/subscribe.

Per server: the subscriber connects and subscribes to `bench:feed`; warm-up; then M POSTs of
`{"channel": "bench:feed", "data": <~size B>}` with K in flight. Figures: accepted
publications/s = M / (last answer - first post), POST latency p50/p99, server CPU per
publication, and how many publications the subscriber received (all M, or the run is void).

`python -m bench.serverapi serve chorus|bare [--core C]` is the server process (`READY <port>`).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import shutil
import sys
import tempfile
import time
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path

import msgspec
from aiohttp import web

from bench._serve import serve
from bench._sys import cores, cpu_seconds, pin, raise_nofile
from bench.fanout import ServerProcess, payload, percentile
from bench.loadgen import PhaseReport, Worker, start_workers
from bench.server_bare import bare_websocket_handler

__all__ = ["add_parser", "run", "ApiResult", "make_bare_app", "main"]

SERVERS = ("bare", "chorus")
CHANNEL = "bench:feed"
API_KEY = "bench-server-api-key"
WARM = 200
CENTRIFUGO_ENV = (
    ("CENTRIFUGO_HTTP_API_KEY", API_KEY),
    ("CENTRIFUGO_CHANNEL_NAMESPACES", json.dumps([{
        "name": "bench", "allow_subscribe_for_client": True,
        "allow_subscribe_for_anonymous": True, "history_size": 100, "history_ttl": "300s",
        "force_recovery": True}])),
)


@dataclass
class ApiResult:
    server: str
    run: int
    messages: int
    in_flight: int
    publish_s: float
    accepted_rate: float
    p50_ms: float
    p99_ms: float
    cpu_per_pub_us: float
    server_cpu_busy: float
    delivered: int
    last_delivery_s: float
    notes: list[str] = field(default_factory=list)


# ---- the bare server --------------------------------------------------------------------------


class _Publish(msgspec.Struct):
    channel: str = ""
    data: msgspec.Raw = msgspec.Raw()


def make_bare_app() -> web.Application:
    """The baseline: the same POSTs answered by plain aiohttp, one pre-framed push each."""
    sockets: set[web.WebSocketResponse] = set()
    decode = msgspec.json.Decoder(_Publish).decode
    key = API_KEY.encode()
    offset = 0

    websocket = bare_websocket_handler(sockets)

    async def publish(request: web.Request) -> web.Response:
        nonlocal offset
        if not hmac.compare_digest(key, request.headers.get("X-API-Key", "").encode()):
            return web.Response(status=401)
        req = decode(await request.read())
        offset += 1
        frame = (b'{"push":{"channel":"%s","pub":{"data":%s,"offset":%d}}}'
                 % (req.channel.encode(), bytes(req.data), offset)).decode()
        for ws in list(sockets):
            await ws.send_str(frame)
        return web.Response(body=b'{"result":{"offset":%d,"epoch":"bare"}}' % offset,
                            content_type="application/json")

    app = web.Application()
    app.router.add_get("/connection/websocket", websocket)
    app.router.add_post("/hub/api/publish", publish)
    return app


async def make_chorus_app(data: Path) -> web.Application:
    from bench.server_chorus import bench_config
    from hub.app import create_app

    return await create_app(bench_config(data, centrifugo_env=CENTRIFUGO_ENV))


def main() -> None:
    parser = argparse.ArgumentParser(description="a server for bench.serverapi")
    parser.add_argument("step", choices=("serve",))
    parser.add_argument("kind", choices=SERVERS)
    parser.add_argument("--core", type=int, default=None, help="pin the server to this core")
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    if args.kind == "bare":
        asyncio.run(serve(make_bare_app()))
        return
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    data = Path(tempfile.mkdtemp(prefix="chorus-bench-api-", dir=base))
    try:
        async def chorus() -> None:
            await serve(await make_chorus_app(data))

        asyncio.run(chorus())
    finally:
        shutil.rmtree(data, ignore_errors=True)


class ApiServerProcess(ServerProcess):
    """`python -m bench.serverapi serve <kind>` pinned to `core` (bench.fanout's plumbing)."""

    def __init__(self, kind: str, core: int | None) -> None:
        self._launch(kind, [sys.executable, "-m", "bench.serverapi", "serve", kind], core)


# ---- the publisher ----------------------------------------------------------------------------


def body(phase: str, seq: int, size: int) -> bytes:
    return b'{"channel":"%s","data":%s}' % (CHANNEL.encode(), payload(phase, seq, size))


class _Poster(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection posting one publication at a time: a client far
    cheaper than aiohttp's, so that the publisher's core does not cap the servers."""

    def __init__(self, jobs: _Jobs) -> None:
        self.jobs = jobs
        self.buffer = b""
        self.sent = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._next()

    def _next(self) -> None:
        request = self.jobs.take()
        if request is None:
            assert self.transport is not None
            self.transport.close()
            return
        self.sent = time.monotonic_ns()
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end]
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            answer, self.buffer = self.buffer[head_end + 4:end], self.buffer[end:]
            if not head.startswith(b"HTTP/1.1 200") or b'"result"' not in answer:
                self.jobs.fail(f"publish answered {head[:40]!r}: {answer[:200]!r}")
            self.jobs.latencies.append(time.monotonic_ns() - self.sent)
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.jobs.closed()


class _Jobs:
    """The publications left to post, shared by the connections; done when all are closed."""

    def __init__(self, host: str, port: int, phase: str, count: int, size: int,
                 connections: int) -> None:
        self.head = (f"POST /hub/api/publish HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"X-API-Key: {API_KEY}\r\nContent-Type: application/json\r\n").encode()
        self.phase, self.size = phase, size
        self.seqs = iter(range(count))
        self.latencies = array("q")
        self.open = connections
        self.done = asyncio.get_running_loop().create_future()

    def take(self) -> bytes | None:
        seq = next(self.seqs, None)
        if seq is None:
            return None
        data = body(self.phase, seq, self.size)
        return self.head + b"Content-Length: %d\r\n\r\n" % len(data) + data

    def fail(self, reason: str) -> None:
        if not self.done.done():
            self.done.set_exception(RuntimeError(reason))

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and not self.done.done():
            self.done.set_result(None)


async def publish_all(url: str, phase: str, count: int, size: int, in_flight: int
                      ) -> tuple[float, array]:
    """POST `count` publications over `in_flight` connections, one at a time on each;
    (seconds until the last answer, answer latencies in ns, sorted)."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    loop = asyncio.get_running_loop()
    jobs = _Jobs(host, int(port), phase, count, size, in_flight)
    started = time.monotonic()
    for _ in range(in_flight):
        await loop.create_connection(lambda: _Poster(jobs), host, int(port))
    await jobs.done
    return time.monotonic() - started, array("q", sorted(jobs.latencies))


# ---- one server -------------------------------------------------------------------------------


def _expect(worker: Worker, phase: str, count: int, timeout: float) -> None:
    worker.send("expect", phase, count, timeout)


def measure(kind: str, run_no: int, opts: argparse.Namespace, worker: Worker,
            server_core: int | None) -> ApiResult:
    server = ApiServerProcess(kind, server_core)
    notes: list[str] = []
    try:
        ws_url = server.url.replace("http://", "ws://") + "/connection/websocket"
        worker.send("connect", ws_url, [""], [False], CHANNEL, 1, 30.0)  # one JSON client
        connected = worker.receive(40.0)
        if connected.connected != 1:
            raise RuntimeError(f"{kind}: the subscriber did not connect: {connected.errors}")
        url = server.url + "/hub/api/publish"
        _expect(worker, "warm", WARM, 30.0)
        asyncio.run(publish_all(url, "warm", WARM, opts.size, opts.in_flight))
        if not worker.receive(40.0).complete:
            notes.append("warm-up incomplete")
        timeout = 60 + opts.messages / 1000
        cpu_before = cpu_seconds(server.pid)
        started = time.monotonic_ns()
        _expect(worker, "flood", opts.messages, timeout)
        publish_s, latencies = asyncio.run(
            publish_all(url, "flood", opts.messages, opts.size, opts.in_flight))
        cpu_used = cpu_seconds(server.pid) - cpu_before
        report: PhaseReport = worker.receive(timeout + 10)
        if not report.complete:
            notes.append(f"subscriber got {report.received} of {opts.messages}")
        worker.send("close")
        worker.receive(30.0)
    finally:
        server.stop()
    return ApiResult(
        server=kind, run=run_no, messages=opts.messages, in_flight=opts.in_flight,
        publish_s=publish_s, accepted_rate=opts.messages / publish_s,
        p50_ms=percentile(latencies, 0.50) / 1e6, p99_ms=percentile(latencies, 0.99) / 1e6,
        cpu_per_pub_us=cpu_used / opts.messages * 1e6,
        server_cpu_busy=100 * cpu_used / publish_s, delivered=report.received,
        last_delivery_s=max(0.0, (report.last - started) / 1e9), notes=notes)


# ---- report -----------------------------------------------------------------------------------

ROWS = (
    ("publications accepted per second", "accepted_rate", "{:,.0f}"),
    ("publisher done after (s)", "publish_s", "{:.2f}"),
    ("POST latency p50 (ms)", "p50_ms", "{:.2f}"),
    ("POST latency p99 (ms)", "p99_ms", "{:.2f}"),
    ("server CPU per publication (µs)", "cpu_per_pub_us", "{:.1f}"),
    ("server process CPU (% of a core)", "server_cpu_busy", "{:.0f}"),
    ("publications the subscriber got", "delivered", "{:,}"),
    ("last delivery after (s)", "last_delivery_s", "{:.2f}"),
)


def table(bare: ApiResult, chorus: ApiResult) -> str:
    lines = [f"{'':36}{'bare':>12}{'chorus':>12}{'chorus/bare':>13}"]
    for label, attr, fmt in ROWS:
        b, c = getattr(bare, attr), getattr(chorus, attr)
        ratio = f"{c / b:>12.2f}x" if b else f"{'':>13}"
        lines.append(f"{label:36}{fmt.format(b):>12}{fmt.format(c):>12}{ratio}")
    for result in (bare, chorus):
        lines += [f"  note ({result.server}): {note}" for note in result.notes]
    return "\n".join(lines)


def run(opts: argparse.Namespace) -> list[ApiResult]:
    """Each repeat against both servers; prints a table per repeat."""
    raise_nofile()
    available = cores()
    server_core, load_core = (available[-1], available[0]) if len(available) >= 2 else (None, None)
    pin(load_core)
    [worker] = start_workers(1, load_core)
    results: list[ApiResult] = []
    pinning = (f"server on core {server_core}, publisher and subscriber on core {load_core}"
               if server_core is not None else "not pinned (one core)")
    try:
        for run_no in range(1, opts.repeat + 1):
            pair = [measure(kind, run_no, opts, worker, server_core) for kind in SERVERS]
            results += pair
            print(f"\nserver API publish: M={opts.messages} POSTs, {opts.in_flight} in flight, "
                  f"~{opts.size} B data, one subscriber, run {run_no}/{opts.repeat}; {pinning}")
            print(table(*pair), flush=True)
    finally:
        worker.stop()
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serverapi", help="server API publications/s: Chorus vs bare aiohttp")
    parser.add_argument("--messages", "-m", type=int, default=20000,
                        help="publications posted (default 20000)")
    parser.add_argument("--in-flight", type=int, default=32,
                        help="POSTs in flight at once (default 32)")
    parser.add_argument("--size", type=int, default=150, help="data bytes (default 150)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if args.messages < 1 or args.in_flight < 1 or args.repeat < 1:
        raise SystemExit("--messages, --in-flight and --repeat must be positive")
    run(args)
    return 0


if __name__ == "__main__":
    main()
