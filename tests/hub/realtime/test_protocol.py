"""The sans-I/O Centrifuge JSON codec alone: bytes in, commands out; results in, bytes out.

Synchronous, no sockets (after python-websockets' tests/test_protocol.py). Frames built by
`ws_text_frame` are read back with the websockets library's own client-side parser.
"""

from __future__ import annotations

import json

import msgspec
import pytest
from websockets.frames import Opcode
from websockets.protocol import Protocol, Side, State

from hub.realtime import codes
from hub.realtime.protocol import (
    PING_WS,
    ClientInfo,
    ConnectResult,
    EmptyResult,
    Error,
    HistoryResult,
    Join,
    PresenceResult,
    PresenceStatsResult,
    ProtocolError,
    Publication,
    Push,
    RPCResult,
    SubscribeResult,
    Unsubscribe,
    decode_commands,
    decode_connect_request,
    encode_error_reply,
    encode_json,
    encode_push_body,
    encode_reply,
    uni_push,
    ws_push,
    ws_text_frame,
)

# ---- decoding commands -----------------------------------------------------------------------


def test_one_command_decodes_with_its_id_and_method():
    [command] = decode_commands(b'{"id":1,"connect":{"token":"abc","name":"python"}}')
    assert command.id == 1
    assert command.method() == "connect"
    assert command.connect is not None
    assert command.connect.token == "abc" and command.connect.name == "python"


def test_several_newline_separated_commands_in_one_frame_decode_in_order():
    frame = (b'{"id":1,"subscribe":{"channel":"hot"}}\n'
             b'{"id":2,"subscribe":{"channel":"posts:7","recover":true,"offset":3,"epoch":"e"}}\n'
             b'{"id":3,"history":{"channel":"hot","limit":-1}}')
    commands = decode_commands(frame)
    assert [(c.id, c.method()) for c in commands] == [
        (1, "subscribe"), (2, "subscribe"), (3, "history")]
    second = commands[1].subscribe
    assert second is not None
    assert (second.channel, second.recover, second.offset, second.epoch) == (
        "posts:7", True, 3, "e")
    assert commands[2].history is not None and commands[2].history.limit == -1


def test_a_trailing_newline_is_tolerated():
    commands = decode_commands(b'{"id":1,"presence":{"channel":"hot"}}\n')
    assert [c.method() for c in commands] == ["presence"]


def test_text_frames_decode_like_bytes():
    assert decode_commands('{"id":4,"rpc":{"method":"m","data":{"a":1}}}\n')[0].id == 4


def test_crlf_line_endings_are_tolerated():
    commands = decode_commands(b'{"id":1,"ping":{}}\r\n{"id":2,"unsubscribe":{"channel":"x"}}\r\n')
    assert [c.id for c in commands] == [1, 2]


@pytest.mark.parametrize("frame", [b"", b"\n", b"  \n \n", "", "\n"])
def test_an_empty_frame_is_a_bad_request(frame):
    with pytest.raises(ProtocolError) as exc_info:
        decode_commands(frame)
    assert exc_info.value.code == codes.BAD_REQUEST == 3501


@pytest.mark.parametrize("frame", [
    b"{not json",
    b'{"id":1,"connect":{}}\n{"id":2,',
    b"[1,2,3]",
    b"null",
    b'"connect"',
    b'{"id":"one","connect":{}}',
    b'{"id":1,"subscribe":{"channel":42}}',
])
def test_malformed_json_is_a_bad_request(frame):
    with pytest.raises(ProtocolError) as exc_info:
        decode_commands(frame)
    assert exc_info.value.code == 3501
    assert exc_info.value.reason


def test_unknown_fields_are_ignored_at_every_level():
    frame = (b'{"id":1,"connect":{"token":"t","flag":3,"dict":{"x":1},"future":[1]},'
             b'"brand_new_command":{"a":1}}\n'
             b'{"id":2,"subscribe":{"channel":"hot","flag":1,"tf":{"op":"eq"},"cursor":"c"}}')
    connect, subscribe = decode_commands(frame)
    assert connect.method() == "connect" and connect.connect is not None
    assert connect.connect.token == "t"
    assert subscribe.subscribe is not None
    assert subscribe.subscribe.channel == "hot" and subscribe.subscribe.flag == 1


def test_an_empty_command_is_a_pong():
    [command] = decode_commands(b"{}")
    assert command.id == 0 and command.method() is None


def test_a_command_without_id_keeps_its_method_for_the_dispatcher_to_judge():
    [command] = decode_commands(b'{"send":{"data":{"hello":"world"}}}')
    assert command.id == 0 and command.method() == "send"
    assert command.send is not None
    assert json.loads(bytes(command.send.data)) == {"hello": "world"}


def test_the_first_request_field_names_the_method():
    [command] = decode_commands(b'{"id":9,"publish":{"channel":"a","data":1},'
                                b'"presence":{"channel":"a"}}')
    assert command.method() == "publish"


def test_payloads_stay_raw_json_bytes():
    [command] = decode_commands(b'{"id":1,"publish":{"channel":"hot","data":{"n":[1,2,"x"]}}}')
    assert command.publish is not None
    assert isinstance(command.publish.data, msgspec.Raw)
    assert json.loads(bytes(command.publish.data)) == {"n": [1, 2, "x"]}


def test_a_unidirectional_connect_request_is_a_bare_object():
    request = decode_connect_request(b'{"token":"t","subs":{"hot":{"recover":true,"offset":2}}}')
    assert request.token == "t"
    assert request.subs is not None and request.subs["hot"].offset == 2


@pytest.mark.parametrize("raw", [None, b"", "  "])
def test_an_empty_unidirectional_connect_request_means_defaults(raw):
    request = decode_connect_request(raw)
    assert request.token == "" and request.subs is None


def test_a_malformed_unidirectional_connect_request_is_a_bad_request():
    with pytest.raises(ProtocolError) as exc_info:
        decode_connect_request(b"{oops")
    assert exc_info.value.code == 3501


# ---- encoding replies --------------------------------------------------------------------------


@pytest.mark.parametrize("method, result, expected", [
    ("subscribe", SubscribeResult(), b'{"id":3,"subscribe":{}}'),
    ("unsubscribe", EmptyResult(), b'{"id":3,"unsubscribe":{}}'),
    ("publish", EmptyResult(), b'{"id":3,"publish":{}}'),
    ("rpc", RPCResult(), b'{"id":3,"rpc":{}}'),
    ("presence", PresenceResult(presence={}), b'{"id":3,"presence":{"presence":{}}}'),
    ("presence_stats", PresenceStatsResult(num_clients=0, num_users=0),
     b'{"id":3,"presence_stats":{"num_clients":0,"num_users":0}}'),
    ("history", HistoryResult(publications=[], epoch="", offset=0),
     b'{"id":3,"history":{"publications":[],"epoch":"","offset":0}}'),
])
def test_result_keys_are_present_even_when_empty(method, result, expected):
    assert encode_reply(3, method, result) == expected


def test_a_connect_result_always_carries_the_client_id():
    reply = json.loads(encode_reply(1, "connect", ConnectResult(client="c-1")))
    assert reply == {"id": 1, "connect": {"client": "c-1"}}


def test_a_connect_result_carries_expiry_ping_and_server_side_subscriptions():
    result = ConnectResult(client="c", version="v", expires=True, ttl=60, ping=25, pong=True,
                           subs={"user:#1": SubscribeResult(recoverable=True, positioned=True,
                                                            epoch="ab", offset=4)})
    reply = json.loads(encode_reply(1, "connect", result))["connect"]
    assert reply["expires"] is True and reply["ttl"] == 60
    assert reply["ping"] == 25 and reply["pong"] is True
    assert reply["subs"] == {"user:#1": {"recoverable": True, "positioned": True,
                                         "epoch": "ab", "offset": 4}}


def test_error_replies_carry_code_and_message():
    reply = json.loads(encode_error_reply(5, Error(codes.PERMISSION_DENIED, "permission denied")))
    assert reply == {"id": 5, "error": {"code": 103, "message": "permission denied"}}


def test_temporary_errors_say_so():
    reply = json.loads(encode_error_reply(6, Error(codes.TOO_MANY_REQUESTS, "too many requests",
                                                   temporary=True)))
    assert reply["error"] == {"code": 111, "message": "too many requests", "temporary": True}


def test_every_error_code_has_a_message():
    error_codes = [value for name, value in vars(codes).items()
                   if name.isupper() and isinstance(value, int) and 100 <= value < 200]
    assert error_codes
    for code in error_codes:
        assert codes.ERROR_MESSAGES[code]


def test_client_info_always_has_user_and_client():
    anonymous = json.loads(encode_json(ClientInfo(user="", client="c-9")))
    assert anonymous == {"user": "", "client": "c-9"}
    named = json.loads(encode_json(ClientInfo(user="7", client="c-1",
                                              conn_info=msgspec.Raw(b'{"username":"ada"}'))))
    assert named == {"user": "7", "client": "c-1", "conn_info": {"username": "ada"}}


def test_presence_lists_client_info_by_client_id():
    result = PresenceResult(presence={"c-1": ClientInfo(user="", client="c-1")})
    assert json.loads(encode_reply(2, "presence", result)) == {
        "id": 2, "presence": {"presence": {"c-1": {"user": "", "client": "c-1"}}}}


# ---- payloads ----------------------------------------------------------------------------------


def test_raw_payloads_are_embedded_as_json_not_base64():
    pub = Publication(data=msgspec.Raw(b'{"title":"So What","n":[1,2]}'), offset=2)
    body = encode_push_body(Push(channel="posts:1", pub=pub))
    assert body == b'{"channel":"posts:1","pub":{"data":{"title":"So What","n":[1,2]},"offset":2}}'


def test_publications_without_history_omit_the_offset():
    body = encode_push_body(Push(channel="hot", pub=Publication(data=msgspec.Raw(b"1"))))
    assert json.loads(body) == {"channel": "hot", "pub": {"data": 1}}


def test_rpc_results_embed_their_data_as_json():
    result = RPCResult(data=msgspec.Raw(b'{"id":3,"geohash":"u09tv"}'))
    assert encode_reply(8, "rpc", result) == b'{"id":8,"rpc":{"data":{"id":3,"geohash":"u09tv"}}}'


def test_encoded_payloads_never_contain_a_raw_newline():
    payload = encode_json({"text": "line one\nline two", "list": [1, {"a": None}]})
    assert b"\n" not in payload
    assert json.loads(payload)["text"] == "line one\nline two"


def test_history_results_list_publications_oldest_first_with_offsets():
    pubs = [Publication(data=msgspec.Raw(b'{"n":%d}' % n), offset=n) for n in (1, 2)]
    reply = json.loads(encode_reply(4, "history", HistoryResult(publications=pubs, epoch="xy",
                                                                offset=2)))
    assert reply["history"] == {"publications": [{"data": {"n": 1}, "offset": 1},
                                                 {"data": {"n": 2}, "offset": 2}],
                                "epoch": "xy", "offset": 2}


# ---- pushes ------------------------------------------------------------------------------------


def test_websocket_pushes_are_wrapped_in_a_reply_without_id():
    body = encode_push_body(Push(channel="hot", pub=Publication(data=msgspec.Raw(b'"x"'))))
    wrapped = json.loads(ws_push(body))
    assert wrapped == {"push": {"channel": "hot", "pub": {"data": "x"}}}
    assert "id" not in wrapped


def test_unidirectional_pushes_are_bare():
    body = encode_push_body(Push(channel="hot", pub=Publication(data=msgspec.Raw(b'"x"'))))
    assert uni_push(body) == body
    assert json.loads(uni_push(body)) == {"channel": "hot", "pub": {"data": "x"}}


def test_join_and_unsubscribe_pushes_carry_every_field_the_sdks_index():
    join = json.loads(encode_push_body(Push(channel="posts:1", join=Join(
        info=ClientInfo(user="2", client="c")))))
    assert join == {"channel": "posts:1", "join": {"info": {"user": "2", "client": "c"}}}
    unsubscribe = json.loads(encode_push_body(Push(channel="posts:1", unsubscribe=Unsubscribe(
        code=codes.UNSUBSCRIBE_SERVER, reason="server unsubscribe"))))
    assert unsubscribe["unsubscribe"] == {"code": 2000, "reason": "server unsubscribe"}


def test_a_ping_is_an_empty_object():
    assert json.loads(PING_WS) == {}


# ---- websocket framing -------------------------------------------------------------------------


def _read_frames(data: bytes) -> list[tuple[Opcode, bytes, bool]]:
    """Parse server-to-client frames with the websockets client's own parser."""
    parser = Protocol(Side.CLIENT, state=State.OPEN, max_size=None)
    parser.receive_data(data)
    return [(frame.opcode, bytes(frame.data), frame.fin) for frame in parser.events_received()]


@pytest.mark.parametrize("length, header", [
    (0, b"\x81\x00"),
    (125, b"\x81\x7d"),
    (126, b"\x81\x7e\x00\x7e"),
    (65535, b"\x81\x7e\xff\xff"),
    (65536, b"\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    (70000, b"\x81\x7f\x00\x00\x00\x00\x00\x01\x11\x70"),
])
def test_text_frame_headers_follow_the_three_length_classes(length, header):
    payload = b"a" * length
    frame = ws_text_frame(payload)
    assert frame[:len(header)] == header
    assert frame[len(header):] == payload
    assert len(frame) == len(header) + length


@pytest.mark.parametrize("length", [1, 125, 126, 65535, 65536, 200_000])
def test_text_frames_are_read_back_whole_by_a_websocket_client(length):
    payload = b"b" * length
    assert _read_frames(ws_text_frame(payload)) == [(Opcode.TEXT, payload, True)]


def test_frames_written_back_to_back_are_read_as_separate_messages():
    first = ws_push(encode_push_body(Push(channel="hot", pub=Publication(data=msgspec.Raw(b"1")))))
    second = encode_reply(2, "publish", EmptyResult())
    frames = _read_frames(ws_text_frame(first) + ws_text_frame(second))
    assert [data for _, data, _ in frames] == [first, second]
