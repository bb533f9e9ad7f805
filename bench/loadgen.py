"""The load generator: worker processes that each hold a share of the websocket clients.

Each worker is an OS process pinned to the load generator's core, driven by the orchestrator
(bench.fanout) through a pipe. Its clients speak the Centrifuge protocol with the
`websockets` library, each in JSON or protobuf (the `centrifuge-protobuf` subprotocol): connect
with a token, subscribe to one channel, answer pings (`{}`, or an empty Command), and
timestamp every publication on arrival. A publication's data carries the phase name,
a sequence number and the publisher's send time (`time.monotonic_ns()`, one clock for every
process of the machine), so latency is arrival minus send.

Commands (tuples over the pipe) and answers:
- ("connect", url, tokens, protobuf, channel, concurrency, timeout) -> ConnectReport, where
  `protobuf` holds one flag per token: that client speaks protobuf
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
from hub.realtime.pb import client_pb2 as pb

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
_decode_data = msgspec.json.Decoder(_Data).decode
PB_PONG = b"\x00"  # an empty Command, length-delimited


def _pb_replies(message: bytes) -> list[Any]:
    """The length-delimited Replies of one binary frame."""
    replies, position = [], 0
    while position < len(message):
        length = shift = 0
        while True:
            byte = message[position]
            position += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        replies.append(pb.Reply.FromString(message[position:position + length]))
        position += length
    return replies


def _pb_command(command_id: int, **request: Any) -> bytes:
    data = pb.Command(id=command_id, **request).SerializeToString()
    return _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


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

    async def read_protobuf(self, ws: ClientConnection) -> None:
        """The same for a protobuf client: binary frames of length-delimited Replies."""
        try:
            async for message in ws:
                now = time.monotonic_ns()
                assert isinstance(message, bytes)
                for reply in _pb_replies(message):
                    if reply.HasField("push"):
                        if reply.push.HasField("pub"):
                            self.arrived(_decode_data(reply.push.pub.data), now)
                    elif reply.id == 0:
                        await ws.send(PB_PONG)
        except Exception:  # the server closed it: counted, the run reports it
            pass
        self.closed += 1


async def _pb_reply(ws: ClientConnection, command_id: int) -> Any:
    """Wait for the protobuf reply to `command_id`, answering pings meanwhile."""
    while True:
        message = await ws.recv()
        assert isinstance(message, bytes), "a protobuf client got a text frame"
        for reply in _pb_replies(message):
            if reply.id == command_id:
                return reply
            if reply.id == 0 and not reply.HasField("push"):
                await ws.send(PB_PONG)


async def _open_protobuf(url: str, token: str, channel: str) -> ClientConnection:
    ws = await connect(url, compression=None, ping_interval=None, close_timeout=1,
                       open_timeout=60, max_queue=64, user_agent_header=None, proxy=None,
                       subprotocols=["centrifuge-protobuf"])  # type: ignore[list-item]
    await ws.send(_pb_command(1, connect=pb.ConnectRequest(token=token, name="bench")))
    reply = await _pb_reply(ws, 1)
    if reply.HasField("error"):
        raise RuntimeError(f"connect refused: {reply.error}")
    await ws.send(_pb_command(2, subscribe=pb.SubscribeRequest(channel=channel)))
    reply = await _pb_reply(ws, 2)
    if reply.HasField("error"):
        raise RuntimeError(f"subscribe refused: {reply.error}")
    return ws


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


async def _connect_all(clients: _Clients, url: str, tokens: list[str], protobuf: list[bool],
                       channel: str, concurrency: int, timeout: float) -> ConnectReport:
    gate = asyncio.Semaphore(concurrency)
    errors: list[str] = []

    async def one(token: str, binary: bool) -> None:
        async with gate:
            try:
                ws = await (_open_protobuf if binary else _open)(url, token, channel)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return
        clients.sockets.append(ws)
        reader = clients.read_protobuf if binary else clients.read
        clients.tasks.append(asyncio.create_task(reader(ws)))

    started, before = time.monotonic_ns(), len(clients.sockets)
    jobs = [asyncio.create_task(one(token, binary))
            for token, binary in zip(tokens, protobuf, strict=True)]
    _, pending = await asyncio.wait(jobs, timeout=timeout)
    for job in pending:
        job.cancel()
    errors += ["timeout"] * len(pending)
    connected = len(clients.sockets) - before  # by this command (a worker may hold others)
    return ConnectReport(connected=connected, failed=len(tokens) - connected,
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
