"""Broker and presence contract: the same suite for every implementation, MemoryBroker and
RedisBroker (a real Redis, each test under its own key prefix)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from hub.realtime.broker import HistoryFilter, HistoryOptions, NodeInfo, UnrecoverablePosition
from hub.realtime.broker_memory import MemoryBroker, MemoryPresence
from hub.realtime.broker_redis import redis_broker
from hub.realtime.protocol import ClientInfo, Publication, StreamPosition
from tests.waiting import until

KEEP = HistoryOptions(size=3, ttl=60)


class FakeClock:
    """Time that tests move forward by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.publications: list[tuple[str, Publication]] = []
        self.joins: list[tuple[str, ClientInfo]] = []
        self.leaves: list[tuple[str, ClientInfo]] = []
        self.controls: list[bytes] = []

    def on_publication(self, channel: str, pub: Publication) -> None:
        self.publications.append((channel, pub))

    def on_join(self, channel: str, info: ClientInfo) -> None:
        self.joins.append((channel, info))

    def on_leave(self, channel: str, info: ClientInfo) -> None:
        self.leaves.append((channel, info))

    def on_control(self, data: bytes) -> None:
        self.controls.append(data)

    def on_reconnect(self) -> None:
        return None  # these brokers stay connected


@pytest.fixture(params=["memory", "redis"])
async def make_broker(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., Any]]:
    """Build (broker, presence) pairs on `clock`, started; closed after the test."""
    made: list[Any] = []
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")

    async def make(clock: FakeClock, shared: bool = True) -> tuple[Any, Any]:
        """`shared`: on the same Redis keys as the brokers made before (memory: never)."""
        if request.param == "memory":
            broker, presence = MemoryBroker(clock=clock), MemoryPresence(clock=clock)
        else:
            broker, presence = redis_broker(url, prefix if shared else prefix + "other:",
                                            clock=clock)
        await broker.start()
        made.append(broker)
        return broker, presence

    yield make
    for broker in made:
        await broker.close()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
async def parts(make_broker, clock):
    broker, presence = await make_broker(clock)
    recorder = Recorder()
    broker.register_handler(recorder)
    await broker.subscribe("c")
    return broker, presence, recorder


async def test_publish_goes_through_the_handler_with_increasing_offsets(parts):
    broker, _, recorder = parts
    first = await broker.publish("c", b'{"n":1}', history=KEEP)
    second = await broker.publish("c", b'{"n":2}', history=KEEP)
    assert (first.offset, second.offset) == (1, 2) and first.epoch == second.epoch
    await until(lambda: len(recorder.publications) == 2)
    assert [bytes(p.data) for _, p in recorder.publications] == [b'{"n":1}', b'{"n":2}']
    assert [p.offset for _, p in recorder.publications] == [1, 2]


async def test_publish_without_history_keeps_nothing(parts):
    broker, _, recorder = parts
    position = await broker.publish("c", b"1")
    await until(lambda: recorder.publications)
    assert position == StreamPosition() and recorder.publications[0][1].offset == 0
    pubs, _ = await broker.history("c", HistoryFilter(limit=-1))
    assert pubs == []


async def test_history_limits_since_and_reverse(parts):
    broker, _, _ = parts
    for n in range(1, 4):
        top = await broker.publish("c", b"%d" % n, history=KEEP)
    pubs, position = await broker.history("c", HistoryFilter(limit=0), KEEP)
    assert pubs == [] and position == top
    pubs, _ = await broker.history("c", HistoryFilter(limit=-1), KEEP)
    assert [p.offset for p in pubs] == [1, 2, 3]
    pubs, _ = await broker.history("c", HistoryFilter(limit=-1, since=StreamPosition(1, top.epoch)),
                                   KEEP)
    assert [p.offset for p in pubs] == [2, 3]
    pubs, _ = await broker.history("c", HistoryFilter(limit=1, reverse=True), KEEP)
    assert [p.offset for p in pubs] == [3]


async def test_history_is_trimmed_by_size_and_ttl(parts, clock):
    broker, _, _ = parts
    for n in range(5):
        await broker.publish("c", b"%d" % n, history=KEEP)
    pubs, position = await broker.history("c", HistoryFilter(limit=-1), KEEP)
    assert [p.offset for p in pubs] == [3, 4, 5] and position.offset == 5
    clock.now += 61
    pubs, position = await broker.history("c", HistoryFilter(limit=-1), KEEP)
    assert pubs == [] and position.offset == 5  # the stream position outlives publications


async def test_another_epoch_is_unrecoverable(parts):
    broker, _, _ = parts
    await broker.publish("c", b"1", history=KEEP)
    with pytest.raises(UnrecoverablePosition):
        await broker.history("c", HistoryFilter(limit=-1, since=StreamPosition(1, "other")), KEEP)


async def test_a_broker_with_a_history_of_its_own_is_a_new_epoch(make_broker, clock):
    """A restarted MemoryBroker; a Redis that lost the channel (another prefix here)."""
    first, _ = await make_broker(clock)
    second, _ = await make_broker(clock, shared=False)
    a = await first.publish("c", b"1", history=KEEP)
    b = await second.publish("c", b"1", history=KEEP)
    assert a.epoch != b.epoch


async def test_an_unpublished_stream_is_made_on_its_first_publication(parts):
    broker, _, _ = parts
    pubs, before = await broker.history("user:#1", HistoryFilter(limit=0), KEEP)
    assert pubs == [] and before.offset == 0 and before.epoch
    assert await broker.history("user:#1", HistoryFilter(limit=0), KEEP) == ([], before)
    if isinstance(broker, MemoryBroker):
        assert "user:#1" not in broker._streams  # reading an empty history keeps nothing
    with pytest.raises(UnrecoverablePosition):
        await broker.history("user:#1", HistoryFilter(since=StreamPosition(0, "other")), KEEP)
    position = await broker.publish("user:#1", b'{"n":1}', history=KEEP)
    assert position == StreamPosition(offset=1, epoch=before.epoch)  # a held position recovers
    pubs, _ = await broker.history("user:#1", HistoryFilter(limit=-1, since=before), KEEP)
    assert [p.offset for p in pubs] == [1]


async def test_join_and_leave_reach_the_handler(parts):
    broker, _, recorder = parts
    info = ClientInfo(user="1", client="a")
    await broker.publish_join("c", info)
    await broker.publish_leave("c", info)
    await until(lambda: recorder.leaves)
    assert recorder.joins == [("c", info)] and recorder.leaves == [("c", info)]


async def test_presence_add_remove_stats_and_expiry(parts, clock):
    _, presence, _ = parts
    await presence.add_presence("c", "a", ClientInfo(user="1", client="a"), ttl=10)
    await presence.add_presence("c", "b", ClientInfo(user="1", client="b"), ttl=10)
    await presence.add_presence("c", "x", ClientInfo(user="2", client="x"), ttl=100)
    assert set(await presence.presence("c")) == {"a", "b", "x"}
    assert await presence.presence_stats("c") == (3, 2)
    await presence.remove_presence("c", "a")
    assert set(await presence.presence("c")) == {"b", "x"}
    clock.now += 11
    assert set(await presence.presence("c")) == {"x"}
    assert await presence.presence_stats("c") == (1, 1)


async def test_publish_many_publishes_to_each_channel(parts):
    broker, _, recorder = parts
    await broker.subscribe("d")
    positions = await broker.publish_many(["c", "d", "c"], b'{"all":1}', history=KEEP)
    assert [p.offset for p in positions] == [1, 1, 2]
    assert positions[0].epoch == positions[2].epoch
    await until(lambda: len(recorder.publications) == 3)
    assert sorted((c, p.offset) for c, p in recorder.publications) == [("c", 1), ("c", 2),
                                                                       ("d", 1)]
    pubs, _ = await broker.history("d", HistoryFilter(limit=-1), KEEP)
    assert [bytes(p.data) for p in pubs] == [b'{"all":1}']
    assert await broker.publish_many([], b"1") == []


async def test_control_messages_reach_the_handler(parts):
    broker, _, recorder = parts
    await broker.publish_control(b'{"op":"x"}')
    await until(lambda: recorder.controls)
    assert recorder.controls == [b'{"op":"x"}']


async def test_unsubscribed_channels_are_not_delivered(parts):
    broker, _, recorder = parts
    await broker.subscribe("d")
    await broker.unsubscribe("c")
    await broker.publish("c", b'{"n":"c"}')
    await broker.publish("d", b'{"n":"d"}')
    await until(lambda: recorder.publications)
    if isinstance(broker, MemoryBroker):  # one process: the node filters by its subscribers
        return
    assert [c for c, _ in recorder.publications] == ["d"]


async def test_admit_lets_exactly_the_limit_in_when_connections_race(parts, make_broker, clock):
    """Admissions racing on two processes' presence stores (Redis: one set of keys; memory:
    one process, one store) let in exactly the limit."""
    _, presence, _ = parts
    other = presence if isinstance(presence, MemoryPresence) else (await make_broker(clock))[1]
    info = ClientInfo(user="1", client="")
    admitted = await asyncio.gather(*(
        (presence, other)[n % 2].admit("$c", f"conn{n}", info, 10, limit=3) for n in range(10)))
    assert admitted.count(True) == 3
    inside = set(await presence.presence("$c"))
    assert inside == {f"conn{n}" for n, ok in enumerate(admitted) if ok}
    assert await other.admit("$c", sorted(inside)[0], info, 10, limit=3)  # already in: refreshed
    assert not await other.admit("$c", "late", info, 10, limit=3)
    clock.now += 11  # the three expired (their process stopped refreshing them)
    assert await presence.admit("$c", "late", info, 10, limit=3)


async def test_nodes_report_themselves_until_their_entry_expires(make_broker, clock):
    broker, _ = await make_broker(clock)
    other, _ = await make_broker(clock)
    seen_by = other if not isinstance(broker, MemoryBroker) else broker
    await broker.update_node(NodeInfo(uid="a", name="h1", version="v", num_clients=2,
                                      channels={"chat:x": 2}), ttl=10)
    await broker.update_node(NodeInfo(uid="b", name="h2", version="v"), ttl=30)
    nodes = {info.uid: info for info in await seen_by.nodes()}
    assert set(nodes) == {"a", "b"} and nodes["a"].channels == {"chat:x": 2}
    clock.now += 11
    assert [info.uid for info in await seen_by.nodes()] == ["b"]
    await broker.remove_node("b")  # stopped before its entry expired
    assert await seen_by.nodes() == []
