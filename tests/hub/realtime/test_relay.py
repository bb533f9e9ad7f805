"""The relay: request and reply between processes over the broker's control channel, on the
in-process broker (a process calls itself) and between two nodes on one Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from hub.realtime.broker_memory import MemoryBroker, MemoryPresence
from hub.realtime.broker_redis import redis_broker
from hub.realtime.channels import ChannelRules
from hub.realtime.node import Node
from hub.realtime.relay import RelayError, RelayTimeout


@pytest.fixture(params=["memory", "redis"])
async def nodes(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Node, Node]]:
    """(caller, callee): two nodes on one Redis, or one node calling itself in memory."""
    made: list[Node] = []
    if request.param == "memory":
        node = Node(MemoryBroker(), MemoryPresence(), ChannelRules())
        made.append(node)
        pair = (node, node)
    else:
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        for _ in range(2):
            broker, presence = redis_broker(url, prefix)
            made.append(Node(broker, presence, ChannelRules()))
        pair = (made[0], made[1])
    for node in made:
        await node.broker.start()
    yield pair
    for node in made:
        await node.relay.close()
        await node.broker.close()


def _echo(prefix: bytes) -> Callable[[bytes], Any]:
    async def handler(body: bytes) -> bytes:
        return b'{"echo":' + body + b',"by":"' + prefix + b'"}'

    return handler


async def test_a_call_gets_the_callee_s_reply(nodes):
    caller, callee = nodes
    callee.relay.serve("echo", _echo(callee.uid.encode()))
    reply = await caller.relay.call(callee.uid, "echo", b'{"n":1}', timeout=5)
    assert reply == b'{"echo":{"n":1},"by":"' + callee.uid.encode() + b'"}'
    replies = await asyncio.gather(*(caller.relay.call(callee.uid, "echo", str(n).encode(), 5)
                                     for n in range(5)))
    assert [r.split(b",")[0] for r in replies] == [b'{"echo":%d' % n for n in range(5)]


async def test_an_unknown_topic_or_a_failing_handler_is_an_error(nodes):
    caller, callee = nodes

    async def failing(body: bytes) -> bytes:
        raise RuntimeError("boom")

    callee.relay.serve("fails", failing)
    with pytest.raises(RelayError, match="no handler"):
        await caller.relay.call(callee.uid, "nothing", b"{}", timeout=5)
    with pytest.raises(RelayError, match="failed"):
        await caller.relay.call(callee.uid, "fails", b"{}", timeout=5)


async def test_a_call_to_a_process_that_does_not_answer_times_out(nodes):
    caller, callee = nodes
    callee.relay.serve("echo", _echo(b"x"))
    with pytest.raises(RelayTimeout):  # every node hears it; none is its addressee
        await caller.relay.call("no-such-node", "echo", b"{}", timeout=0.2)


async def test_ask_all_gathers_every_other_process_s_reply_but_never_its_own(nodes):
    caller, callee = nodes
    asked: list[str] = []
    for node in {caller, callee}:
        echo = _echo(node.uid.encode())

        async def handler(body: bytes, uid: str = node.uid, echo: Any = echo) -> bytes:
            asked.append(uid)
            return await echo(body)

        node.relay.serve("who", handler)
    others = {callee.uid} - {caller.uid}  # in memory, one node: nobody else to ask
    replies = await caller.relay.ask_all("who", b"1", others, timeout=5)
    assert set(replies) == others
    for uid, body in replies.items():
        assert body == b'{"echo":1,"by":"' + uid.encode() + b'"}'
    await asyncio.sleep(0.1)  # a question the asker heard itself would be answered by now
    assert asked == sorted(others)


async def test_ask_all_gives_up_on_silent_processes_at_its_timeout(nodes):
    caller, callee = nodes

    async def failing(body: bytes) -> bytes:
        raise RuntimeError("boom")

    callee.relay.serve("fails", failing)
    started = asyncio.get_running_loop().time()
    replies = await caller.relay.ask_all("fails", b"{}", {callee.uid, "gone"}, timeout=0.3)
    assert replies == {}  # a failed answer is left out, a missing one waited for
    assert 0.25 <= asyncio.get_running_loop().time() - started < 5
