"""A Redis that goes away and comes back, played by a TCP proxy in front of the test Redis
(tests/hub/realtime/tcp_proxy.py): calls through a cut-off broker fail at once with
BrokerUnavailable, readiness says the broker is down, the pub/sub connection comes back by
itself with every channel subscribed again, and the hub writes its presence again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import pytest
import redis.asyncio as aioredis

from handlers.identity.auth import end_session
from hub.realtime import codes, redis_pubsub
from hub.realtime.broker import BrokerUnavailable
from hub.realtime.broker_redis import RedisBroker, RedisPresence, redis_broker
from hub.realtime.protocol import ClientInfo, Publication
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.social_helpers import insert_member
from tests.hub.realtime.helpers import API_KEY, app_client, closed_with, env_of, node_of
from tests.hub.realtime.tcp_proxy import TcpProxy
from tests.hub.realtime.test_sdk_python import new_user
from tests.waiting import TIMEOUT, until

CHAT = "chat:lobby"  # a namespace with presence (tests.hub.realtime.helpers' configuration)


class Events:
    """A BrokerEventHandler that keeps what it is told."""

    def __init__(self) -> None:
        self.publications: list[tuple[str, bytes]] = []
        self.reconnects = 0

    def on_publication(self, channel: str, pub: Publication) -> None:
        self.publications.append((channel, bytes(pub.data)))

    def on_join(self, channel: str, info: ClientInfo) -> None:
        return None

    def on_leave(self, channel: str, info: ClientInfo) -> None:
        return None

    def on_control(self, data: bytes) -> None:
        return None

    def on_reconnect(self) -> None:
        self.reconnects += 1


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[TcpProxy]:
    target = urlparse(redis_url)
    relay = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await relay.start()
    yield relay
    await relay.close()


@pytest.fixture
async def brokers(proxy: TcpProxy, redis_url: str, redis_prefix: str
                  ) -> AsyncIterator[tuple[RedisBroker, RedisBroker, Events]]:
    """A broker behind the proxy (with what it hears), and one straight to Redis."""
    (behind, _), (direct, _) = (redis_broker(proxy.url, redis_prefix),
                                redis_broker(redis_url, redis_prefix))
    events = Events()
    behind.register_handler(events)
    direct.register_handler(Events())
    await behind.start()
    await direct.start()
    yield behind, direct, events
    await behind.close()
    await direct.close()


async def _fails_at_once(call: Any) -> None:
    """The call raises BrokerUnavailable well before the wait bound (no hang)."""
    with pytest.raises(BrokerUnavailable):
        await asyncio.wait_for(call, TIMEOUT)


async def test_a_cut_off_broker_fails_its_calls_instead_of_waiting(brokers, proxy):
    behind, _, _ = brokers
    await behind.ping()
    await proxy.cut()
    await _fails_at_once(behind.publish("c", b'{"n":1}'))
    await _fails_at_once(behind.publish_many(["c", "d"], b'{"n":1}'))
    await _fails_at_once(behind.publish_control(b"{}"))
    await _fails_at_once(behind.ping())


async def test_every_channel_is_subscribed_again_when_redis_is_back(brokers, proxy):
    behind, direct, events = brokers
    await behind.subscribe("before")
    await proxy.cut()
    await behind.subscribe("during")  # remembered, subscribed on the new connection
    await proxy.restore()
    await until(lambda: events.reconnects == 1, failure="the broker did not reconnect")
    await behind.ping()
    for channel in ("before", "during"):
        await direct.publish(channel, b'{"n":1}')
    await until(lambda: sorted(c for c, _ in events.publications) == ["before", "during"],
                failure=lambda: f"heard {events.publications}")


async def test_a_subscription_ended_during_the_outage_is_not_renewed(brokers, proxy):
    behind, direct, events = brokers
    await behind.subscribe("kept")
    await behind.subscribe("dropped")
    await proxy.cut()
    await behind.unsubscribe("dropped")
    await proxy.restore()
    await until(lambda: events.reconnects == 1)
    await direct.publish("dropped", b"1")
    await direct.publish("kept", b"2")  # one pub/sub connection: in order after "dropped"
    await until(lambda: events.publications)
    assert events.publications == [("kept", b"2")]


@pytest.fixture
async def hub(proxy: TcpProxy, make_client: Any, redis_prefix: str) -> Any:
    return await make_client(broker=proxy.url, redis_prefix=redis_prefix,
                             centrifugo_env=env_of())


async def test_the_hub_is_not_ready_and_refuses_publishes_while_redis_is_away(hub, proxy):
    assert (await hub.get("/api/health/ready")).status == 200
    await proxy.cut()
    resp = await hub.get("/api/health/ready")
    assert resp.status == 503
    assert await resp.json() == {"status": "not_ready", "reason": "broker unreachable"}
    resp = await asyncio.wait_for(hub.post(
        "/hub/api/publish", headers={"X-API-Key": API_KEY},
        data=json.dumps({"channel": CHAT, "data": {"n": 1}})), TIMEOUT)
    assert await resp.json() == {"error": {"code": 100, "message": "internal server error"}}
    await proxy.restore()
    await until(lambda: _status(hub, 200), failure="still not ready after Redis came back")
    assert await (await hub.get("/api/health")).json()  # liveness answered throughout


async def test_a_write_made_while_redis_is_away_is_saved_and_answered(hub, proxy):
    """Its push is lost, not the write: no 500 for a saved playlist (a client would retry it)."""
    ada = await insert_member(hub, "ada")
    await proxy.cut()
    resp = await asyncio.wait_for(hub.post(
        "/api/playlist", data={"action": "create", "name": "Offline"}, headers=ada.auth), TIMEOUT)
    assert (resp.status, await resp.json()) == (200, {"id": 0, "name": "Offline"})
    saved = await ctx_of(hub).store.collections.by_number(ada.id, 0)
    assert saved is not None and saved.title == "Offline"
    await proxy.restore()


async def test_a_logout_during_the_outage_closes_its_sockets_elsewhere_once_redis_is_back(
        proxy, make_client, tmp_path, redis_url, redis_prefix):
    """Hub A behind the proxy, B straight to Redis, one store: Ada's socket on B outlives A's
    logout only until A can tell B."""
    a, b = [await make_client(data_dir=tmp_path / "shared", broker=url, redis_prefix=redis_prefix,
                              centrifugo_env=env_of()) for url in (proxy.url, redis_url)]
    ada = await new_user(a, "ada")
    on_b = await RawCentrifuge.open(b, ada.token, cookies=False)
    try:
        await proxy.cut()
        await end_session(ctx_of(a), ada.session_id)  # answered: the push is best effort
        assert node_of(b).sessions.of(str(ada.id))  # B was not told yet
        assert len(node_of(a)._unsent) == 1
        await proxy.restore()
        code, reason = await closed_with(on_b)
        assert (code, reason) == (codes.FORCE_DISCONNECT, "logged out")
        assert not node_of(a)._unsent
    finally:
        await on_b.close()


async def _status(client: Any, expected: int) -> bool:
    return (await client.get("/api/health/ready")).status == expected


async def test_clients_stay_and_presence_is_written_again_after_an_outage(
        hub, proxy, redis_url, redis_prefix):
    alice = await app_client(hub, "alice")
    direct = aioredis.Redis.from_url(redis_url)
    store = RedisPresence(direct, redis_prefix)
    try:
        assert "error" not in await alice.call("subscribe", {"channel": CHAT})
        await proxy.cut()
        for client_id in await store.presence(CHAT):  # Redis restarted empty, say
            await store.remove_presence(CHAT, client_id)
        await proxy.restore()
        await until(lambda: _users_in(store, {"alice"}),
                    failure="alice's presence was not written again after the reconnection")
        resp = await hub.post("/hub/api/publish", headers={"X-API-Key": API_KEY},
                              data=json.dumps({"channel": CHAT, "data": {"n": 2}}))
        assert "result" in await resp.json()
        push = await alice.next_push(CHAT)  # the same connection, subscribed again
        assert push["pub"]["data"] == {"n": 2}
        assert node_of(hub).clients
    finally:
        await alice.close()
        await direct.aclose()


async def _users_in(store: RedisPresence, expected: set[str]) -> bool:
    return {info.user for info in (await store.presence(CHAT)).values()} == expected


async def test_a_subscribe_during_the_outage_fails_and_can_be_made_again_after(hub, proxy):
    alice = await app_client(hub, "alice")
    try:
        await proxy.cut()
        reply = await alice.call("subscribe", {"channel": CHAT})
        assert reply["error"] == {"code": 100, "message": "internal server error",
                                  "temporary": True}
        assert CHAT not in node_of(hub).channels  # nothing half-subscribed stays
        await proxy.restore()
        await until(lambda: _status(hub, 200))
        reply = await alice.call("subscribe", {"channel": CHAT})
        assert "error" not in reply, reply
        resp = await hub.post("/hub/api/publish", headers={"X-API-Key": API_KEY},
                              data=json.dumps({"channel": CHAT, "data": {"n": 3}}))
        assert "result" in await resp.json()
        assert (await alice.next_push(CHAT))["pub"]["data"] == {"n": 3}
    finally:
        await alice.close()


async def test_a_hub_started_while_redis_is_away_becomes_ready_when_it_comes(
        proxy, make_client, redis_prefix):
    await proxy.cut()
    hub = await make_client(broker=proxy.url, redis_prefix=redis_prefix,
                            centrifugo_env=env_of())
    resp = await hub.get("/api/health/ready")
    assert resp.status == 503 and (await resp.json())["reason"] == "broker unreachable"
    await proxy.restore()
    await until(lambda: _status(hub, 200), failure="not ready after Redis came")
    alice = await app_client(hub, "alice")
    try:
        assert "error" not in await alice.call("subscribe", {"channel": CHAT})
        resp = await hub.post("/hub/api/publish", headers={"X-API-Key": API_KEY},
                              data=json.dumps({"channel": CHAT, "data": {"n": 4}}))
        assert "result" in await resp.json()
        assert (await alice.next_push(CHAT))["pub"]["data"] == {"n": 4}
        broker = node_of(hub).broker
        assert isinstance(broker, RedisBroker) and broker.sharded  # asked once Redis answered
    finally:
        await alice.close()


async def test_a_redis_that_stops_answering_without_closing_is_taken_for_gone(
        brokers, proxy, monkeypatch):
    monkeypatch.setattr(redis_pubsub, "HEALTH_INTERVAL", 0.2)  # instead of 5 s
    monkeypatch.setattr(redis_pubsub, "READ_TIMEOUT", 0.05)
    behind, direct, events = brokers
    await behind.subscribe("c")
    proxy.freeze()  # the connection stays open; neither a message nor a pong comes through
    await until(lambda: not behind.connected,
                failure="the silent pub/sub connection was taken for alive")
    await _fails_at_once(behind.ping())
    proxy.thaw()
    await until(lambda: events.reconnects == 1, failure="no reconnection after the thaw")
    await direct.publish("c", b'{"n":1}')
    await until(lambda: ("c", b'{"n":1}') in events.publications,
                failure=lambda: f"heard {events.publications}")


async def test_a_quiet_but_healthy_connection_is_kept(brokers, monkeypatch):
    monkeypatch.setattr(redis_pubsub, "HEALTH_INTERVAL", 0.4)
    monkeypatch.setattr(redis_pubsub, "READ_TIMEOUT", 0.05)
    behind, direct, events = brokers
    await behind.subscribe("c")
    for n in range(2):  # quiet spells of several health intervals, kept alive by pongs
        await asyncio.sleep(1.0)
        await direct.publish("c", b"%d" % n)
    await until(lambda: len(events.publications) == 2)
    assert events.reconnects == 0
