"""Broker and presence contract: the same suite for every implementation (MemoryBroker now;
a Redis broker joins the `make_broker` parametrisation later)."""

from __future__ import annotations

import pytest

from hub.realtime.broker import HistoryFilter, HistoryOptions, UnrecoverablePosition
from hub.realtime.broker_memory import MemoryBroker, MemoryPresence
from hub.realtime.protocol import ClientInfo, Publication, StreamPosition

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

    def on_publication(self, channel: str, pub: Publication) -> None:
        self.publications.append((channel, pub))

    def on_join(self, channel: str, info: ClientInfo) -> None:
        self.joins.append((channel, info))

    def on_leave(self, channel: str, info: ClientInfo) -> None:
        self.leaves.append((channel, info))


@pytest.fixture(params=["memory"])
def make_broker(request):
    def make(clock):
        return MemoryBroker(clock=clock), MemoryPresence(clock=clock)

    return make


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def parts(make_broker, clock):
    broker, presence = make_broker(clock)
    recorder = Recorder()
    broker.register_handler(recorder)
    return broker, presence, recorder


async def test_publish_goes_through_the_handler_with_increasing_offsets(parts):
    broker, _, recorder = parts
    first = await broker.publish("c", b'{"n":1}', history=KEEP)
    second = await broker.publish("c", b'{"n":2}', history=KEEP)
    assert (first.offset, second.offset) == (1, 2) and first.epoch == second.epoch
    assert [bytes(p.data) for _, p in recorder.publications] == [b'{"n":1}', b'{"n":2}']
    assert [p.offset for _, p in recorder.publications] == [1, 2]


async def test_publish_without_history_keeps_nothing(parts):
    broker, _, recorder = parts
    position = await broker.publish("c", b"1")
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


async def test_a_new_broker_is_a_new_epoch(make_broker, clock):
    first, _ = make_broker(clock)
    second, _ = make_broker(clock)
    a = await first.publish("c", b"1", history=KEEP)
    b = await second.publish("c", b"1", history=KEEP)
    assert a.epoch != b.epoch


async def test_an_unpublished_stream_is_made_on_its_first_publication(parts):
    broker, _, _ = parts
    pubs, before = await broker.history("user:#1", HistoryFilter(limit=0), KEEP)
    assert pubs == [] and before.offset == 0 and before.epoch
    assert await broker.history("user:#1", HistoryFilter(limit=0), KEEP) == ([], before)
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
