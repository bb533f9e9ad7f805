"""A websocket's deadlines, all kept on the node's timer wheel: the connect due within the
stale delay, the pong due after each ping, the token's expiry."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType

from hub.realtime import codes
from tests.hub.realtime.helpers import connection_token, node_of, start
from tests.waiting import TIMEOUT


async def _frame(ws: Any) -> Any:
    return await asyncio.wait_for(ws.receive(), TIMEOUT)


async def _connected(client: Any, token: str = "") -> Any:
    ws = await client.ws_connect("/connection/websocket")
    await ws.send_str(json.dumps({"id": 1, "connect": {"token": token}}))
    reply = await _frame(ws)
    assert reply.type == WSMsgType.TEXT and '"connect"' in reply.data, reply
    return ws


async def test_a_connection_that_never_sends_connect_is_closed_as_stale(make_client):
    client = await make_client(ws_stale_delay=0.2)
    ws = await client.ws_connect("/connection/websocket")
    msg = await _frame(ws)
    assert (msg.type, msg.data) == (WSMsgType.CLOSE, codes.STALE)
    assert not node_of(client).pending


async def test_a_client_that_answers_no_ping_is_closed_with_3012(make_client):
    client = await make_client(ws_ping_interval=0.2, ws_pong_timeout=0.2)
    ws = await _connected(client)
    ping = await _frame(ws)
    assert (ping.type, ping.data) == (WSMsgType.TEXT, "{}")
    msg = await _frame(ws)  # no pong sent
    assert (msg.type, msg.data) == (WSMsgType.CLOSE, codes.NO_PONG)


async def test_a_client_that_answers_every_ping_stays_connected(make_client):
    client = await make_client(ws_ping_interval=0.2, ws_pong_timeout=0.2)
    ws = await _connected(client)
    [connected] = node_of(client).clients.values()
    for _ in range(4):  # longer than a pong timeout after the first ping
        ping = await _frame(ws)
        assert (ping.type, ping.data) == (WSMsgType.TEXT, "{}")
        await ws.send_str("{}")
    assert not connected.closed
    await ws.close()


async def test_a_connection_whose_token_expires_unrefreshed_is_closed_with_3005(make_client):
    client = await start(make_client)  # no grace after the expiry
    ws = await _connected(client, connection_token("ada", ttl=2))
    msg = await _frame(ws)
    while msg.type == WSMsgType.TEXT:  # pings meanwhile
        await ws.send_str("{}")
        msg = await _frame(ws)
    assert (msg.type, msg.data) == (WSMsgType.CLOSE, codes.EXPIRED)
