"""The load generator: worker processes that each hold a share of the websocket clients.

Each worker is an OS process pinned to the load generator's core, driven by the orchestrator
(bench.fanout) through a pipe. Its clients speak the Centrifuge JSON protocol with the
`websockets` library: connect with a token, subscribe to one channel, answer pings with `{}`,
and timestamp every publication on arrival. A publication's data carries the phase name,
a sequence number and the publisher's send time (`time.monotonic_ns()`, one clock for every
process of the machine), so latency is arrival minus send.

Commands (tuples over the pipe) and answers:
- ("connect", url, tokens, channel, concurrency, timeout) -> ConnectReport
- ("expect", phase, count, timeout) -> PhaseReport once every client has received `count`
  publications of `phase` (or at the timeout)
- ("close",) -> None, after closing every client (the worker then serves the next server)
- ("exit",) -> None; the worker process ends
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect

from bench._sys import pin, raise_nofile

__all__ = ["ConnectReport", "PhaseReport", "Worker", "start_workers"]


class _Data(msgspec.Struct):
    ph: str = ""
    s: int = 0
    t: int = 0


class _Pub(msgspec.Struct):
    data: _Data


class _Push(msgspec.Struct):
    pub: _Pub | None = None


class _Frame(msgspec.Struct):
    """What a client reads: a reply (id), a push, or a ping (`{}`)."""

    id: int = 0
    push: _Push | None = None
    error: dict[str, Any] | None = None


_decode = msgspec.json.Decoder(_Frame).decode


@dataclass
class ConnectReport:
    connected: int
    failed: int
    errors: list[str]
    started: int  # monotonic ns
    finished: int


@dataclass
class PhaseReport:
    phase: str
    received: int
    complete: bool
    first: int  # monotonic ns of the first and last arrival
    last: int
    latencies: bytes  # array('q') of ns, one per publication received
    closed: int  # clients the server closed meanwhile


@dataclass
class _Phase:
    count: int = 0
    first: int = 0
    last: int = 0
    latencies: array = field(default_factory=lambda: array("q"))


class _Clients:
    """This worker's clients and what they received, per phase."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.phases: dict[str, _Phase] = {}
        self.current = ""
        self.expected = 0
        self.done = asyncio.Event()
        self.closed = 0

    def phase(self, name: str) -> _Phase:
        phase = self.phases.get(name)
        if phase is None:
            phase = self.phases[name] = _Phase()
        return phase

    def arrived(self, data: _Data, now: int) -> None:
        phase = self.phases.get(data.ph) or self.phase(data.ph)
        if not phase.count:
            phase.first = now
        phase.count += 1
        phase.last = now
        phase.latencies.append(now - data.t)
        if phase.count == self.expected and data.ph == self.current:
            self.done.set()

    async def read(self, ws: ClientConnection) -> None:
        """Timestamp each publication; answer pings (hot path of the load generator)."""
        try:
            async for message in ws:
                now = time.monotonic_ns()
                for line in message.split("\n") if "\n" in message else (message,):
                    frame = _decode(line)
                    if frame.push is not None:
                        if frame.push.pub is not None:
                            self.arrived(frame.push.pub.data, now)
                    elif frame.id == 0:
                        await ws.send("{}")
        except Exception:  # the server closed it: counted, the run reports it
            pass
        self.closed += 1


async def _reply(ws: ClientConnection, command_id: int) -> _Frame:
    """Wait for the reply to `command_id`, answering pings meanwhile."""
    while True:
        frame = _decode(await ws.recv())
        if frame.id == command_id:
            return frame
        if frame.id == 0 and frame.push is None:
            await ws.send("{}")


async def _open(url: str, token: str, channel: str) -> ClientConnection:
    ws = await connect(url, compression=None, ping_interval=None, close_timeout=1,
                       open_timeout=60, max_queue=64, user_agent_header=None, proxy=None)
    await ws.send(msgspec.json.encode({"id": 1, "connect": {"token": token, "name": "bench"}})
                  .decode())  # str: a text frame, as the JSON protocol requires
    frame = await _reply(ws, 1)
    if frame.error is not None:
        raise RuntimeError(f"connect refused: {frame.error}")
    await ws.send(msgspec.json.encode({"id": 2, "subscribe": {"channel": channel}}).decode())
    frame = await _reply(ws, 2)
    if frame.error is not None:
        raise RuntimeError(f"subscribe refused: {frame.error}")
    return ws


async def _connect_all(clients: _Clients, url: str, tokens: list[str], channel: str,
                       concurrency: int, timeout: float) -> ConnectReport:
    gate = asyncio.Semaphore(concurrency)
    errors: list[str] = []

    async def one(token: str) -> None:
        async with gate:
            try:
                ws = await _open(url, token, channel)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return
        clients.sockets.append(ws)
        clients.tasks.append(asyncio.create_task(clients.read(ws)))

    started = time.monotonic_ns()
    jobs = [asyncio.create_task(one(token)) for token in tokens]
    _, pending = await asyncio.wait(jobs, timeout=timeout)
    for job in pending:
        job.cancel()
    errors += ["timeout"] * len(pending)
    return ConnectReport(connected=len(clients.sockets), failed=len(tokens) - len(clients.sockets),
                         errors=errors[:5], started=started, finished=time.monotonic_ns())


async def _expect(clients: _Clients, phase_name: str, count: int, timeout: float) -> PhaseReport:
    clients.current, clients.expected = phase_name, count * len(clients.sockets)
    phase = clients.phase(phase_name)
    clients.done.clear()
    if phase.count < clients.expected:
        try:
            await asyncio.wait_for(clients.done.wait(), timeout)
        except TimeoutError:
            pass
    return PhaseReport(phase=phase_name, received=phase.count,
                       complete=phase.count >= clients.expected, first=phase.first,
                       last=phase.last, latencies=phase.latencies.tobytes(),
                       closed=clients.closed)


async def _close_all(clients: _Clients) -> None:
    for task in clients.tasks:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in clients.sockets), return_exceptions=True)
    clients.sockets.clear()


async def _run(conn: multiprocessing.connection.Connection) -> None:
    loop = asyncio.get_running_loop()
    clients = _Clients()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        verb, args = command[0], command[1:]
        if verb == "connect":
            conn.send(await _connect_all(clients, *args))
        elif verb == "expect":
            conn.send(await _expect(clients, *args))
        elif verb == "close":
            await _close_all(clients)
            clients = _Clients()
            conn.send(None)
        elif verb == "exit":
            conn.send(None)
            return


def _worker_main(conn: multiprocessing.connection.Connection, core: int | None) -> None:
    pin(core)
    raise_nofile()
    asyncio.run(_run(conn))


class Worker:
    """One load-generator process and its end of the pipe."""

    def __init__(self, core: int | None) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, core), daemon=True)
        self.process.start()
        child.close()

    def send(self, *command: Any) -> None:
        self.conn.send(command)

    def receive(self, timeout: float) -> Any:
        """The answer to the last command, waiting at most `timeout` seconds."""
        if not self.conn.poll(max(0.0, timeout)):
            raise TimeoutError(f"load generator did not answer in {timeout:.0f}s")
        return self.conn.recv()

    def stop(self) -> None:
        try:
            self.send("exit")
            self.receive(5.0)
        except (OSError, EOFError, TimeoutError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


def start_workers(count: int, core: int | None) -> list[Worker]:
    return [Worker(core) for _ in range(count)]
