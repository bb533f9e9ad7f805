"""The real `centrifuge-python` SDK against Chorus served on a loopback port.

Each test drives the SDK through its public API and waits for its events; the server side is
reached through the Node's server API (`app[node_key]`), as domain code reaches it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import centrifuge
import pytest
from aiohttp.test_utils import TestClient

from handlers.api.rpc import RPC_METHODS
from handlers.crypto import sign_access_token
from handlers.identity.auth import start_token_session
from hub.app import create_app
from tests.conftest import STRONG_PASSWORD, ctx_of, make_config
from tests.hub.realtime.helpers import connect, node_of, subscribe
from tests.waiting import until


@dataclass(frozen=True)
class User:
    id: int
    token: str
    session_id: str
    role: str


async def new_user(client: TestClient, username: str) -> User:
    """Register through the API, then open a token session (the JWT the SDKs send)."""
    resp = await client.post("/api/register", json={
        "username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 201, await resp.text()
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(username)
    pair = await start_token_session(ctx, user)
    return User(user.id, pair.access_token, pair.session_id, user.role)


# ---- connect and server-side subscriptions ---------------------------------------------------


async def test_sdk_connects_with_an_access_token(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    connected = await connect(conn)
    assert connected.client and connected.version
    server_client = node_of(client).clients[connected.client]
    assert server_client.user == str(ada.id)


async def test_user_channel_and_announcements_arrive_as_server_side_publications(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    subscribed = {(await conn.recorder.next("subscribed")).channel for _ in range(2)}
    assert subscribed == {f"user:#{ada.id}", "announcements"}

    node = node_of(client)
    await node.publish_to_user(ada.id, {"type": "notification", "text": "hello"})
    pub = await conn.recorder.next("publication")
    assert pub.channel == f"user:#{ada.id}"
    assert pub.pub.data == {"type": "notification", "text": "hello"}
    assert pub.pub.offset == 1

    await node.publish("announcements", {"text": "maintenance at noon"})
    pub = await conn.recorder.next("publication")
    assert (pub.channel, pub.pub.data) == ("announcements", {"text": "maintenance at noon"})


async def test_publications_to_another_user_do_not_reach_this_one(client, sdk):
    ada = await new_user(client, "ada")
    bob = await new_user(client, "bob")
    conn = sdk(client, ada.token)
    await connect(conn)
    node = node_of(client)
    await node.publish_to_user(bob.id, {"for": "bob"})
    await node.publish_to_user(ada.id, {"for": "ada"})
    pub = await conn.recorder.next("publication")
    assert pub.pub.data == {"for": "ada"}


# ---- client-side subscriptions ---------------------------------------------------------------


async def test_subscription_to_posts_receives_a_publication(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    sub, events = await subscribe(conn, f"posts:{ada.id}")
    subscribed = await events.next("subscribed")
    assert subscribed.recoverable and subscribed.positioned
    assert subscribed.stream_position.offset == 0 and subscribed.stream_position.epoch

    await node_of(client).publish(f"posts:{ada.id}", {"post": 1, "title": "Kind of Blue"})
    pub = await events.next("publication")
    assert pub.pub.data == {"post": 1, "title": "Kind of Blue"}
    assert pub.pub.offset == 1


async def test_history_returns_publications_and_position(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    sub, events = await subscribe(conn, f"posts:{ada.id}")
    await events.next("subscribed")
    node = node_of(client)
    for n in range(3):
        await node.publish(f"posts:{ada.id}", {"n": n})

    everything = await sub.history(limit=-1)
    assert [p.data for p in everything.publications] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [p.offset for p in everything.publications] == [1, 2, 3]
    assert everything.offset == 3 and everything.epoch

    position_only = await sub.history()  # the SDK's default limit is 0
    assert position_only.publications == []
    assert (position_only.offset, position_only.epoch) == (3, everything.epoch)

    since = await sub.history(limit=10, since=centrifuge.StreamPosition(1, everything.epoch))
    assert [p.offset for p in since.publications] == [2, 3]
    newest = await sub.history(limit=1, reverse=True)
    assert [p.data for p in newest.publications] == [{"n": 2}]


async def test_presence_and_join_leave_between_two_users(client, sdk):
    ada = await new_user(client, "ada")
    bob = await new_user(client, "bob")
    channel = f"posts:{ada.id}"
    ada_conn = sdk(client, ada.token)
    await connect(ada_conn)
    ada_sub, ada_events = await subscribe(ada_conn, channel, join_leave=True)
    await ada_events.next("subscribed")
    own_join = await ada_events.next("join")
    assert own_join.info.user == str(ada.id)

    bob_conn = sdk(client, bob.token)
    await connect(bob_conn)
    bob_sub, bob_events = await subscribe(bob_conn, channel, join_leave=True)
    await bob_events.next("subscribed")
    join = await ada_events.next("join")
    assert join.info.user == str(bob.id)
    assert join.info.client == bob_conn.client_id
    assert join.info.conn_info == {"username": "bob", "name": ""}

    presence = await ada_sub.presence()
    assert {info.user for info in presence.clients.values()} == {str(ada.id), str(bob.id)}
    assert set(presence.clients) == {ada_conn.client_id, bob_conn.client_id}
    stats = await ada_sub.presence_stats()
    assert (stats.num_clients, stats.num_users) == (2, 2)

    await bob_sub.unsubscribe()
    leave = await ada_events.next("leave")
    assert (leave.info.user, leave.info.client) == (str(bob.id), bob_conn.client_id)
    stats = await ada_sub.presence_stats()
    assert (stats.num_clients, stats.num_users) == (1, 1)


async def test_presence_needs_a_subscription(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    with pytest.raises(centrifuge.ReplyError) as exc_info:
        await conn.presence(f"posts:{ada.id}")
    assert exc_info.value.code == 103


# ---- rpc ---------------------------------------------------------------------------------------


async def test_rpc_to_an_unknown_method_is_error_104(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    with pytest.raises(centrifuge.ReplyError) as exc_info:
        await conn.rpc("no.such.method", {})
    assert exc_info.value.code == 104
    assert exc_info.value.message == "method not found"


async def test_rpc_nowplaying_set_answers_and_publishes_to_the_owner_channel(client, sdk):
    assert "nowplaying.set" in RPC_METHODS
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    sub, events = await subscribe(conn, f"nowplaying:{ada.id}")
    await events.next("subscribed")
    link = "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
    result = await conn.rpc("nowplaying.set", {"link": link})
    assert isinstance(result.data["id"], int)
    pub = await events.next("publication")
    assert pub.pub.data["link"] == link


async def test_rpc_domain_errors_come_back_with_their_status_code(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    with pytest.raises(centrifuge.ReplyError) as exc_info:
        await conn.rpc("nowplaying.set", {"link": "not a link"})
    assert exc_info.value.code == 400
    assert exc_info.value.message


async def test_rpc_method_registered_by_a_test_receives_params_and_principal(client, sdk):
    async def echo(ctx: Any, principal: Any, data: Any) -> dict[str, Any]:
        return {"you": principal.user.username, "sent": data}

    RPC_METHODS["test.echo"] = echo
    try:
        ada = await new_user(client, "ada")
        conn = sdk(client, ada.token)
        await connect(conn)
        result = await conn.rpc("test.echo", {"a": [1, 2]})
        assert result.data == {"you": "ada", "sent": {"a": [1, 2]}}
    finally:
        del RPC_METHODS["test.echo"]


# ---- recovery ----------------------------------------------------------------------------------


async def test_missed_publications_are_recovered_after_a_dropped_connection(client, sdk):
    ada = await new_user(client, "ada")
    channel = f"posts:{ada.id}"
    conn = sdk(client, ada.token)
    await connect(conn)
    sub, events = await subscribe(conn, channel)
    await events.next("subscribed")
    node = node_of(client)
    await node.publish(channel, {"n": 1})
    assert (await events.next("publication")).pub.offset == 1

    reconnect = conn.recorder.hold("connecting")
    assert await node.disconnect_user(ada.id, "test drops the socket", code=3011) == 1
    subscribing = await events.next("subscribing")
    assert subscribing.code == 1  # transport closed
    reconnecting = await conn.recorder.next("connecting")
    assert (reconnecting.code, reconnecting.reason) == (3011, "test drops the socket")
    await node.publish(channel, {"n": 2})  # while the SDK is away
    await node.publish(channel, {"n": 3})
    assert node.channels.get(channel) is None
    reconnect.set()

    resubscribed = await events.next("subscribed")
    assert resubscribed.was_recovering and resubscribed.recovered
    recovered = [await events.next("publication") for _ in range(2)]
    assert [(p.pub.offset, p.pub.data) for p in recovered] == [(2, {"n": 2}), (3, {"n": 3})]
    await node.publish(channel, {"n": 4})
    assert (await events.next("publication")).pub.offset == 4


async def test_missed_user_channel_publications_are_recovered_through_connect(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client, ada.token)
    await connect(conn)
    node = node_of(client)
    await node.publish_to_user(ada.id, {"n": 1})
    assert (await conn.recorder.next("publication")).pub.offset == 1
    assert len(conn.recorder.seen("subscribed")) == 2  # the first connection's

    reconnect = conn.recorder.hold("connecting")
    await node.disconnect_user(ada.id, "test drops the socket", code=3011)
    assert (await conn.recorder.next("connecting")).code == 3011
    await node.publish_to_user(ada.id, {"n": 2})  # while the SDK is away
    assert node.sessions.count(str(ada.id)) == 0
    reconnect.set()

    await conn.recorder.next("connected")
    resubscribed = {}
    for _ in range(2):
        ctx = await conn.recorder.next("subscribed")
        resubscribed[ctx.channel] = ctx
    user_sub = resubscribed[f"user:#{ada.id}"]
    assert user_sub.was_recovering and user_sub.recovered
    pub = await conn.recorder.next("publication")
    assert (pub.channel, pub.pub.offset, pub.pub.data) == (f"user:#{ada.id}", 2, {"n": 2})


async def test_a_client_back_on_a_restarted_server_is_told_not_recovered(
        aiohttp_client, tmp_path: Path, sdk):
    data_dir = tmp_path / "restarted"
    first = await aiohttp_client(await create_app(make_config(data_dir)))
    ada = await new_user(first, "ada")
    channel = f"posts:{ada.id}"
    conn = sdk(first, ada.token)
    await connect(conn)
    sub, events = await subscribe(conn, channel)
    old_epoch = (await events.next("subscribed")).stream_position.epoch
    await node_of(first).publish(channel, {"n": 1})
    assert (await events.next("publication")).pub.offset == 1

    port = first.server.port
    await first.close()  # graceful shutdown: the SDK is told 3001 and keeps reconnecting
    shutdown = await conn.recorder.next("connecting")
    assert shutdown.code == 3001 and shutdown.reason
    second = await aiohttp_client(await create_app(make_config(data_dir)),
                                  server_kwargs={"port": port})

    resubscribed = await events.next("subscribed")
    assert resubscribed.was_recovering and not resubscribed.recovered
    assert resubscribed.stream_position.epoch != old_epoch
    await node_of(second).publish(channel, {"n": "after restart"})
    pub = await events.next("publication")
    assert (pub.pub.offset, pub.pub.data) == (1, {"n": "after restart"})


# ---- refused subscriptions ---------------------------------------------------------------------


@pytest.mark.parametrize("channel, code", [
    ("user:#{other}", 103),
    ("nope:{other}", 102),
    ("quiz:room1", 103),
])
async def test_refused_subscriptions_end_unsubscribed_with_the_error_code(
        client, sdk, channel, code):
    ada = await new_user(client, "ada")
    bob = await new_user(client, "bob")
    conn = sdk(client, ada.token)
    await connect(conn)
    sub, events = await subscribe(conn, channel.format(other=bob.id))
    unsubscribed = await events.next("unsubscribed")
    assert unsubscribed.code == code
    assert sub.state == centrifuge.SubscriptionState.UNSUBSCRIBED
    with pytest.raises(centrifuge.SubscriptionUnsubscribedError):
        await sub.ready()


# ---- tokens ------------------------------------------------------------------------------------


async def test_a_token_about_to_expire_is_refreshed_through_get_token(client, sdk):
    ada = await new_user(client, "ada")
    key = ctx_of(client).keys.signing_key
    short = sign_access_token(key, ada.id, ada.session_id, ada.role, ttl=2)
    issued: list[str] = []

    async def get_token() -> str:
        issued.append(sign_access_token(key, ada.id, ada.session_id, ada.role, ttl=3600))
        return issued[-1]

    conn = sdk(client, short, get_token=get_token)
    connected = await connect(conn)
    server_client = node_of(client).clients[connected.client]
    first_expiry = server_client.expires_at
    assert first_expiry is not None and first_expiry <= time.time() + 2

    await until(lambda: server_client.expires_at != first_expiry)
    assert len(issued) == 1
    assert server_client.expires_at > time.time() + 3000
    assert not server_client.closed
    assert conn.recorder.seen("connecting") == [] and conn.recorder.seen("disconnected") == []
    position = await conn.history(f"user:#{ada.id}")  # the connection still answers
    assert position.offset == 0 and position.epoch


async def test_an_expired_token_on_connect_is_error_109_and_the_sdk_fetches_a_new_one(
        client, sdk):
    ada = await new_user(client, "ada")
    key = ctx_of(client).keys.signing_key
    expired = sign_access_token(key, ada.id, ada.session_id, ada.role, ttl=-60)
    calls: list[int] = []

    async def get_token() -> str:
        calls.append(1)
        return ada.token

    conn = sdk(client, expired, get_token=get_token)
    connected = await connect(conn)
    [error] = conn.recorder.seen("error")
    assert isinstance(error.error, centrifuge.ReplyError)
    assert error.error.code == 109
    assert calls == [1]
    assert node_of(client).clients[connected.client].user == str(ada.id)


async def test_a_forged_token_is_refused_for_good(client, sdk):
    ada = await new_user(client, "ada")
    forged = sign_access_token(b"x" * 32, ada.id, ada.session_id, ada.role, ttl=3600)
    conn = sdk(client, forged)
    await conn.connect()
    disconnected = await conn.recorder.next("disconnected")
    assert disconnected.code == 3500
    assert conn.state == centrifuge.ClientState.DISCONNECTED


# ---- anonymous ---------------------------------------------------------------------------------


async def test_an_anonymous_connection_reads_public_channels_only(client, sdk):
    ada = await new_user(client, "ada")
    conn = sdk(client)
    await connect(conn)
    assert (await conn.recorder.next("subscribed")).channel == "announcements"

    hot, hot_events = await subscribe(conn, "hot")
    await hot_events.next("subscribed")
    await node_of(client).publish("hot", {"track": "So What"})
    assert (await hot_events.next("publication")).pub.data == {"track": "So What"}

    private, private_events = await subscribe(conn, f"user:#{ada.id}")
    assert (await private_events.next("unsubscribed")).code == 103
    with pytest.raises(centrifuge.ReplyError) as exc_info:
        await conn.rpc("nowplaying.set", {"link": "https://example.com/a"})
    assert exc_info.value.code == 401


# ---- pings -------------------------------------------------------------------------------------


async def test_the_sdk_stays_connected_across_pings_while_data_flows(make_client, sdk):
    server = await make_client(ws_ping_interval=1.0, ws_pong_timeout=0.5)
    ada = await new_user(server, "ada")
    # The SDK drops a connection that sees no ping for `ping` + this delay, even while
    # publications arrive (checklist item 9); the server drops one that does not pong.
    conn = sdk(server, ada.token, max_server_ping_delay=0.3)
    connected = await connect(conn)
    sub, events = await subscribe(conn, f"posts:{ada.id}")
    await events.next("subscribed")
    node = node_of(server)
    server_client = node.clients[connected.client]

    deadline = asyncio.get_running_loop().time() + 2.5  # two pings, each answered
    sent = 0
    while asyncio.get_running_loop().time() < deadline:
        sent += 1
        await node.publish(f"posts:{ada.id}", {"n": sent})
        assert (await events.next("publication")).pub.data == {"n": sent}
        await asyncio.sleep(0.05)

    assert conn.recorder.seen("connecting") == []
    assert conn.state == centrifuge.ClientState.CONNECTED
    assert node.clients.get(connected.client) is server_client and not server_client.closed
