"""Per-connection and per-user limits of the websocket endpoint, and graceful shutdown, seen
from raw websocket clients (exact close codes and replies)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from handlers.identity.auth import start_token_session
from hub.keys import node_key
from hub.realtime import codes
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.waiting import TIMEOUT


async def new_token(client: TestClient, username: str) -> str:
    resp = await client.post("/api/register", json={
        "username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 201, await resp.text()
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(username)
    return (await start_token_session(ctx, user)).access_token


async def closed_with(ws: Any) -> tuple[int, str]:
    """Read until the close frame; its (code, reason)."""
    while True:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        if msg.type == WSMsgType.CLOSE:
            return msg.data, msg.extra
        assert msg.type == WSMsgType.TEXT, msg


async def test_a_frame_above_the_size_limit_closes_with_1009(make_client):
    client = await make_client(ws_max_message_size=1024)
    raw = await RawCentrifuge.open(client)
    await raw.ws.send_str(json.dumps({"id": 2, "publish": {"channel": "hot",
                                                           "data": {"pad": "x" * 2048}}}))
    code, _ = await closed_with(raw.ws)
    assert code == 1009
    assert client.server.app[node_key].clients == {}


async def test_a_frame_within_the_size_limit_is_served(make_client):
    client = await make_client(ws_max_message_size=1024)
    raw = await RawCentrifuge.open(client)
    reply = await raw.call("presence_stats", {"channel": "hot", "pad": "x" * 800})
    assert reply["error"]["code"] == codes.NOT_AVAILABLE  # answered, not closed
    await raw.close()


async def test_commands_over_the_rate_limit_get_error_111_and_the_connection_stays(make_client):
    client = await make_client(ws_commands_per_second=5)
    raw = await RawCentrifuge.open(client)  # connect took one of the five
    assert "error" not in await raw.call("subscribe", {"channel": "hot"})  # and two
    frame = "\n".join(json.dumps({"id": n, "history": {"channel": "hot"}}) for n in range(2, 22))
    await raw.ws.send_str(frame)
    replies = []
    for n in range(2, 22):
        while n not in raw.replies:
            await raw._read()
        replies.append(raw.replies.pop(n))
    assert "error" not in replies[0]
    limited = [r for r in replies if "error" in r]
    assert len(limited) >= 16
    for reply in limited:
        assert reply["error"] == {"code": 111, "message": "too many requests", "temporary": True}

    raw.next_id = 100
    while "error" in (reply := await raw.call("history", {"channel": "hot"})):
        assert reply["error"]["code"] == 111  # tokens come back at 5 per second
    assert reply["history"]["offset"] == 0
    await raw.close()


async def test_one_connection_too_many_for_a_user_closes_with_3504(make_client):
    client = await make_client(ws_max_connections_per_user=2)
    token = await new_token(client, "ada")
    first = await RawCentrifuge.open(client, token)
    second = await RawCentrifuge.open(client, token)
    assert "connect" in first.connect_reply and "connect" in second.connect_reply

    ws = await client.ws_connect("/connection/websocket")
    await ws.send_str(json.dumps({"id": 1, "connect": {"token": token}}))
    code, reason = await closed_with(ws)
    assert (code, reason) == (codes.CONNECTION_LIMIT, "connection limit")

    other = await RawCentrifuge.open(client, await new_token(client, "bob"))
    assert "connect" in other.connect_reply  # the limit is per user
    for raw in (first, second, other):
        await raw.close()


async def test_anonymous_connections_are_not_limited_per_user(make_client):
    client = await make_client(ws_max_connections_per_user=1)
    clients = [await RawCentrifuge.open(client) for _ in range(3)]
    assert all("connect" in raw.connect_reply for raw in clients)
    for raw in clients:
        await raw.close()


async def test_subscriptions_over_the_limit_get_error_106(make_client):
    client = await make_client(ws_max_subscriptions=3)
    raw = await RawCentrifuge.open(client)  # anonymous: `announcements` is server-side
    assert set(raw.connect_reply["connect"]["subs"]) == {"announcements"}
    assert "error" not in await raw.call("subscribe", {"channel": "hot"})
    assert "error" not in await raw.call("subscribe", {"channel": "nearby:u09tv"})
    reply = await raw.call("subscribe", {"channel": "nearby:u09tw"})
    assert reply["error"] == {"code": 106, "message": "limit exceeded"}

    assert "error" not in await raw.call("unsubscribe", {"channel": "hot"})
    assert "error" not in await raw.call("subscribe", {"channel": "nearby:u09tw"})
    await raw.close()


async def test_graceful_shutdown_closes_every_client_with_3001_and_a_reason(make_client):
    client = await make_client()
    token = await new_token(client, "ada")
    clients = [await RawCentrifuge.open(client, token), await RawCentrifuge.open(client)]
    assert "error" not in await clients[1].call("subscribe", {"channel": "hot"})
    not_connected = await client.ws_connect("/connection/websocket")
    sockets = [raw.ws for raw in clients] + [not_connected]

    closes = [asyncio.ensure_future(closed_with(ws)) for ws in sockets]
    await client.server.close()
    for code, reason in await asyncio.gather(*closes):
        assert code == codes.SHUTDOWN
        assert reason and not reason.startswith("{")
    assert client.server.app[node_key].clients == {}
