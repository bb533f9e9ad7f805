"""The real `centrifuge-python` SDK in namespaces configured through Centrifugo's environment
variables, with tokens minted as an app's backend mints them, and the PyPI `cent` client
publishing through the server API."""

from __future__ import annotations

import time
from typing import Any

import centrifuge
from aiohttp.test_utils import TestClient
from cent import AsyncClient, PublishRequest

from hub.realtime import codes
from tests.hub.realtime.helpers import (
    API_KEY,
    SdkFactory,
    chorus_account,
    connect,
    connection_token,
    node_of,
    start,
    subscribe,
    subscription_token,
)
from tests.waiting import until


async def app_user(client: TestClient, sdk: SdkFactory, sub: str, **options: Any) -> Any:
    """A connected SDK client of the app's user `sub` (connection JWT minted here)."""
    conn = sdk(client, connection_token(sub, info={"name": sub.title()}), **options)
    await connect(conn)
    return conn


async def test_presence_and_join_leave_between_two_app_users(make_client, sdk):
    client = await start(make_client)
    alice = await app_user(client, sdk, "alice")
    alice_sub, alice_events = await subscribe(alice, "chat:lobby", join_leave=True)
    await alice_events.next("subscribed")
    assert (await alice_events.next("join")).info.user == "alice"

    bob = await app_user(client, sdk, "bob")
    bob_sub, bob_events = await subscribe(bob, "chat:lobby", join_leave=True)
    await bob_events.next("subscribed")
    join = await alice_events.next("join")
    assert (join.info.user, join.info.client, join.info.conn_info) == (
        "bob", bob.client_id, {"name": "Bob"})

    presence = await alice_sub.presence()
    assert {info.user for info in presence.clients.values()} == {"alice", "bob"}
    stats = await alice_sub.presence_stats()
    assert (stats.num_clients, stats.num_users) == (2, 2)

    await bob_sub.unsubscribe()
    assert (await alice_events.next("leave")).info.user == "bob"


async def test_history_of_a_configured_namespace(make_client, sdk):
    client = await start(make_client)
    alice = await app_user(client, sdk, "alice")
    sub, events = await subscribe(alice, "chat:news")
    await events.next("subscribed")
    for n in range(3):
        await node_of(client).publish("chat:news", {"n": n})
    everything = await sub.history(limit=-1)
    assert [(p.offset, p.data) for p in everything.publications] == [
        (1, {"n": 0}), (2, {"n": 1}), (3, {"n": 2})]
    newest = await sub.history(limit=1, reverse=True)
    assert [p.data for p in newest.publications] == [{"n": 2}]


async def test_publications_missed_while_away_are_recovered(make_client, sdk):
    client = await start(make_client)
    node = node_of(client)
    alice = await app_user(client, sdk, "alice")
    sub, events = await subscribe(alice, "chat:news")
    assert (await events.next("subscribed")).recoverable  # force_recovery
    await node.publish("chat:news", {"n": 1})
    assert (await events.next("publication")).pub.offset == 1

    reconnect = alice.recorder.hold("connecting")
    assert await node.disconnect_user("alice", "test drops it", code=3011, external=True) == 1
    assert (await alice.recorder.next("connecting")).code == 3011
    await node.publish("chat:news", {"n": 2})
    reconnect.set()

    resubscribed = await events.next("subscribed")
    assert resubscribed.was_recovering and resubscribed.recovered
    assert (await events.next("publication")).pub.data == {"n": 2}


async def test_a_tiny_history_makes_a_long_absence_unrecoverable(make_client, sdk):
    client = await start(make_client)
    node = node_of(client)
    alice = await app_user(client, sdk, "alice")
    sub, events = await subscribe(alice, "tiny:feed")
    await events.next("subscribed")
    await node.publish("tiny:feed", {"n": 1})
    assert (await events.next("publication")).pub.offset == 1

    reconnect = alice.recorder.hold("connecting")
    await node.disconnect_user("alice", "test drops it", code=3011, external=True)
    await alice.recorder.next("connecting")
    for n in (2, 3, 4):  # history_size 2 keeps offsets 3 and 4 only
        await node.publish("tiny:feed", {"n": n})
    reconnect.set()

    resubscribed = await events.next("subscribed")
    assert resubscribed.was_recovering and not resubscribed.recovered
    assert resubscribed.stream_position.offset == 4
    await node.publish("tiny:feed", {"n": 5})
    assert (await events.next("publication")).pub.data == {"n": 5}  # nothing replayed before


async def test_an_app_user_is_refused_from_a_chorus_users_channel(make_client, sdk):
    client = await start(make_client)
    uid, _ = await chorus_account(client, "ada")
    mallory = await app_user(client, sdk, str(uid))  # an app claiming Ada's id
    sub, events = await subscribe(mallory, f"user:#{uid}")
    assert (await events.next("unsubscribed")).code == codes.PERMISSION_DENIED
    await node_of(client).publish_to_user(uid, {"private": True})
    assert mallory.recorder.seen("publication") == []


async def test_a_subscription_token_from_get_token_is_refreshed_before_it_expires(
        make_client, sdk):
    client = await start(make_client)
    alice = await app_user(client, sdk, "alice")
    issued: list[int] = []

    async def get_token(channel: str) -> str:
        issued.append(1)
        return subscription_token("alice", channel, ttl=2 if len(issued) == 1 else 3600,
                                  info={"seat": len(issued)})

    sub, events = await subscribe(alice, "secret:plans", get_token=get_token)
    await events.next("subscribed")
    server_client = node_of(client).clients[alice.client_id]
    first = server_client.channels["secret:plans"].expiry
    await until(lambda: len(issued) == 2 and server_client.channels["secret:plans"].expiry
                is not first)
    presence = await sub.presence()
    assert [i.chan_info for i in presence.clients.values()] == [{"seat": 2}]
    assert events.seen("unsubscribed") == [] and events.seen("subscribing") == []


async def test_a_subscription_token_that_is_not_refreshed_lapses_with_2501(make_client, sdk):
    client = await start(make_client)
    alice = await app_user(client, sdk, "alice")
    token = subscription_token("alice", "secret:plans", ttl=1)
    sub, events = await subscribe(alice, "secret:plans", token=token)
    await events.next("subscribed")
    lapsed = await events.next("subscribing")
    assert (lapsed.code, lapsed.reason) == (codes.UNSUBSCRIBE_EXPIRED, "subscription expired")


async def test_an_app_connection_token_is_refreshed_through_get_token(make_client, sdk):
    client = await start(make_client)
    issued: list[str] = []

    async def get_token() -> str:
        issued.append(connection_token("alice", ttl=3600))
        return issued[-1]

    conn = sdk(client, connection_token("alice", ttl=2), get_token=get_token)
    connected = await connect(conn)
    server_client = node_of(client).clients[connected.client]
    first = server_client.expires_at
    await until(lambda: server_client.expires_at != first)
    assert issued and server_client.expires_at > time.time() + 3000
    assert server_client.identity.external and server_client.user == "alice"
    assert conn.recorder.seen("disconnected") == []


async def test_an_expired_app_token_is_error_109_and_the_sdk_gets_a_new_one(make_client,
                                                                             sdk):
    client = await start(make_client)

    async def get_token() -> str:
        return connection_token("alice")

    conn = sdk(client, connection_token("alice", ttl=-30), get_token=get_token)
    connected = await connect(conn)
    [error] = conn.recorder.seen("error")
    assert error.error.code == codes.TOKEN_EXPIRED
    assert node_of(client).clients[connected.client].user == "alice"


async def test_cent_publishes_through_the_server_api_to_a_subscribed_sdk_client(
        make_client, sdk):
    client = await start(make_client)
    alice = await app_user(client, sdk, "alice")
    sub, events = await subscribe(alice, "chat:lobby")
    await events.next("subscribed")
    async with AsyncClient(str(client.make_url("/hub/api")), API_KEY) as cent:
        result = await cent.publish(PublishRequest(channel="chat:lobby",
                                                   data={"text": "from a bot"}))
    assert result.offset == 1 and result.epoch
    pub = await events.next("publication")
    assert (pub.pub.offset, pub.pub.data) == (1, {"text": "from a bot"})


async def test_an_sdk_asking_for_fossil_deltas_gets_full_publications(make_client, sdk):
    client = await start(make_client)
    alice = await app_user(client, sdk, "alice")
    sub, events = await subscribe(alice, "room:1", delta=centrifuge.DeltaType.FOSSIL)
    await events.next("subscribed")
    assert sub._delta_negotiated is False  # the reply carried no `delta: true`
    for score in ([1, 0], [1, 1]):
        await node_of(client).publish("room:1", {"score": score})
        assert (await events.next("publication")).pub.data == {"score": score}
