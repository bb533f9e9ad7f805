"""The websocket endpoint speaking protobuf: how the encoding is negotiated, what a protobuf
connection refuses, and fan-out encoding each publication once per encoding in use."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import WSMsgType
from centrifuge.codecs import _ProtobufCodec

from hub.realtime import codes, protocol_pb, transport
from hub.realtime.broker import HistoryFilter
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.hub.realtime.helpers import connection_token, node_of, start
from tests.waiting import TIMEOUT, until

SDK = _ProtobufCodec()


async def _receive(ws: Any) -> list[dict[str, Any]]:
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type == WSMsgType.BINARY, msg
    return SDK.decode_replies(msg.data)


async def _protobuf_client(client: Any, path: str = "/connection/websocket",
                           protocols: tuple[str, ...] = ("centrifuge-protobuf",),
                           token: str = "") -> Any:
    ws = await client.ws_connect(path, protocols=protocols)
    await ws.send_bytes(SDK.encode_commands([{"id": 1, "connect": {"token": token}}]))
    [reply] = await _receive(ws)
    assert reply["id"] == 1 and reply["connect"]["client"], reply
    return ws


async def test_the_subprotocol_selects_protobuf_and_is_answered(make_client):
    client = await start(make_client)
    ws = await _protobuf_client(client)
    assert ws.protocol == "centrifuge-protobuf"
    await ws.close()


@pytest.mark.parametrize("query", ["cf_protocol=protobuf", "format=protobuf"])
async def test_a_query_parameter_selects_protobuf_without_a_subprotocol(make_client, query):
    client = await start(make_client)
    ws = await _protobuf_client(client, f"/connection/websocket?{query}", protocols=())
    assert ws.protocol is None
    await ws.send_bytes(SDK.encode_commands([{"id": 2, "subscribe": {"channel": "open:x"}}]))
    assert await _receive(ws) == [{"id": 2, "subscribe": {}}]
    await ws.close()


async def test_a_json_offer_still_gets_json(make_client):
    client = await start(make_client)
    ws = await client.ws_connect("/connection/websocket", protocols=("centrifuge-json",))
    assert ws.protocol == "centrifuge-json"
    await ws.send_str('{"id":1,"connect":{}}')
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type == WSMsgType.TEXT and '"connect"' in msg.data
    await ws.close()


@pytest.mark.parametrize("send, reason", [
    (lambda ws: ws.send_str('{"id":2,"subscribe":{"channel":"open:x"}}'),
     "protobuf protocol expects binary frames"),
    (lambda ws: ws.send_bytes(b"\x09\x08"), "truncated command"),
])
async def test_a_protobuf_connection_closes_3501_on_a_frame_it_cannot_read(
        make_client, send, reason):
    client = await start(make_client)
    ws = await _protobuf_client(client)
    await send(ws)
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert (msg.type, msg.data, msg.extra) == (WSMsgType.CLOSE, codes.BAD_REQUEST, reason)


async def test_a_ping_is_an_empty_reply_and_an_empty_command_answers_it(make_client):
    client = await start(make_client)
    ws = await _protobuf_client(client)
    node = node_of(client)
    [connected] = node.clients.values()
    connected._ping()  # the interval timer's job, run now
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert (msg.type, msg.data) == (WSMsgType.BINARY, b"\x00")
    await ws.send_bytes(SDK.encode_commands([{}]))
    await until(lambda: not connected.awaiting_pong)
    assert not connected.closed
    await ws.close()


async def test_fan_out_encodes_a_publication_once_per_encoding_in_use(make_client, monkeypatch):
    calls = {"json": 0, "protobuf": 0}

    def counted(name: str, encode: Any) -> Any:
        def wrapper(push: Any) -> bytes:
            calls[name] += 1
            return encode(push)
        return wrapper

    monkeypatch.setattr(transport, "encode_push_body",
                        counted("json", transport.encode_push_body))
    monkeypatch.setattr(transport.protocol_pb, "encode_push",
                        counted("protobuf", protocol_pb.encode_push))
    client = await start(make_client)
    node = node_of(client)
    binary = [await _protobuf_client(client, token=connection_token(f"p{n}")) for n in range(3)]
    text = [await RawCentrifuge.open(client, connection_token(f"j{n}"), cookies=False)
            for n in range(3)]
    for n, ws in enumerate(binary):
        await ws.send_bytes(SDK.encode_commands([{"id": 2,
                                                  "subscribe": {"channel": "chat:mixed"}}]))
        [reply] = await _receive(ws)
        assert reply["id"] == 2 and "subscribe" in reply, n
    for raw in text:
        await raw.call("subscribe", {"channel": "chat:mixed"})
    await raw.call("subscribe", {"channel": "chat:text"})

    await node.publish("chat:text", {"only": "json"})  # one JSON subscriber
    assert (await raw.next_push("chat:text"))["pub"]["data"] == {"only": "json"}
    assert calls == {"json": 1, "protobuf": 0}

    await node.publish("chat:mixed", {"n": 1})  # three of each
    for ws in binary:
        [reply] = await _receive(ws)
        assert reply["push"]["pub"]["data"] == "eyJuIjoxfQ=="  # {"n":1}
    for raw in text:
        assert (await raw.next_push("chat:mixed"))["pub"]["data"] == {"n": 1}
    assert calls == {"json": 2, "protobuf": 1}
    for ws in binary:
        await ws.close()
    for raw in text:
        await raw.close()


@pytest.mark.parametrize("command", [
    {"id": 3, "publish": {"channel": "chat:x", "data": "AAEC"}},  # bytes 00 01 02
    {"id": 3, "rpc": {"method": "test.echo", "data": "bm90IGpzb24="}},  # "not json"
])
async def test_payloads_that_are_not_json_are_refused_with_107_and_change_nothing(
        make_client, command):
    client = await start(make_client)
    ws = await _protobuf_client(client, token=connection_token("alice"))
    await ws.send_bytes(SDK.encode_commands([{"id": 2, "subscribe": {"channel": "chat:x"}}]))
    await _receive(ws)
    await ws.send_bytes(SDK.encode_commands([command]))
    [reply] = await _receive(ws)
    assert reply == {"id": 3, "error": {"code": codes.BAD_REQUEST_ERROR,
                                        "message": "bad request"}}
    node = node_of(client)
    namespace = node.rules.namespace("chat:x")
    assert namespace is not None
    pubs, _top = await node.broker.history("chat:x", HistoryFilter(limit=10), namespace.history)
    assert pubs == []
    await ws.close()
