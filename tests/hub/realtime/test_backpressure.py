"""A subscriber that stops reading is disconnected as slow (3008); the others keep receiving
every publication and the publisher never waits for anyone (STYLE.md §3, centrifuge's
writer.go)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

from aiohttp import WSMsgType

from hub.keys import node_key
from hub.realtime import codes
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.waiting import TIMEOUT

QUEUE_LIMIT = 64 * 1024
PAYLOAD = "x" * 32 * 1024
MAX_PUBLICATIONS = 2000  # far more than loopback socket buffers can absorb


def finish_without_suspending(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that must complete without ever waiting; return its result."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise AssertionError("the coroutine waited")


async def test_a_subscriber_that_stops_reading_is_disconnected_as_slow(make_client):
    client = await make_client(ws_max_queue_bytes=QUEUE_LIMIT)
    node = client.server.app[node_key]
    fast = await RawCentrifuge.open(client)
    assert "error" not in await fast.call("subscribe", {"channel": "hot"})
    slow = await RawCentrifuge.open(client)
    assert "error" not in await slow.call("subscribe", {"channel": "hot"})
    slow_id = slow.connect_reply["connect"]["client"]
    # From here on nobody reads `slow`: its socket buffers fill, then its queue.

    published = 0
    while slow_id in node.clients:
        assert published < MAX_PUBLICATIONS, "the slow client was never disconnected"
        published += 1
        position = finish_without_suspending(node.publish("hot", {"n": published, "pad": PAYLOAD}))
        assert position.offset == published
        push = await fast.next_push("hot")
        assert (push["pub"]["offset"], push["pub"]["data"]["n"]) == (published, published)

    for _ in range(3):  # the fast one goes on as if nothing happened
        published += 1
        await node.publish("hot", {"n": published})
        push = await fast.next_push("hot")
        assert push["pub"]["data"] == {"n": published}
    assert len(node.channels["hot"]) == 1

    # The slow one, reading again, finds what it was sent in order, then the close frame.
    offsets = []
    while True:
        msg = await asyncio.wait_for(slow.ws.receive(), TIMEOUT)
        if msg.type != WSMsgType.TEXT:
            break
        for line in msg.data.split("\n"):
            reply = json.loads(line)
            if "push" in reply:
                offsets.append(reply["push"]["pub"]["offset"])
    assert msg.type == WSMsgType.CLOSE
    assert (msg.data, msg.extra) == (codes.SLOW, "slow")
    assert offsets == list(range(1, len(offsets) + 1))
    assert offsets[-1] < published
    await fast.close()
