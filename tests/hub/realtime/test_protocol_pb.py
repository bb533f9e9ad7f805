"""The protobuf codec (hub/realtime/protocol_pb.py) byte for byte against the official SDK's
own protobuf codec: frames the SDK writes decode to the same Commands the JSON codec makes,
and what Chorus writes the SDK reads back; binary frames are read back by the websockets
client's parser; each push is encoded once per encoding, on first use."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from centrifuge.codecs import _ProtobufCodec
from websockets.frames import Opcode
from websockets.protocol import Protocol, Side, State

from hub.realtime import codes, protocol_pb
from hub.realtime.protocol import (
    ClientInfo,
    Command,
    ConnectResult,
    EmptyResult,
    Error,
    HistoryResult,
    PresenceResult,
    ProtocolError,
    Publication,
    Push,
    SubscribeResult,
    Unsubscribe,
    decode_commands,
    encode_json,
)
from hub.realtime.transport import PushFrames

SDK = _ProtobufCodec()


def sdk_frame(*commands: dict[str, Any]) -> bytes:
    """The bytes the centrifuge-python SDK sends for these commands in protobuf mode (its
    dicts are the JSON shapes, with bytes fields in base64 as protobuf's JSON mapping has)."""
    return SDK.encode_commands(commands)


# ---- commands in ------------------------------------------------------------------------------


def test_an_sdk_connect_frame_with_subscriptions_decodes_to_the_json_codecs_command():
    frame = sdk_frame({"id": 1, "connect": {
        "token": "jwt", "name": "python", "version": "0.7", "data": "eyJhIjoxfQ==",
        "subs": {"chat:1": {"recover": True, "offset": "7", "epoch": "ep"}}}})
    [command] = protocol_pb.decode_commands(frame)
    [expected] = decode_commands(b'{"id":1,"connect":{"token":"jwt","name":"python",'
                                 b'"version":"0.7","data":{"a":1},"subs":{"chat:1":'
                                 b'{"recover":true,"offset":7,"epoch":"ep"}}}}')
    assert command.method() == "connect"
    assert bytes(command.connect.data) == b'{"a":1}'  # the raw bytes, JSON or not
    command.connect.data = expected.connect.data = msgspec.Raw(b"")
    assert command == expected


def test_several_commands_in_one_frame_keep_their_order_and_fields():
    frame = sdk_frame(
        {"id": 2, "subscribe": {"channel": "chat:1", "recoverable": True, "positioned": True,
                                "join_leave": True, "flag": "2"}},
        {"id": 3, "publish": {"channel": "chat:1", "data": "AAEC"}},
        {"id": 4, "history": {"channel": "chat:1", "limit": 10, "reverse": True,
                              "since": {"offset": "3", "epoch": "ep"}}},
        {"id": 5, "rpc": {"method": "echo", "data": "bnVsbA=="}},
        {"id": 6, "presence_stats": {"channel": "chat:1"}},
        {"id": 7, "sub_refresh": {"channel": "chat:1", "token": "t"}},
        {"id": 8, "refresh": {"token": "r"}},
        {"id": 9, "unsubscribe": {"channel": "chat:1"}},
        {"id": 10, "presence": {"channel": "chat:1"}},
    )
    commands = protocol_pb.decode_commands(frame)
    assert [(c.id, c.method()) for c in commands] == [
        (2, "subscribe"), (3, "publish"), (4, "history"), (5, "rpc"), (6, "presence_stats"),
        (7, "sub_refresh"), (8, "refresh"), (9, "unsubscribe"), (10, "presence")]
    subscribe, publish, history, rpc = commands[:4]
    assert subscribe.subscribe is not None and subscribe.subscribe.join_leave
    assert (subscribe.subscribe.flag, subscribe.subscribe.recoverable) == (2, True)
    assert publish.publish is not None and bytes(publish.publish.data) == b"\x00\x01\x02"
    assert history.history is not None and history.history.since is not None
    assert (history.history.limit, history.history.reverse,
            history.history.since.offset, history.history.since.epoch) == (10, True, 3, "ep")
    assert rpc.rpc is not None and (rpc.rpc.method, bytes(rpc.rpc.data)) == ("echo", b"null")
    assert commands[5].sub_refresh is not None and commands[5].sub_refresh.token == "t"


def test_an_empty_command_is_a_pong_and_an_empty_request_still_names_its_method():
    frame = sdk_frame({}, {"id": 3, "publish": {}})
    pong, publish = protocol_pb.decode_commands(frame)
    assert pong == Command() and pong.method() is None
    assert publish.method() == "publish" and publish.publish is not None
    assert frame[:1] == b"\x00"  # an empty Command is one zero byte of length


@pytest.mark.parametrize("frame", [
    b"",                      # nothing
    b"\x05\x08\x01",          # the length promises more than there is
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # a length longer than ten bytes
    b"\x02\xff\xff",          # not a Command
    b"\x02\x22\x05",          # a connect request cut short inside the Command
])
def test_malformed_frames_are_protocol_errors_3501(frame):
    with pytest.raises(ProtocolError) as raised:
        protocol_pb.decode_commands(frame)
    assert raised.value.code == codes.BAD_REQUEST


def test_a_text_frame_is_not_protobuf():
    with pytest.raises(ProtocolError):
        protocol_pb.decode_commands('{"id":1,"connect":{}}')


# ---- replies and pushes out -----------------------------------------------------------------


def test_replies_in_one_frame_are_read_by_the_sdk_codec():
    pub = Publication(data=msgspec.Raw(b'{"n":1}'), offset=4, tags={"k": "v"},
                      info=ClientInfo(user="u1", client="c1", conn_info=msgspec.Raw(b'{"x":1}')))
    frame = b"".join([
        protocol_pb.encode_reply(1, "connect", ConnectResult(
            client="c1", version="v", ping=25, pong=True,
            subs={"user:#1": SubscribeResult(recoverable=True, epoch="e", offset=4,
                                             positioned=True, publications=[pub])})),
        protocol_pb.encode_reply(2, "publish", EmptyResult()),
        protocol_pb.encode_error_reply(3, Error(codes.TOO_MANY_REQUESTS, "too many requests",
                                                temporary=True)),
        protocol_pb.encode_reply(4, "presence", PresenceResult(
            presence={"c1": ClientInfo(user="u1", client="c1")})),
        protocol_pb.encode_reply(5, "history", HistoryResult(publications=[], epoch="e",
                                                             offset=0)),
        protocol_pb.PING,
    ])
    connect, publish, error, presence, history, ping = SDK.decode_replies(frame)
    assert connect == {"id": 1, "connect": {
        "client": "c1", "version": "v", "ping": 25, "pong": True,
        "subs": {"user:#1": {"recoverable": True, "epoch": "e", "offset": "4",
                             "positioned": True, "publications": [{
                                 "data": "eyJuIjoxfQ==", "offset": "4", "tags": {"k": "v"},
                                 "info": {"user": "u1", "client": "c1",
                                          "conn_info": "eyJ4IjoxfQ=="}}]}}}}
    assert publish == {"id": 2, "publish": {}}  # an empty result is still there
    assert error == {"id": 3, "error": {"code": 111, "message": "too many requests",
                                        "temporary": True}}
    assert presence == {"id": 4, "presence": {"presence": {"c1": {"user": "u1",
                                                                  "client": "c1"}}}}
    assert history == {"id": 5, "history": {"epoch": "e"}}
    assert ping == {}  # the SDK answers an empty Reply with an empty Command


def test_a_json_published_payload_is_the_same_bytes_in_a_protobuf_push():
    data = encode_json({"track": "So What", "n": [1, 2.5, None]})
    push = Push(channel="hot", pub=Publication(data=msgspec.Raw(data), offset=9))
    [reply] = SDK.decode_replies(protocol_pb.encode_push(push))
    assert reply["push"]["channel"] == "hot" and reply["push"]["pub"]["offset"] == "9"
    from centrifuge.protocol import client_pb2 as sdk_pb  # the SDK's own message classes

    message = sdk_pb.Reply()
    message.ParseFromString(protocol_pb.encode_push(push)[1:])
    assert message.push.pub.data == data


def test_an_unsubscribe_push_and_a_server_side_subscribe_push_keep_their_fields():
    unsubscribe = Push(channel="c", unsubscribe=Unsubscribe(code=2000, reason="server unsubscribe"))
    subscribe = Push(channel="c", subscribe=SubscribeResult(
        recoverable=True, epoch="e", offset=3, positioned=True, data=msgspec.Raw(b"{}"),
        expires=True, ttl=5))  # expires/ttl are not fields of the wire's Subscribe push
    first, second = SDK.decode_replies(protocol_pb.encode_push(unsubscribe)
                                       + protocol_pb.encode_push(subscribe))
    assert first == {"push": {"channel": "c", "unsubscribe": {"code": 2000,
                                                              "reason": "server unsubscribe"}}}
    assert second == {"push": {"channel": "c", "subscribe": {
        "recoverable": True, "epoch": "e", "offset": "3", "positioned": True, "data": "e30="}}}


# ---- framing and encoding once ----------------------------------------------------------------


def _read_frames(data: bytes) -> list[tuple[Opcode, bytes, bool]]:
    parser = Protocol(Side.CLIENT, state=State.OPEN, max_size=None)
    parser.receive_data(data)
    return [(frame.opcode, bytes(frame.data), frame.fin) for frame in parser.events_received()]


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 200_000])
def test_binary_frames_are_read_back_whole_by_a_websocket_client(length):
    payload = b"\x00" * length
    assert _read_frames(protocol_pb.ws_binary_frame(payload)) == [(Opcode.BINARY, payload, True)]


def test_a_push_is_encoded_only_in_the_encodings_asked_for():
    frames = PushFrames(Push(channel="hot", pub=Publication(data=msgspec.Raw(b"1"), offset=1)))
    first = frames.ws
    assert frames.ws is first  # the same bytes object for every JSON subscriber
    assert "ws_protobuf" not in frames.__dict__  # a JSON-only channel pays nothing for protobuf
    binary = frames.ws_protobuf
    assert frames.ws_protobuf is binary
    [(opcode, payload, _)] = _read_frames(binary)
    assert opcode == Opcode.BINARY
    assert SDK.decode_replies(payload) == [{"push": {"channel": "hot", "pub": {
        "data": "MQ==", "offset": "1"}}}]
    only_protobuf = PushFrames(Push(channel="hot", pub=Publication(data=msgspec.Raw(b"2"))))
    assert only_protobuf.ws_protobuf and "body" not in only_protobuf.__dict__  # nor the reverse
