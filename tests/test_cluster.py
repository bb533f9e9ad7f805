"""Three real `chorus serve` processes on one Redis and one PostgreSQL act as one hub (issue
15): the official SDK over websockets, SSE and REST spread over them; a post on A reaches
followers on B and C; presence merges; a logout on C closes the session's socket on B; every
queued download runs exactly once; B killed with SIGKILL: its client reconnects (through a
load balancer) to C and recovers what it missed.

Needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379): skipped without them, failed
under CI=true."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import centrifuge
import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import STRONG_PASSWORD
from tests.fakes.media_server import hits_key, make_media_app
from tests.hub.realtime.helpers import Recorder
from tests.hub.realtime.redis_service import RUN_PREFIX, require_redis
from tests.store.postgres.pg_service import fresh_schema

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 20.0
SERVE = "from hub.cli import main; raise SystemExit(main(['serve']))"


async def until(check: Any, timeout: float = TIMEOUT) -> Any:
    """Poll the async `check()` until it answers something truthy; fail after `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{check.__name__} still false after {timeout} s")
        await asyncio.sleep(0.05)
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """One `chorus serve` child."""

    def __init__(self, name: str, port: int, env: dict[str, str], log: Path) -> None:
        self.name, self.port, self.env, self.log = name, port, env, log
        self.child: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/connection/websocket"

    async def start(self, http: aiohttp.ClientSession) -> None:
        env = {**self.env, "CHORUS_PORT": str(self.port)}
        with self.log.open("ab") as out:
            self.child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", SERVE, cwd=ROOT, env=env, stdout=out, stderr=out)

        async def healthy() -> bool:
            assert self.child is not None
            if self.child.returncode is not None:
                raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{self.url}/api/health/ready") as resp:
                    return resp.status == 200
            return False

        await until(healthy, timeout=60)

    def kill(self) -> None:
        assert self.child is not None
        self.child.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.child is not None and self.child.returncode is None:
            self.child.terminate()
            try:
                await asyncio.wait_for(self.child.wait(), 10)
            except TimeoutError:
                self.child.kill()
                await self.child.wait()


class Balancer:
    """A TCP load balancer (as a websocket-aware proxy would be): each connection goes to the
    first backend that accepts it."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = _free_port()
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for port in self.backends:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            return
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@pytest.fixture
async def store_url() -> AsyncIterator[str]:
    async for url in fresh_schema():
        yield url


@pytest.fixture
async def cluster(tmp_path: Path, store_url: str, aiohttp_server: Any
                  ) -> AsyncIterator[tuple[list[Process], TestServer, aiohttp.ClientSession]]:
    redis_url = require_redis()
    media = await aiohttp_server(make_media_app())
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
    env.update({
        "PYTHONPATH": str(ROOT), "CHORUS_HOST": "127.0.0.1",
        "CHORUS_DATA_DIR": str(tmp_path / "shared"),  # one volume: keys and media
        "CHORUS_STORE": store_url, "CHORUS_BROKER": redis_url,
        "CHORUS_REDIS_PREFIX": f"{RUN_PREFIX}cluster-{tmp_path.name}:",
        "CHORUS_ARGON2_TIME_COST": "1", "CHORUS_ARGON2_MEMORY_KIB": "256",
        "CHORUS_RATE_LIMIT": "0", "CHORUS_ALLOW_PRIVATE_URLS": "1",
        "CHORUS_OEMBED_URL": "http://127.0.0.1:9/oembed", "CHORUS_LRCLIB_URL": "off",
        "CHORUS_LOG_LEVEL": "WARNING",
    })
    processes = [Process(name, _free_port(), env, tmp_path / f"{name}.log") for name in "ABC"]
    async with aiohttp.ClientSession() as http:
        try:
            await processes[0].start(http)  # the first one makes the keys and the schema
            await asyncio.gather(*(p.start(http) for p in processes[1:]))
            yield processes, media, http
        finally:
            await asyncio.gather(*(p.stop() for p in processes))


async def _register(http: aiohttp.ClientSession, on: Process, name: str) -> tuple[int, str]:
    """Register through Spot On on `on`, sign in through /api/auth/login: (id, bearer)."""
    async with http.post(f"{on.url}/api/register", json={
            "username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD,
            "name": name.capitalize()}) as resp:
        assert resp.status == 201, await resp.text()
    return await _login(http, on, name)


async def _login(http: aiohttp.ClientSession, on: Process, name: str) -> tuple[int, str]:
    async with http.post(f"{on.url}/api/auth/login", json={
            "username": f"{name}@example.com", "password": STRONG_PASSWORD}) as resp:
        assert resp.status == 200, await resp.text()
        token = (await resp.json())["access_token"]
    async with http.get(f"{on.url}/api/v1/users/me",
                        headers={"Authorization": f"Bearer {token}"}) as resp:
        user_id = int((await resp.json())["id"])
    return user_id, token


def _sdk(url: str, token: str) -> Any:
    recorder = Recorder()
    client = centrifuge.Client(url, events=recorder, token=token, proxy=None,
                               min_reconnect_delay=0.05, max_reconnect_delay=0.3)
    client.recorder = recorder
    return client


async def _sse_events(http: aiohttp.ClientSession, on: Process, token: str,
                      into: asyncio.Queue[dict[str, Any]]) -> None:
    """Read `/connection/uni_sse` on `on`, putting every push's JSON into `into`."""
    params = {"cf_connect": json.dumps({"token": token})}
    async with http.get(f"{on.url}/connection/uni_sse", params=params,
                        timeout=aiohttp.ClientTimeout(total=None)) as resp:
        assert resp.status == 200
        async for raw in resp.content:
            line = raw.decode().strip()
            if line.startswith("data:"):
                into.put_nowait(json.loads(line[5:]))


async def _feed_item(queue: asyncio.Queue[dict[str, Any]], name: str) -> dict[str, Any]:
    while True:
        push = await asyncio.wait_for(queue.get(), TIMEOUT)
        data = (push.get("pub") or {}).get("data") or {}
        if data.get("type") == "feed.item" and data["post"]["name"] == name:
            return data


async def _next_feed_pub(recorder: Recorder, name: str) -> Any:
    while True:
        pub = await recorder.next("publication")
        data = pub.pub.data
        if isinstance(data, dict) and data.get("type") == "feed.item" \
                and data["post"]["name"] == name:
            return pub


async def test_three_processes_serve_as_one_hub(cluster: Any) -> None:
    (a, b, c), media, http = cluster
    ann_id, ann_token = await _register(http, a, "ann")
    bob_id, bob_token = await _register(http, b, "bob")
    cat_id, cat_token = await _register(http, c, "cat")
    for token in (bob_token, cat_token):  # REST on A and C
        async with http.post(f"{(a, c)[token == cat_token].url}/api/follow/{ann_id}",
                             headers={"Authorization": f"Bearer {token}"}) as resp:
            assert resp.status in (200, 201), await resp.text()

    # bob: the official SDK on B through the balancer (B first, C when B is gone); cat: SSE on C
    balancer = Balancer([b.port, c.port])
    await balancer.start()
    bob = _sdk(f"ws://127.0.0.1:{balancer.port}/connection/websocket", bob_token)
    cat_pushes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    cat_sse = asyncio.create_task(_sse_events(http, c, cat_token, cat_pushes))
    cat_sdk = _sdk(c.ws, cat_token)
    ann_on_b = _sdk(b.ws, "")
    try:
        await bob.connect()
        await bob.recorder.next("connected")
        await cat_sdk.connect()
        await cat_sdk.recorder.next("connected")

        # -- a post on A reaches the followers on B (websocket) and C (SSE)
        md5 = hashlib.md5(STRONG_PASSWORD.encode()).hexdigest()
        ann_web = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        try:
            async with ann_web.post(f"{a.url}/login", data={
                    "action": "login", "ajax": "1", "email": "ann@example.com", "md5": md5}) as r:
                assert r.status == 200, await r.text()
            audio = [str(media.make_url(f"/fi/s{n}.mp3")) for n in range(6)]
            async with ann_web.post(f"{a.url}/api/post", data={
                    "action": "insert", "eId": f"/fi/{audio[0]}", "name": "First Song"}) as r:
                assert r.status == 200, await r.text()
            pub = await _next_feed_pub(bob.recorder, "First Song")
            assert pub.channel == f"user:#{bob_id}"
            assert (await _feed_item(cat_pushes, "First Song"))["post"]["name"] == "First Song"

            # -- presence merges: bob (B) and cat (C) on ann's posts channel
            subs = []
            for client in (bob, cat_sdk):
                sub = client.new_subscription(f"posts:{ann_id}", events=Recorder())
                await sub.subscribe()
                subs.append(sub)

            async def both_present() -> bool:
                result = await subs[0].presence()
                return {info.user for info in result.clients.values()} == {str(bob_id),
                                                                            str(cat_id)}

            await until(both_present)

            # -- a login on A and a logout on C close that session's socket on B
            _, ann_token_a = await _login(http, a, "ann")
            ann_on_b = _sdk(b.ws, ann_token_a)
            await ann_on_b.connect()
            await ann_on_b.recorder.next("connected")
            async with http.post(f"{c.url}/api/logout",
                                 headers={"Authorization": f"Bearer {ann_token_a}"}) as r:
                assert r.status == 200
            closed = await ann_on_b.recorder.next("disconnected")
            assert closed.code >= 3500, closed  # terminal: the session is over

            # -- every queued download runs exactly once, whichever process took it
            for n, url in enumerate(audio[1:], start=1):
                async with ann_web.post(f"{(a, b, c)[n % 3].url}/api/post", data={
                        "action": "insert", "eId": f"/fi/{url}", "name": f"Track {n}"}) as r:
                    assert r.status == 200
            auth = {"Authorization": f"Bearer {ann_token}"}
            tasks = []
            for n in range(1, 6):
                on = (a, b, c)[n % 3]
                async with http.get(f"{on.url}/api/search", params={"q": f"track {n}"},
                                    headers=auth) as r:
                    item_id = (await r.json())["items"][0]["id"]
                async with http.get(f"{on.url}/api/track/download/{item_id}",
                                    headers=auth) as r:
                    assert r.status == 202, await r.text()
                    tasks.append((await r.json())["task_id"])

            async def all_done() -> bool:
                for task_id in tasks:
                    async with http.get(f"{a.url}/api/prgs/{task_id}", headers=auth) as r:
                        if (await r.json())["status"] not in ("complete", "error"):
                            return False
                return True

            await until(all_done, timeout=60)
            for task_id in tasks:
                async with http.get(f"{c.url}/api/prgs/{task_id}", headers=auth) as r:
                    task = await r.json()
                assert task["status"] == "complete", task
            assert [media.app[hits_key][f"/fi/s{n}.mp3"] for n in range(1, 6)] == [1] * 5

            # -- B dies: bob's SDK comes back through the balancer on C and recovers the post
            # made while it was away
            b.kill()
            while (await bob.recorder.next("connecting")).code == 0:  # connect() called
                pass
            async with ann_web.post(f"{a.url}/api/post", data={
                    "action": "insert", "eId": f"/fi/{audio[0]}", "name": "While Away"}) as r:
                assert r.status == 200
            await bob.recorder.next("connected")
            pub = await _next_feed_pub(bob.recorder, "While Away")
            assert pub.channel == f"user:#{bob_id}"
            assert any(ctx.recovered for ctx in bob.recorder.seen("subscribed")
                       if ctx.channel == f"user:#{bob_id}")
        finally:
            await ann_web.close()
    finally:
        cat_sse.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await cat_sse
        for client in (bob, cat_sdk, ann_on_b):
            with contextlib.suppress(Exception):
                await client.disconnect()
        await balancer.stop()

