"""The rest of the encoding matrix (every test here runs with JSON and with protobuf SDK
clients, see conftest.encoding): client publish, presence stats, unsubscribe, server-side
subscriptions and disconnects through the server API, and publications shared by
subscribers of both encodings."""

from __future__ import annotations

import json
import time
import warnings

from cent import AsyncClient, Disconnect, DisconnectRequest, PublishRequest, SubscribeRequest
from cent import UnsubscribeRequest as ApiUnsubscribe
from jwt.warnings import InsecureKeyLengthWarning

from hub.realtime import codes
from hub.realtime.protocol import encode_json
from tests.hub.realtime.helpers import (
    API_KEY,
    SdkFactory,
    connect,
    connection_token,
    mint,
    node_of,
    start,
    subscribe,
)
from tests.waiting import until


async def _app_user(client, sdk: SdkFactory, sub: str, **options):  # type: ignore[no-untyped-def]
    conn = sdk(client, connection_token(sub, info={"name": sub.title()}), **options)
    await connect(conn)
    return conn


def _cent(client) -> AsyncClient:  # type: ignore[no-untyped-def]
    return AsyncClient(str(client.make_url("/hub/api")), API_KEY)


async def test_a_publication_reaches_json_and_protobuf_subscribers_as_the_same_bytes(
        make_client, sdk):
    client = await start(make_client)
    writer = await _app_user(client, sdk, "alice")
    json_reader = await _app_user(client, sdk, "bob", use_protobuf=False)
    bytes_reader = await _app_user(client, sdk, "carol", use_protobuf=True, raw_bytes=True)
    subs = {}
    for name, conn in (("alice", writer), ("bob", json_reader), ("carol", bytes_reader)):
        sub, events = await subscribe(conn, "chat:mixed")
        await events.next("subscribed")
        subs[name] = (sub, events)

    await subs["alice"][0].publish({"text": "from a client"})
    from_client = await subs["carol"][1].next("publication")
    assert isinstance(from_client.pub.data, bytes)  # raw bytes, never base64 or re-encoded
    assert json.loads(from_client.pub.data) == {"text": "from a client"}
    assert (await subs["bob"][1].next("publication")).pub.data == {"text": "from a client"}
    assert (await subs["alice"][1].next("publication")).pub.data == {"text": "from a client"}
    assert from_client.pub.info.user == "alice"

    await node_of(client).publish("chat:mixed", {"text": "from the node", "n": [1, 2]})
    from_node = await subs["carol"][1].next("publication")
    assert from_node.pub.data == encode_json({"text": "from the node", "n": [1, 2]})
    for name in ("alice", "bob"):
        pub = await subs[name][1].next("publication")
        assert pub.pub.data == {"text": "from the node", "n": [1, 2]}

    async with _cent(client) as cent:
        await cent.publish(PublishRequest(channel="chat:mixed", data={"via": "api"}))
    assert json.loads((await subs["carol"][1].next("publication")).pub.data) == {"via": "api"}
    assert (await subs["alice"][1].next("publication")).pub.data == {"via": "api"}


async def test_presence_stats_and_unsubscribe(make_client, sdk):
    client = await start(make_client)
    alice = await _app_user(client, sdk, "alice")
    bob = await _app_user(client, sdk, "bob")
    alice_sub, alice_events = await subscribe(alice, "chat:room")
    bob_sub, bob_events = await subscribe(bob, "chat:room")
    await alice_events.next("subscribed")
    await bob_events.next("subscribed")
    stats = await alice_sub.presence_stats()
    assert (stats.num_clients, stats.num_users) == (2, 2)
    await bob_sub.unsubscribe()
    assert (await bob_events.next("unsubscribed")).code == 0
    await until(lambda: len(node_of(client).channels.get("chat:room", {})) == 1)
    stats = await alice_sub.presence_stats()
    assert (stats.num_clients, stats.num_users) == (1, 1)


async def test_server_side_subscription_through_the_server_api(make_client, sdk):
    client = await start(make_client)
    alice = await _app_user(client, sdk, "alice")
    async with _cent(client) as cent:
        await cent.subscribe(SubscribeRequest(user="alice", channel="chat:feed",
                                              data={"welcome": True}))
        subscribed = await alice.recorder.next("subscribed")
        assert (subscribed.channel, subscribed.data) == ("chat:feed", {"welcome": True})
        await cent.publish(PublishRequest(channel="chat:feed", data={"n": 1}))
        pub = await alice.recorder.next("publication")
        assert (pub.channel, pub.pub.offset, pub.pub.data) == ("chat:feed", 1, {"n": 1})
        await cent.unsubscribe(ApiUnsubscribe(user="alice", channel="chat:feed"))
        assert (await alice.recorder.next("unsubscribed")).channel == "chat:feed"
    assert "chat:feed" not in node_of(client).channels


async def test_a_server_api_unsubscribe_ends_a_client_subscription_with_2000(make_client, sdk):
    client = await start(make_client)
    alice = await _app_user(client, sdk, "alice")
    sub, events = await subscribe(alice, "chat:room")
    await events.next("subscribed")
    async with _cent(client) as cent:
        await cent.unsubscribe(ApiUnsubscribe(user="alice", channel="chat:room"))
    unsubscribed = await events.next("unsubscribed")
    assert (unsubscribed.code, unsubscribed.reason) == (codes.UNSUBSCRIBE_SERVER,
                                                        "server unsubscribe")


async def test_a_server_api_disconnect_reaches_the_sdk_with_its_code(make_client, sdk):
    client = await start(make_client)
    alice = await _app_user(client, sdk, "alice")
    async with _cent(client) as cent:
        await cent.disconnect(DisconnectRequest(user="alice", disconnect=Disconnect(
            code=4501, reason="account closed")))
    disconnected = await alice.recorder.next("disconnected")
    assert (disconnected.code, disconnected.reason) == (4501, "account closed")


async def test_an_sdk_connects_with_a_token_signed_by_the_sdks_own_test_key(make_client, sdk):
    """The SDKs' test setups sign with `secret`: Chorus starts with it (warning) and accepts
    their tokens, as Centrifugo does."""
    client = await start(make_client, CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY="secret")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        token = mint({"sub": "alice", "exp": int(time.time()) + 60}, key="secret")
    conn = sdk(client, token)
    connected = await connect(conn)
    assert node_of(client).clients[connected.client].user == "alice"
