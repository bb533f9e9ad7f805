"""`chorus bench quiz`: live quiz rooms played by bots over real websockets, Chorus against a
bare aiohttp server (bench.server_quiz_bare) that sends the same message pattern.

Each server runs in its own process pinned to the last core; the bots (one websocket each,
the Centrifuge JSON protocol spoken directly) run in this process. R rooms of P bots play
N rounds at once: the first bot creates the room, the others join, all subscribe to
`quiz:<room>`, the creator starts. On each `round` push a bot waits a random 0 to `--think`
seconds (default 2: players read the snippet; it also keeps the single bot process from
being the bottleneck) and answers a random option. Figures, over every room and round:

- answer -> `answered` push: from sending its answer to receiving the push naming it;
- last answer -> reveal: per round, from the last bot's answer (the one that closes the
  round) to its `reveal` push, i.e. the scoring and the score pushes;
- round start drift: a `round` push's arrival against its schedule (the previous reveal's
  arrival + the reveal pause), p99;
- server CPU per answer: the server's CPU seconds over the play / answers accepted (with
  several Chorus processes, theirs together).

With `--broker redis://... --processes N`, Chorus runs as N processes on one Redis and one
data directory, the bots spread over them: each room plays in its host's process, and the
other players' calls are routed to it (handlers/quiz/registry.py).

Latencies are wall-clock on loopback with the bots on the other core; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench._sys import cores, cpu_seconds, raise_nofile
from bench.fanout import ROOT, ServerProcess

__all__ = ["add_parser", "run", "Options", "Figures"]

PLAY_TIMEOUT = 600.0


@dataclass
class Options:
    rooms: int
    players: int
    rounds: int
    seconds: float
    reveal: float
    think: float
    broker: str = ""  # Chorus's CHORUS_BROKER; empty: the in-process broker
    processes: int = 1  # Chorus processes (on `broker`), the bots spread over them


@dataclass
class Figures:
    answered_ms: list[float] = field(default_factory=list)
    reveal_ms: list[float] = field(default_factory=list)
    drift_ms: list[float] = field(default_factory=list)
    answers: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0


class QuizServer(ServerProcess):
    def __init__(self, kind: str, core: int | None, data: Path, opts: Options,
                 prefix: str = "") -> None:
        if kind == "bare":
            cmd = [sys.executable, "-m", "bench.server_quiz_bare", "--reveal", str(opts.reveal)]
        else:
            cmd = [sys.executable, "-m", "bench.server_quiz", "serve", "--data", str(data),
                   "--reveal", str(opts.reveal), "--players", str(opts.players)]
            if opts.broker:
                cmd += ["--broker", opts.broker, "--redis-prefix", prefix]
        self._launch(kind, cmd, core)


class Bot:
    """One player: a websocket, its pending calls, and what it measured."""

    def __init__(self, user: int, token: str, opts: Options, rng: random.Random) -> None:
        self.user, self.token, self.opts, self.rng = user, token, opts, rng
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.sent: dict[int, float] = {}  # round -> when this bot sent its answer
        self.last_reveal: float | None = None
        self.reveals: dict[int, float] = {}  # round -> reveal arrival
        self.answered_ms: list[float] = []
        self.drift_ms: list[float] = []
        self.answers = 0
        self.ended = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.room = ""

    async def open(self, session: aiohttp.ClientSession, url: str) -> None:
        self.ws = await session.ws_connect(url, autoping=True, compress=0, max_msg_size=0)
        self.reader = asyncio.create_task(self._read())
        await self._command("connect", {"token": self.token, "data": {"user": self.user}})

    async def _command(self, kind: str, body: dict[str, Any]) -> Any:
        command_id = next(self.ids)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[command_id] = answer
        await self.ws.send_str(json.dumps({"id": command_id, kind: body}))
        return await asyncio.wait_for(answer, 60)

    async def rpc(self, method: str, data: dict[str, Any]) -> Any:
        reply = await self._command("rpc", {"method": method, "data": data})
        return reply["rpc"].get("data")

    async def subscribe(self, channel: str) -> None:
        await self._command("subscribe", {"channel": channel})

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            for line in msg.data.split("\n"):
                if not line.strip():
                    continue
                frame = json.loads(line)
                if not frame:
                    await self.ws.send_str("{}")  # the server's ping
                elif "id" in frame:
                    answer = self.pending.pop(frame["id"])
                    if "error" in frame:
                        answer.set_exception(RuntimeError(frame["error"]))
                    else:
                        answer.set_result(frame)
                elif "push" in frame and "pub" in frame["push"]:
                    self._on_push(frame["push"]["pub"]["data"], time.time())

    def _on_push(self, data: dict[str, Any], now: float) -> None:
        kind = data.get("type")
        if kind == "round":
            if self.last_reveal is not None:
                self.drift_ms.append(max(0.0, now - self.last_reveal - self.opts.reveal) * 1e3)
            task = asyncio.create_task(self._answer(self.room, data["round"]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif kind == "answered" and data["user"] == self.user and data["round"] in self.sent:
            self.answered_ms.append((now - self.sent[data["round"]]) * 1e3)
        elif kind == "reveal":
            self.last_reveal = now
            self.reveals[data["round"]] = now
        elif kind == "end":
            self.ended.set()

    async def _answer(self, room: str, number: int) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.opts.think))
        self.sent[number] = time.time()
        try:
            await self.rpc("quiz.answer", {"room": room, "round": number,
                                           "choice": self.rng.randrange(3)})
            self.answers += 1
        except RuntimeError:
            pass  # too late (the deadline passed): not counted


async def _play_room(bots: list[Bot], opts: Options) -> None:
    host, *others = bots
    created = await host.rpc("quiz.create", {"rounds": opts.rounds, "seconds": opts.seconds})
    room = created["room"]
    for bot in bots:
        bot.room = room
    await asyncio.gather(*(b.rpc("quiz.join", {"room": room}) for b in others))
    await asyncio.gather(*(b.subscribe(f"quiz:{room}") for b in bots))
    await host.rpc("quiz.start", {"room": room})
    await asyncio.wait_for(asyncio.gather(*(b.ended.wait() for b in bots)), PLAY_TIMEOUT)


def _reveal_latencies(bots: list[Bot], rounds: int) -> list[float]:
    """Per round of a room: the reveal's arrival at the bot that answered last, after its answer."""
    found = []
    for number in range(1, rounds + 1):
        sent = [(b.sent[number], b) for b in bots if number in b.sent]
        if sent:
            at, last = max(sent, key=lambda s: s[0])
            if number in last.reveals:
                found.append((last.reveals[number] - at) * 1e3)
    return found


async def play(servers: Sequence[QuizServer], tokens: Sequence[str], opts: Options) -> Figures:
    """Play every room; bot i connects to server i modulo their number (so with several
    processes, a room's host is on the first and its players on all of them)."""
    urls = [f"ws://127.0.0.1:{server.port}/connection/websocket" for server in servers]
    rng = random.Random(11)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        bots = [Bot(i + 1, tokens[i], opts, random.Random(rng.random()))
                for i in range(opts.rooms * opts.players)]
        for start in range(0, len(bots), 50):
            await asyncio.gather(*(b.open(session, urls[(start + n) % len(urls)])
                                   for n, b in enumerate(bots[start:start + 50])))
        rooms = [bots[r * opts.players:(r + 1) * opts.players] for r in range(opts.rooms)]

        def cpu() -> float:
            return sum(cpu_seconds(server.pid) for server in servers)

        cpu_before, wall_before = cpu(), time.monotonic()
        await asyncio.gather(*(_play_room(room, opts) for room in rooms))
        figures = Figures(cpu_seconds=cpu() - cpu_before,
                          wall_seconds=time.monotonic() - wall_before)
        for room in rooms:
            figures.reveal_ms += _reveal_latencies(room, opts.rounds)
        for bot in bots:
            figures.answered_ms += bot.answered_ms
            figures.drift_ms += bot.drift_ms
            figures.answers += bot.answers
            await bot.ws.close()
            bot.reader.cancel()
    return figures


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _rows(f: Figures) -> dict[str, float]:
    return {
        "answer -> answered push p50 (ms)": statistics.median(f.answered_ms or [float("nan")]),
        "answer -> answered push p99 (ms)": _pct(f.answered_ms, 99),
        "last answer -> reveal p50 (ms)": statistics.median(f.reveal_ms or [float("nan")]),
        "last answer -> reveal p99 (ms)": _pct(f.reveal_ms, 99),
        "round start drift p99 (ms)": _pct(f.drift_ms, 99),
        "server CPU per answer (ms)": f.cpu_seconds / max(1, f.answers) * 1e3,
    }


def run(opts: Options) -> dict[str, Figures]:
    raise_nofile()
    available = cores()
    server_core = available[-1] if len(available) > 1 else None
    data = Path(tempfile.mkdtemp(prefix="chorus-bench-quiz-"))
    tokens_file = data / "tokens.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    users = opts.rooms * opts.players
    subprocess.run([sys.executable, "-m", "bench.server_quiz", "prepare", "--data", str(data),
                    "--users", str(users), "--tokens", str(tokens_file)],
                   cwd=ROOT, env=env, check=True, timeout=120 + users * 0.1)
    tokens = json.loads(tokens_file.read_text())
    results: dict[str, Figures] = {}
    prefix = f"chorus-bench-{os.getpid()}-{random.randrange(1 << 30)}:"
    for kind, count in (("bare", 1), ("chorus", opts.processes)):
        servers: list[QuizServer] = []
        try:
            for _ in range(count):
                servers.append(QuizServer(kind, server_core, data, opts, prefix))
            results[kind] = asyncio.run(play(servers, tokens, opts))
        finally:
            for server in servers:
                server.stop()
    if opts.broker:
        _drop_keys(opts.broker, prefix)
    return results


def _drop_keys(url: str, prefix: str) -> None:
    """Delete what the run left in Redis (history, leases) under its own prefix."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def report(opts: Options, results: dict[str, Figures]) -> str:
    bare, chorus = _rows(results["bare"]), _rows(results["chorus"])
    lines = [f"chorus bench quiz: {opts.rooms} rooms x {opts.players} bots, {opts.rounds} "
             f"rounds of {opts.seconds:g} s, reveal pause {opts.reveal:g} s, "
             f"think 0-{opts.think:g} s; chorus: {opts.processes} process(es), broker "
             f"{opts.broker or 'memory'}",
             f"answers: bare {results['bare'].answers}, chorus {results['chorus'].answers}; "
             f"play: bare {results['bare'].wall_seconds:.1f} s, "
             f"chorus {results['chorus'].wall_seconds:.1f} s",
             f"{'':36} {'bare':>10} {'chorus':>10} {'ratio':>8}"]
    for name in bare:
        ratio = chorus[name] / bare[name] if bare[name] else float("nan")
        lines.append(f"{name:36} {bare[name]:10.2f} {chorus[name]:10.2f} {ratio:7.2f}x")
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("quiz", help="live quiz rooms played by bots: Chorus vs bare")
    parser.add_argument("--rooms", type=int, default=50, help="rooms (default 50)")
    parser.add_argument("--players", type=int, default=10, help="bots per room (default 10)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds per room (default 10)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per round")
    parser.add_argument("--reveal", type=float, default=0.5,
                        help="seconds between a reveal and the next round (default 0.5)")
    parser.add_argument("--think", type=float, default=2.0,
                        help="a bot answers after 0 to this many seconds (default 2)")
    parser.add_argument("--broker", default="",
                        help="Chorus's broker, e.g. redis://127.0.0.1:6379/0 (default: memory)")
    parser.add_argument("--processes", type=int, default=1,
                        help="Chorus processes on that broker, bots spread over them "
                             "(default 1; more needs --broker redis://...)")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    opts = Options(rooms=args.rooms, players=args.players, rounds=args.rounds,
                   seconds=args.seconds, reveal=args.reveal, think=args.think,
                   broker=args.broker, processes=args.processes)
    if min(opts.rooms, opts.players, opts.rounds, opts.processes) < 1:
        raise SystemExit("--rooms, --players, --rounds and --processes must be positive")
    if opts.processes > 1 and not opts.broker.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit("--processes above 1 needs --broker redis://...")
    print(report(opts, run(opts)), flush=True)
    return 0
