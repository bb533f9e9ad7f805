"""The real `centrifuge` npm SDK, run from Node, against Chorus served on a loopback port.

centrifuge-js sends its connect command and the subscribe commands of subscriptions created
before connect() in one frame, newline-separated: these tests are also the end-to-end check
of multi-command frames. Without node/npm the tests skip, except under CI=true where they fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hub.keys import node_key
from tests.hub.realtime.helpers import chorus_account, ws_url
from tests.waiting import TIMEOUT

JS_DIR = Path(__file__).resolve().parents[2] / "js"
SCRIPT = JS_DIR / "subscribe.mjs"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node_bin() -> str:
    """The node executable, with tests/js/node_modules installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are needed for the centrifuge-js tests")
    assert node is not None and npm is not None
    if not (JS_DIR / "node_modules" / "centrifuge" / "package.json").exists():
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR,
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            _unavailable(f"npm install failed in {JS_DIR}: {done.stderr[-2000:]}")
    return node


class NodeScript:
    """tests/js/subscribe.mjs running as a subprocess; its JSON lines read one at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, node: str, *args: str) -> NodeScript:
        process = await asyncio.create_subprocess_exec(
            node, str(SCRIPT), *args, cwd=JS_DIR,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        return cls(process)

    async def next_event(self, *events: str) -> dict[str, Any]:
        """The next line whose event is one of `events` (every line is kept in `lines`)."""
        assert self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
            if not raw:
                stderr = await self.process.stderr.read() if self.process.stderr else b""
                raise AssertionError(f"node exited: {self.lines} {stderr.decode()[-2000:]}")
            line = json.loads(raw)
            self.lines.append(line)
            if line["event"] in events:
                return line

    async def finish(self) -> int:
        return await asyncio.wait_for(self.process.wait(), TIMEOUT)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def test_js_sdk_subscribes_and_receives_publications(make_client, node_bin):
    # Pings faster than a second: the SDK must still be told to answer them.
    client = await make_client(ws_ping_interval=0.4, ws_pong_timeout=0.2)
    user_id, token = await chorus_account(client, "ada")
    channels = [f"posts:{user_id}", "hot"]
    script = await NodeScript.start(node_bin, ws_url(client), token, ",".join(channels),
                                    "--server-channel", f"user:#{user_id}")
    try:
        connected = await script.next_event("connected")
        node = client.server.app[node_key]
        assert node.clients[connected["client"]].user == str(user_id)
        subscribed = {(await script.next_event("subscribed"))["channel"] for _ in channels}
        assert subscribed == set(channels)
        server_client = node.clients[connected["client"]]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 1.5  # several pings, each to be answered within 0.2 s
        while loop.time() < deadline:
            assert not server_client.closed, "the SDK did not answer a ping"
            await asyncio.sleep(0.05)

        await node.publish(f"posts:{user_id}", {"title": "Blue in Green"})
        await node.publish("hot", {"track": "So What"})
        await node.publish_to_user(user_id, {"type": "notification"})
        received = {}
        for _ in range(3):
            line = await script.next_event("publication", "server_publication")
            received[line["channel"]] = line
        assert received[f"posts:{user_id}"]["data"] == {"title": "Blue in Green"}
        assert received[f"posts:{user_id}"]["offset"] == 1
        assert received["hot"]["data"] == {"track": "So What"}
        assert received[f"user:#{user_id}"]["data"] == {"type": "notification"}
        await script.next_event("done")
        assert await script.finish() == 0
    finally:
        script.kill()
    events = [line["event"] for line in script.lines]
    assert "error" not in events and "subscription_error" not in events
    assert "connecting" not in events[events.index("connected"):]  # never dropped


async def test_js_sdk_anonymous_is_refused_a_private_channel(client, node_bin):
    user_id, _ = await chorus_account(client, "ada")
    script = await NodeScript.start(node_bin, ws_url(client), "", f"user:#{user_id},hot")
    try:
        refused = await script.next_event("unsubscribed")
        assert (refused["channel"], refused["code"]) == (f"user:#{user_id}", 103)
        await script.next_event("subscribed")
        await client.server.app[node_key].publish("hot", {"n": 1})
        line = await script.next_event("publication")
        assert (line["channel"], line["data"]) == ("hot", {"n": 1})
    finally:
        script.kill()
