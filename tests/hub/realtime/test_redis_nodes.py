"""Two hubs on one Redis (CHORUS_BROKER=redis://...), in one process: two Chorus apps with
their own Node (own node id) sharing the data directory, as two processes would share a
store. What a client on one node gets from the other: publications, presence, recovered
history, disconnects and unsubscribes through the control channel, the connection limit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
from aiohttp.test_utils import TestClient

from handlers.identity.auth import end_all_sessions, end_session
from hub.realtime import codes
from hub.realtime.broker import NodeInfo
from hub.realtime.broker_redis import RedisBroker
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.hub.realtime.helpers import (
    API_KEY,
    app_client,
    closed_with,
    connection_token,
    env_of,
    node_of,
)
from tests.hub.realtime.test_sdk_python import new_user
from tests.waiting import until

CHAT = "chat:lobby"  # presence, join/leave, history (10, 300 s) with recovery


@pytest.fixture
async def hubs(make_client: Any, tmp_path: Path, redis_url: str,
               redis_prefix: str) -> tuple[TestClient, TestClient]:
    """Hubs A and B: one Redis prefix, one data directory, two nodes."""
    started = []
    for _ in range(2):
        client = await make_client(data_dir=tmp_path / "shared", broker=redis_url,
                                   redis_prefix=redis_prefix, centrifugo_env=env_of(),
                                   ws_max_connections_per_user=2)
        node = node_of(client)
        node.config = msgspec.structs.replace(node.config, expired_grace=0.0)
        started.append(client)
    a, b = started
    assert node_of(a).uid != node_of(b).uid
    assert isinstance(node_of(a).broker, RedisBroker) and node_of(a).broker.sharded
    return a, b


async def test_a_publication_on_one_node_reaches_subscribers_on_the_other(hubs):
    a, b = hubs
    alice = await app_client(a, "alice")
    try:
        reply = await alice.call("subscribe", {"channel": CHAT})
        assert "error" not in reply, reply
        position = await node_of(b).publish(CHAT, {"n": 1})
        push = await alice.next_push(CHAT)
        assert push["pub"]["data"] == {"n": 1} and push["pub"]["offset"] == position.offset == 1
        assert reply["subscribe"]["epoch"] == position.epoch  # one stream for both nodes
    finally:
        await alice.close()


async def test_a_post_reaches_every_follower_on_either_node(hubs):
    """Per-user fan-out: one many-channel publish from the node that took the post."""
    a, b = hubs
    author = await new_user(b, "author")
    followers = [await new_user(a, f"fan{i}") for i in range(3)]
    raws = [await RawCentrifuge.open(hub, f.token, cookies=False)
            for hub, f in zip((a, b, a), followers, strict=True)]
    try:
        await node_of(b).publish_to_users([f.id for f in followers],
                                          {"type": "feed.item", "by": author.id})
        for raw, follower in zip(raws, followers, strict=True):
            push = await raw.next_push(f"user:#{follower.id}")
            assert push["pub"]["data"] == {"type": "feed.item", "by": author.id}
    finally:
        for raw in raws:
            await raw.close()


async def test_presence_merges_and_a_dead_node_leaves_no_ghosts(hubs):
    a, b = hubs
    node_b = node_of(b)
    node_b.config = msgspec.structs.replace(node_b.config, presence_ttl=1.0)
    alice, bob = await app_client(a, "alice"), await app_client(b, "bob")
    try:
        for raw in (alice, bob):
            assert "error" not in await raw.call("subscribe", {"channel": CHAT})
        users = {info.user for info in (await node_of(a).presence(CHAT)).values()}
        assert users == {"alice", "bob"}
        assert await node_of(b).presence_store.presence_stats(CHAT) == (2, 2)
        for _ in range(8):  # B alive: it refreshes its clients, past their 1 s TTL
            await node_b.refresh_presence()
            await asyncio.sleep(0.2)
        assert "bob" in {i.user for i in (await node_of(a).presence(CHAT)).values()}
        # B dies: nothing refreshes bob's entry any more, nothing removes it
        await until(lambda: _users_seen_by(a, {"alice"}),
                    failure="bob is still present after his node stopped refreshing")
    finally:
        await alice.close()
        await bob.close()


async def _users_seen_by(hub: TestClient, expected: set[str]) -> bool:
    return {i.user for i in (await node_of(hub).presence(CHAT)).values()} == expected


async def test_a_client_recovers_on_the_other_node_what_it_missed(hubs):
    a, b = hubs
    first = await app_client(a, "alice")
    reply = await first.call("subscribe", {"channel": CHAT})
    epoch = reply["subscribe"]["epoch"]
    await node_of(a).publish(CHAT, {"n": 1})
    assert (await first.next_push(CHAT))["pub"]["offset"] == 1
    await first.close()  # its node is gone; meanwhile A keeps publishing
    await node_of(a).publish(CHAT, {"n": 2})
    await node_of(a).publish(CHAT, {"n": 3})

    second = await app_client(b, "alice")
    try:
        reply = await second.call("subscribe", {"channel": CHAT, "recover": True, "offset": 1,
                                                "epoch": epoch})
        result = reply["subscribe"]
        assert result["recovered"] is True and result["epoch"] == epoch
        assert [(p["offset"], p["data"]) for p in result["publications"]] == [
            (2, {"n": 2}), (3, {"n": 3})]
    finally:
        await second.close()


async def test_server_api_disconnect_on_one_node_closes_the_connection_on_the_other(hubs):
    a, b = hubs
    alice, bob = await app_client(a, "alice"), await app_client(a, "bob")
    try:
        resp = await b.post("/hub/api/disconnect", headers={"X-API-Key": API_KEY},
                            data=json.dumps({"user": "alice",
                                             "disconnect": {"code": 4005, "reason": "bye"}}))
        assert resp.status == 200 and await resp.json() == {"result": {}}
        assert await closed_with(alice) == (4005, "bye")
        assert "error" not in await bob.call("subscribe", {"channel": CHAT})  # bob stays
    finally:
        await alice.close()
        await bob.close()


async def test_server_api_unsubscribe_reaches_the_other_node(hubs):
    a, b = hubs
    alice = await app_client(a, "alice")
    try:
        assert "error" not in await alice.call("subscribe", {"channel": CHAT})
        resp = await b.post("/hub/api/unsubscribe", headers={"X-API-Key": API_KEY},
                            data=json.dumps({"user": "alice", "channel": CHAT}))
        assert await resp.json() == {"result": {}}
        push = await alice.next_push(CHAT)
        assert push["unsubscribe"]["code"] == 2000
        await until(lambda: CHAT not in node_of(a).channels)
    finally:
        await alice.close()


async def test_logout_and_password_change_on_one_node_close_sockets_on_the_other(hubs):
    a, b = hubs
    ada = await new_user(a, "ada")
    other = await _session_of(a, ada.id)
    leaving = await RawCentrifuge.open(a, ada.token, cookies=False)
    staying = await RawCentrifuge.open(a, other, cookies=False)
    try:
        await end_session(ctx_of(b), ada.session_id)  # logout on B
        code, _ = await closed_with(leaving)
        assert code == codes.FORCE_DISCONNECT
        assert len(node_of(a).sessions.of(str(ada.id))) == 1
        ctx = ctx_of(b)
        async with ctx.store.transaction():  # what a password change does
            await end_all_sessions(ctx, ada.id, "password changed")
        code, reason = await closed_with(staying)
        assert (code, reason) == (codes.FORCE_DISCONNECT, "password changed")
    finally:
        await leaving.close()
        await staying.close()


async def _session_of(hub: TestClient, user_id: int) -> str:
    """A second sign-in of the user: its access token."""
    from handlers.identity.auth import start_token_session

    ctx = ctx_of(hub)
    user = await ctx.store.users.get(user_id)
    return (await start_token_session(ctx, user)).access_token


async def test_the_connection_limit_counts_connections_on_every_node(hubs):
    a, b = hubs  # at most two connections per user
    first, second = await app_client(a, "alice"), await app_client(b, "alice")
    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(b.make_url("/connection/websocket"))
        third = RawCentrifuge(ws)
        await ws.send_str(json.dumps({"id": 1, "connect": {"token": connection_token("alice")}}))
        code, reason = await closed_with(third)
        assert (code, reason) == (codes.CONNECTION_LIMIT, "connection limit")
        await first.close()
        await until(lambda: _connection_count(b, "alice", 1))
        fourth = await app_client(b, "alice")  # room again once one closed on A
        await fourth.close()
    finally:
        await session.close()
        await first.close()
        await second.close()


async def _connection_count(hub: TestClient, user: str, expected: int) -> bool:
    from hub.realtime.types import session_key

    return await node_of(hub).connection_count(session_key(user, external=True)) == expected


async def test_connections_racing_on_both_nodes_stop_at_the_limit(hubs):
    """Three connects of one user at once, on two nodes, with a limit of two: one is refused."""
    a, b = hubs
    outcomes = await asyncio.gather(
        *(RawCentrifuge.open(hub, connection_token("alice"), cookies=False)
          for hub in (a, b, a)), return_exceptions=True)
    opened = [raw for raw in outcomes if isinstance(raw, RawCentrifuge)]
    try:
        assert [str(e) for e in outcomes if not isinstance(e, RawCentrifuge)] == [
            "websocket closed: CLOSE 3504 connection limit"]
        assert all("connect" in raw.connect_reply for raw in opened) and len(opened) == 2
    finally:
        for raw in opened:
            await raw.close()


async def _api(hub: TestClient, method: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await hub.post(f"/hub/api/{method}", headers={"X-API-Key": API_KEY},
                          data=json.dumps(body))
    assert resp.status == 200
    answer: dict[str, Any] = await resp.json()
    return answer


async def test_server_api_info_channels_and_presence_answer_for_both_nodes(hubs):
    a, b = hubs
    alice, bob, carol = (await app_client(a, "alice"), await app_client(b, "bob"),
                         await app_client(b, "carol"))
    try:
        for raw in (alice, bob, carol):
            assert "error" not in await raw.call("subscribe", {"channel": CHAT})
        assert "error" not in await carol.call("subscribe", {"channel": "chat:side"})
        info = (await _api(a, "info", {}))["result"]["nodes"]  # B asked now, not as recorded
        by_uid = {node["uid"]: node for node in info}
        assert set(by_uid) == {node_of(a).uid, node_of(b).uid}
        assert (by_uid[node_of(a).uid]["num_clients"], by_uid[node_of(b).uid]["num_clients"]) \
            == (1, 2)
        assert by_uid[node_of(b).uid]["num_channels"] == 2
        channels = (await _api(a, "channels", {"pattern": "chat:*"}))["result"]["channels"]
        assert channels == {CHAT: {"num_clients": 3}, "chat:side": {"num_clients": 1}}
        stats = (await _api(a, "presence_stats", {"channel": CHAT}))["result"]
        assert stats == {"num_clients": 3, "num_users": 3}
        present = (await _api(a, "presence", {"channel": CHAT}))["result"]["presence"]
        assert {entry["user"] for entry in present.values()} == {"alice", "bob", "carol"}
    finally:
        for raw in (alice, bob, carol):
            await raw.close()


async def test_a_node_that_does_not_answer_is_listed_as_it_last_recorded_itself(hubs):
    a, b = hubs
    ghost = NodeInfo(uid="ghost", name="gone", version="v", num_clients=7,
                     channels={CHAT: 7})
    await node_of(b).broker.update_node(ghost, ttl=60)  # a process killed since
    info = (await _api(a, "info", {}))["result"]["nodes"]
    assert {node["uid"]: node["num_clients"] for node in info} == {
        node_of(a).uid: 0, node_of(b).uid: 0, "ghost": 7}
    channels = (await _api(a, "channels", {}))["result"]["channels"]
    assert channels == {CHAT: {"num_clients": 7}}


async def test_server_api_subscribe_on_one_node_subscribes_connections_on_the_other(hubs):
    a, b = hubs
    alice = await app_client(a, "alice")
    try:
        answer = await _api(b, "subscribe", {"user": "alice", "channel": CHAT,
                                             "data": {"welcome": True}})
        assert answer == {"result": {}}
        push = await alice.next_push(CHAT)
        assert push["subscribe"]["data"] == {"welcome": True}
        await until(lambda: CHAT in node_of(a).channels)
        await node_of(b).publish(CHAT, {"n": 1})
        assert (await alice.next_push(CHAT))["pub"]["data"] == {"n": 1}
    finally:
        await alice.close()
