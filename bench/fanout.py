"""`chorus bench fanout`: Chorus against a bare aiohttp server, one channel fanned out to N clients.

For each repeat, the bare server (bench.server_bare) and then Chorus (bench.server_chorus)
run as separate processes pinned to the last core, while the load generator
(bench.loadgen: worker processes) and the publisher run on the first. Against each server:

1. N clients connect (Chorus: with a token) and subscribe to `hot`, in two halves: connect
   time is from the first attempt to the last subscribe reply of each half, summed; RSS one
   second after each half: the RSS growth over the second half / its clients is the RSS per
   idle connection (a slope: the first connections' one-time costs do not count).
2. Warm-up: 3 publications, every client must receive them.
3. Flood: M publications posted as fast as the server answers (a few POSTs in flight);
   delivered messages per second = N*M / (last arrival - first post); server CPU per
   delivered message from /proc/<pid>/stat before and after.
4. Paced: P publications at R per second; latency = arrival - send time embedded in the
   payload: p50, p99 and max over every delivery.

With `--broker redis://...` the pair is Chorus on the memory broker (the baseline) and Chorus
on that Redis (server `chorus+broker`), and the Redis server's own CPU per delivered message
is shown too (Redis on this machine: its pid from INFO).

Bounded in count and time; loopback only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import shutil
import signal
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

from bench._sys import core_busy_seconds, cores, cpu_seconds, pin, raise_nofile, rss_bytes
from bench.loadgen import ConnectReport, PhaseReport, Worker, start_workers

__all__ = ["add_parser", "run", "Result", "Options"]

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ("bare", "chorus")
CHANNEL = "hot"
WARM_MESSAGES = 3
CONNECT_CONCURRENCY = 64  # per worker: keeps the listen backlog from overflowing
READY_TIMEOUT = 60.0


@dataclass
class Options:
    clients: int
    messages: int
    rate: float | None
    size: int
    repeat: int
    procs: int
    in_flight: int
    paced_messages: int | None
    profile: Path | None
    json: Path | None
    encoding: str = "json"
    broker: str = ""  # --broker: compare Chorus on it with Chorus on the memory broker
    redis_prefix: str = ""


@dataclass
class Result:
    server: str
    run: int
    clients: int
    connected: int
    connect_s: float
    rss_per_conn_kb: float
    flood_messages: int
    flood_delivered: int
    flood_publish_s: float
    flood_s: float
    flood_rate: float
    cpu_per_msg_us: float
    flood_cpu_busy: float
    flood_core_busy: float
    core_per_msg_us: float
    paced_rate: float
    paced_messages: int
    paced_delivered: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    closed: int
    notes: list[str] = field(default_factory=list)
    broker_cpu_per_msg_us: float = 0.0  # the Redis server's CPU (chorus+broker only)
    # --broker: paced publications made on a second Chorus process on the same Redis, received
    # by the clients of the first (on the memory broker: the same-process figures, its baseline)
    cross_p50_ms: float = 0.0
    cross_p99_ms: float = 0.0


# ---- servers ---------------------------------------------------------------------------------


class ServerProcess:
    """A server in its own process, pinned to `core`; `port` once it said READY."""

    def __init__(self, kind: str, core: int | None, data: Path, profile: Path | None,
                 extra: Sequence[str] = ()) -> None:
        cmd = [sys.executable, "-m", f"bench.server_{kind}"]
        if kind == "chorus":
            cmd += ["serve", "--data", str(data), *extra]
            if profile is not None:
                cmd += ["--profile", str(profile)]
        self._launch(kind, cmd, core)

    def _launch(self, kind: str, cmd: list[str], core: int | None) -> None:
        """Start `cmd` (pinned to `core`) from the checkout and wait for its READY line."""
        if core is not None:
            cmd = [*cmd, "--core", str(core)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.kind = kind
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE)
        self.pid = self.process.pid
        self.port = self._wait_ready()
        self.url = f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> int:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], READY_TIMEOUT)
        line = self.process.stdout.readline().decode() if ready else ""
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"{self.kind} server did not start: {line!r}")
        return int(line.split()[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def prepare_tokens(clients: int, data: Path) -> list[str]:
    """Create the Chorus users and their access tokens (its own process; see server_chorus)."""
    tokens_file = data / "tokens.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "bench.server_chorus", "prepare", "--data", str(data),
                    "--users", str(clients), "--tokens", str(tokens_file)],
                   cwd=ROOT, env=env, check=True, timeout=60 + clients * 0.05)
    tokens: list[str] = json.loads(tokens_file.read_text())
    return tokens


# ---- publisher -------------------------------------------------------------------------------


def payload(phase: str, seq: int, size: int) -> bytes:
    """~`size` bytes of JSON carrying the phase, sequence number and send time (monotonic ns)."""
    head = b'{"ph":"%s","s":%d,"t":%d,"pad":"' % (phase.encode(), seq, time.monotonic_ns())
    return head + b"x" * max(0, size - len(head) - 2) + b'"}'


async def _post(session: aiohttp.ClientSession, url: str, body: bytes) -> None:
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
        if resp.status >= 300:
            raise RuntimeError(f"publish answered {resp.status}: {await resp.text()}")


async def flood(url: str, phase: str, count: int, size: int, in_flight: int) -> float:
    """Post `count` publications, `in_flight` at a time, as fast as the server answers;
    returns the seconds it took."""
    started = time.monotonic()
    seqs = iter(range(count))

    async def poster(session: aiohttp.ClientSession) -> None:
        for seq in seqs:
            await _post(session, url, payload(phase, seq, size))

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(poster(session) for _ in range(in_flight)))
    return time.monotonic() - started


async def paced(url: str, phase: str, count: int, size: int, rate: float) -> float:
    """Post `count` publications at `rate` per second on a fixed schedule (no drift)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with aiohttp.ClientSession() as session:
        posts = []
        for seq in range(count):
            delay = started + seq / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(_post(session, url, payload(phase, seq, size))))
        await asyncio.gather(*posts)
    return loop.time() - started


async def _post_empty(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        await _post(session, url, b"")


# ---- one server under load -------------------------------------------------------------------


def _ask_all(workers: Sequence[Worker], commands: Sequence[tuple], timeout: float) -> list:
    for worker, command in zip(workers, commands, strict=True):
        worker.send(*command)
    deadline = time.monotonic() + timeout
    return [worker.receive(deadline - time.monotonic() + 5) for worker in workers]


def protobuf_flags(encoding: str, count: int) -> list[bool]:
    """Which of `count` clients speak protobuf: none, all, or every other one ("mixed")."""
    if encoding == "mixed":
        return [i % 2 == 1 for i in range(count)]
    return [encoding == "protobuf"] * count


def _connect(workers: Sequence[Worker], url: str, tokens: Sequence[str], encoding: str,
             timeout: float) -> list[ConnectReport]:
    ws_url = url.replace("http://", "ws://") + "/connection/websocket"
    flags = protobuf_flags(encoding, len(tokens))
    commands = [("connect", ws_url, list(tokens[i::len(workers)]), flags[i::len(workers)],
                 CHANNEL, CONNECT_CONCURRENCY, timeout) for i in range(len(workers))]
    return _ask_all(workers, commands, timeout)


def _expect(workers: Sequence[Worker], phase: str, count: int, timeout: float) -> None:
    for worker in workers:
        worker.send("expect", phase, count, timeout)


def _collect(workers: Sequence[Worker], timeout: float) -> list[PhaseReport]:
    deadline = time.monotonic() + timeout
    return [worker.receive(deadline - time.monotonic() + 5) for worker in workers]


def percentile(values: array, q: float) -> float:
    """The q-quantile (0..1) of sorted `values` by nearest rank; 0 when empty."""
    if not values:
        return 0.0
    return float(values[min(len(values) - 1, int(q * len(values)))])


def _latencies(reports: Sequence[PhaseReport]) -> array:
    merged = array("q")
    for report in reports:
        merged.frombytes(report.latencies)
    return array("q", sorted(merged))


def paced_count(opts: Options, rate: float) -> int:
    """Paced publications: --paced-messages, else M capped at about ten seconds' worth."""
    if opts.paced_messages is not None:
        return opts.paced_messages
    return max(1, min(opts.messages, max(20, int(rate * 10))))


class _Load:
    """One server process under the workers' load; each phase adds figures and notes."""

    def __init__(self, server: ServerProcess, workers: Sequence[Worker], opts: Options,
                 tokens: list[str], server_core: int | None) -> None:
        self.server, self.workers, self.opts, self.core = server, workers, opts, server_core
        self.tokens = tokens
        self.publish_url = server.url + "/bench/publish"
        self.figures: dict[str, Any] = {}
        self.notes: list[str] = []
        self.connected = 0
        self.broker_pid: int | None = None

    def connect(self) -> None:
        """Connect and subscribe every client, in two halves; the RSS per idle connection is
        the slope over the second half (RSS idle a second after each), so what the first
        connections cost once (code run the first time, pools, caches) is not counted."""
        time.sleep(0.5)
        half = len(self.tokens) // 2
        timeout = 60 + self.opts.clients / 20
        phases, rss = [], [rss_bytes(self.server.pid)]
        for tokens in (self.tokens[:half], self.tokens[half:]):
            if tokens:
                phases.append(_connect(self.workers, self.server.url, tokens,
                                       self.opts.encoding, timeout))
                time.sleep(1.0)
            rss.append(rss_bytes(self.server.pid))
        reports = [r for phase in phases for r in phase]
        self.notes += [f"{r.failed} connects failed, e.g. {r.errors[:2]}" for r in reports
                       if r.failed]
        first = sum(r.connected for r in phases[0]) if half else 0
        self.connected = sum(r.connected for r in reports)
        self.figures.update(
            connected=self.connected,
            connect_s=sum((max(r.finished for r in phase) - min(r.started for r in phase)) / 1e9
                          for phase in phases),
            rss_per_conn_kb=(rss[2] - rss[1]) / max(1, self.connected - first) / 1024)

    def warm(self) -> None:
        _expect(self.workers, "warm", WARM_MESSAGES, 30)
        asyncio.run(flood(self.publish_url, "warm", WARM_MESSAGES, self.opts.size, 1))
        if not all(r.complete for r in _collect(self.workers, 30)):
            self.notes.append("warm-up incomplete")

    def _core_busy(self) -> float:
        return core_busy_seconds(self.core) if self.core is not None else 0.0

    def flood(self, profile: bool) -> None:
        """M publications as fast as the server answers; throughput and CPU per delivery."""
        m = self.opts.messages
        timeout = 60 + self.opts.clients * m / 5000
        if profile:
            asyncio.run(_post_empty(self.server.url + "/bench/profile/start"))
            self.notes.append("profiled: flood figures include cProfile overhead")
        cpu_before, core_before = cpu_seconds(self.server.pid), self._core_busy()
        broker_before = broker_cpu(self.broker_pid)
        started = time.monotonic_ns()
        _expect(self.workers, "flood", m, timeout)
        publish_s = asyncio.run(flood(self.publish_url, "flood", m, self.opts.size,
                                      self.opts.in_flight))
        reports = _collect(self.workers, timeout)
        cpu = cpu_seconds(self.server.pid) - cpu_before
        core = self._core_busy() - core_before
        broker_used = broker_cpu(self.broker_pid) - broker_before
        if profile:
            asyncio.run(_post_empty(self.server.url + "/bench/profile/stop"))
        delivered = sum(r.received for r in reports)
        if not all(r.complete for r in reports):
            self.notes.append(f"flood incomplete: {delivered} of {self.connected * m} delivered")
        seconds = max(1e-9, (max(r.last for r in reports) - started) / 1e9)
        self.figures.update(
            flood_messages=m, flood_delivered=delivered, flood_publish_s=publish_s,
            flood_s=seconds, flood_rate=delivered / seconds,
            cpu_per_msg_us=cpu / max(1, delivered) * 1e6, flood_cpu_busy=100 * cpu / seconds,
            flood_core_busy=100 * core / seconds, core_per_msg_us=core / max(1, delivered) * 1e6,
            broker_cpu_per_msg_us=broker_used / max(1, delivered) * 1e6)

    def paced(self, rate: float | None) -> None:
        """P publications at R per second; latency percentiles over every delivery."""
        if rate is None:  # 20% of this server's flood delivery rate
            rate = max(1.0, round(0.2 * self.figures["flood_rate"] / max(1, self.connected)))
        p = paced_count(self.opts, rate)
        timeout = 30 + p / rate
        _expect(self.workers, "paced", p, timeout)
        asyncio.run(paced(self.publish_url, "paced", p, self.opts.size, rate))
        reports = _collect(self.workers, timeout)
        latencies = _latencies(reports)
        if not all(r.complete for r in reports):
            self.notes.append(f"paced incomplete: {len(latencies)} of {self.connected * p}")
        closed = max(r.closed for r in reports)
        if closed:
            self.notes.append(f"{closed} clients were closed by the server")
        self.figures.update(
            paced_rate=rate, paced_messages=p, paced_delivered=len(latencies), closed=closed,
            p50_ms=percentile(latencies, 0.50) / 1e6, p99_ms=percentile(latencies, 0.99) / 1e6,
            max_ms=latencies[-1] / 1e6 if latencies else 0.0)

    def paced_across(self, other: ServerProcess) -> None:
        """The paced phase again, published on `other` (another process on the broker)."""
        rate, p = self.figures["paced_rate"], self.figures["paced_messages"]
        timeout = 30 + p / rate
        _expect(self.workers, "cross", p, timeout)
        asyncio.run(paced(other.url + "/bench/publish", "cross", p, self.opts.size, rate))
        latencies = _latencies(_collect(self.workers, timeout))
        if len(latencies) < self.connected * p:
            self.notes.append(f"cross-process incomplete: {len(latencies)} of "
                              f"{self.connected * p}")
        self.figures.update(cross_p50_ms=percentile(latencies, 0.50) / 1e6,
                            cross_p99_ms=percentile(latencies, 0.99) / 1e6)

    def close(self) -> None:
        _ask_all(self.workers, [("close",)] * len(self.workers), 60)


def measure(kind: str, run: int, opts: Options, workers: Sequence[Worker], tokens: list[str],
            server_core: int | None, data: Path, rate: float | None) -> Result:
    """Every phase against one server process, which is stopped afterwards."""
    profile = (opts.profile / f"chorus-n{opts.clients}-run{run}.prof"
               if opts.profile is not None and kind == "chorus" else None)
    server = ServerProcess(kind.partition("+")[0], server_core, data, profile,
                           broker_args(kind, opts))
    try:
        load = _Load(server, workers, opts, tokens, server_core)
        load.broker_pid = broker_pid(opts) if kind.endswith("+broker") else None
        load.connect()
        load.warm()
        load.flood(profile is not None)
        load.paced(rate)
        if kind.endswith("+broker"):  # a publisher process beside it, on the same Redis
            other = ServerProcess("chorus", None, data, None, broker_args(kind, opts))
            try:
                load.paced_across(other)
            finally:
                other.stop()
        elif opts.broker:
            load.figures.update(cross_p50_ms=load.figures["p50_ms"],
                                cross_p99_ms=load.figures["p99_ms"])
        load.close()
    finally:
        server.stop()
    return Result(server=kind, run=run, clients=opts.clients, notes=load.notes, **load.figures)


# ---- report ----------------------------------------------------------------------------------

# (label, attribute, format, target as (kind, bound): "min"/"max" ratio, or "abs" value)
ROWS: tuple[tuple[str, str, str, tuple[str, float] | None], ...] = (
    ("connect time, all clients (s)", "connect_s", "{:.2f}", None),
    ("flood: publisher done after (s)", "flood_publish_s", "{:.2f}", None),
    ("flood: last delivery after (s)", "flood_s", "{:.2f}", None),
    ("flood delivered msg/s", "flood_rate", "{:,.0f}", ("min", 0.95)),
    ("server CPU per delivered msg (µs)", "cpu_per_msg_us", "{:.2f}", ("max", 1.1)),
    ("flood: server process CPU (% of a core)", "flood_cpu_busy", "{:.0f}", None),
    ("flood: server core busy, all tasks (%)", "flood_core_busy", "{:.0f}", None),
    ("server core CPU per msg, all tasks (µs)", "core_per_msg_us", "{:.2f}", None),
    ("paced latency p50 (ms)", "p50_ms", "{:.2f}", None),
    ("paced latency p99 (ms)", "p99_ms", "{:.2f}", ("max", 1.5)),
    ("paced latency max (ms)", "max_ms", "{:.2f}", None),
    ("RSS per idle connection (KB)", "rss_per_conn_kb", "{:.1f}", ("abs", 17.0)),
)


def _verdict(target: tuple[str, float] | None, ratio: float, chorus: float) -> str:
    if target is None:
        return ""
    kind, bound = target
    if kind == "abs":
        return f"<= {bound:g} KB  {'ok' if chorus <= bound else 'MISSED'}"
    ok = ratio >= bound if kind == "min" else ratio <= bound
    return f"{'>=' if kind == 'min' else '<='} {bound:.2f}x  {'ok' if ok else 'MISSED'}"


def table(bare: Result, chorus: Result, rows: tuple[tuple[str, str, str, tuple[str, float] | None],
                                                    ...] = ROWS) -> str:
    """The side-by-side figures of one repeat with Chorus / bare ratios (or, with --broker,
    Chorus on it / on the memory broker) and the targets."""
    ratio_name = "chorus/bare" if bare.server == "bare" else "redis/mem"
    lines = [f"{'':42}{bare.server:>12}{chorus.server:>14}{ratio_name:>12}  target"]
    for label, attr, fmt, target in rows:
        b, c = getattr(bare, attr), getattr(chorus, attr)
        ratio = c / b if b else float("inf")
        shown = f"{ratio:>11.2f}x" if b else f"{'-':>12}"  # no baseline figure
        lines.append(f"{label:42}{fmt.format(b):>12}{fmt.format(c):>14}{shown}  "
                     f"{_verdict(target, ratio, c)}")
    for result in (bare, chorus):
        for note in result.notes:
            lines.append(f"  note ({result.server}): {note}")
    return "\n".join(lines)


def _header(opts: Options, run: int, rate: float, p: int, server_core: int | None,
            load_core: int | None) -> str:
    pinning = (f"server on core {server_core}, load generator and publisher on core {load_core}"
               if server_core is not None else "not pinned (one core)")
    return (f"\nfan-out: N={opts.clients} {opts.encoding} clients, flood M={opts.messages}, paced "
            f"P={p} at R={rate:g}/s, ~{opts.size} B payloads, run {run}/{opts.repeat}; "
            f"{pinning}; {opts.procs} load-generator processes")


# ---- entry -----------------------------------------------------------------------------------


def run(opts: Options) -> list[Result]:
    """Every repeat against both servers; prints a table per repeat; returns the results."""
    raise_nofile()
    available = cores()
    server_core, load_core = (available[-1], available[0]) if len(available) >= 2 else (None, None)
    pin(load_core)
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    data = Path(tempfile.mkdtemp(prefix="chorus-bench-", dir=base))
    workers = start_workers(opts.procs, load_core)
    results: list[Result] = []
    try:
        print(f"creating {opts.clients} Chorus users and tokens ...", flush=True)
        tokens = prepare_tokens(opts.clients, data)
        rate = opts.rate
        for run_no in range(1, opts.repeat + 1):
            pair = []
            for kind in broker_servers(opts):
                result = measure(kind, run_no, opts, workers, tokens, server_core, data, rate)
                rate = rate or result.paced_rate  # auto rate: fixed by the first bare flood
                pair.append(result)
                results.append(result)
            print(_header(opts, run_no, pair[0].paced_rate, pair[0].paced_messages,
                          server_core, load_core))
            print(table(pair[0], pair[1], broker_rows(opts)), flush=True)
            if opts.broker:
                print("  * published on a second Chorus process on the same Redis; the memory "
                      "broker's column is the same-process paced latency", flush=True)
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(data, ignore_errors=True)
        drop_broker_keys(opts)
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("fanout", help="one channel fanned out to N clients: Chorus vs bare")
    parser.add_argument("--clients", "-n", type=int, required=True, help="N websocket clients")
    parser.add_argument("--messages", "-m", type=int, required=True,
                        help="M publications in the flood")
    parser.add_argument("--rate", "-r", type=float, default=None,
                        help="paced publications per second (default: 20%% of the bare "
                             "server's flood delivery rate, divided by N)")
    parser.add_argument("--size", type=int, default=150, help="payload bytes (default 150)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (default 1)")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--in-flight", type=int, default=16,
                        help="flood publications posted concurrently (default 16)")
    parser.add_argument("--paced-messages", type=int, default=None,
                        help="paced publications (default: M, at most ~10 s worth)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="directory for cProfile stats of Chorus during the flood")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.add_argument("--encoding", choices=("json", "protobuf", "mixed"), default="json",
                        help="the clients' protocol encoding; mixed: every other client "
                             "speaks protobuf (default json)")
    add_broker_argument(parser)
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if args.clients < 1 or args.messages < 1 or args.repeat < 1 or args.procs < 1:
        raise SystemExit("--clients, --messages, --repeat and --procs must be positive")
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        args.profile = args.profile.resolve()
    opts = Options(clients=args.clients, messages=args.messages, rate=args.rate, size=args.size,
                   repeat=args.repeat, procs=args.procs, in_flight=args.in_flight,
                   paced_messages=args.paced_messages,
                   profile=args.profile, json=args.json, encoding=args.encoding)
    run(with_broker(opts, args.broker))
    return 0


# ---- --broker: Chorus on Redis against Chorus on the memory broker ---------------------------

# the rows of a broker comparison: the target is issue 15's (CPU per delivery <= 1.3x)
BROKER_ROWS: tuple[tuple[str, str, str, tuple[str, float] | None], ...] = tuple(
    (label, attr, fmt, ("max", 1.3) if attr == "cpu_per_msg_us" else None)
    for label, attr, fmt, _ in ROWS) + (
    ("Redis server CPU per delivered msg (µs)", "broker_cpu_per_msg_us", "{:.2f}", None),
    ("other-process publish: latency p50 (ms) *", "cross_p50_ms", "{:.2f}", None),
    ("other-process publish: latency p99 (ms) *", "cross_p99_ms", "{:.2f}", None),)


def add_broker_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", default="",
                        help="redis://host:port/db (or just `redis`: 127.0.0.1:6379): compare "
                             "Chorus on this broker with Chorus on the memory broker instead "
                             "of Chorus with the bare server")


def with_broker(opts: Options, broker: str) -> Options:
    """`opts` for --broker: the URL (`redis` alone is the local one) and a fresh key prefix."""
    if not broker:
        return opts
    url = "redis://127.0.0.1:6379/0" if broker == "redis" else broker
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit(f"--broker: not a Redis URL: {broker!r}")
    opts.broker, opts.redis_prefix = url, f"chorus-bench-{os.getpid()}-{time.time_ns()}:"
    return opts


def broker_servers(opts: Options) -> tuple[str, ...]:
    return ("chorus", "chorus+broker") if opts.broker else SERVERS


def broker_rows(opts: Options) -> tuple[tuple[str, str, str, tuple[str, float] | None], ...]:
    return BROKER_ROWS if opts.broker else ROWS


def broker_args(kind: str, opts: Options) -> list[str]:
    """The server_chorus flags of `kind` (chorus+broker: the broker and its key prefix)."""
    if not kind.endswith("+broker"):
        return []
    return ["--broker", opts.broker, "--redis-prefix", opts.redis_prefix]


def _redis(opts: Options) -> Any:
    import redis

    return redis.Redis.from_url(opts.broker, socket_timeout=5.0)


def broker_pid(opts: Options) -> int | None:
    """The Redis server's pid when it runs on this machine (its CPU is measured too)."""
    client = _redis(opts)
    try:
        pid = int(client.info("server")["process_id"])
    finally:
        client.close()
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def broker_cpu(pid: int | None) -> float:
    return cpu_seconds(pid) if pid is not None else 0.0


def drop_broker_keys(opts: Options) -> None:
    """Delete the keys this run wrote under its prefix."""
    if not opts.broker:
        return
    client = _redis(opts)
    try:
        keys = list(client.scan_iter(match=f"{opts.redis_prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
    finally:
        client.close()
