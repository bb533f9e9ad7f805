"""The Centrifuge client protocol, JSON variant, without I/O (shared/protocol/centrifuge.md).

Text goes in and `Command`s come out (`decode_commands`); replies and pushes go in and bytes
come out (`encode_reply`, `encode_push_body`, `ws_push`, `uni_push`). `ws_text_frame` builds
a whole server-to-client WebSocket text frame so a push can be framed once and the same bytes
written to every subscriber. Imports neither asyncio nor aiohttp.
"""

from __future__ import annotations

import struct
from typing import Any

import msgspec
from msgspec import Raw

__all__ = [
    "ProtocolError",
    "EMPTY_RAW",
    "ClientInfo",
    "Publication",
    "StreamPosition",
    "ConnectRequest",
    "SubscribeRequest",
    "UnsubscribeRequest",
    "PublishRequest",
    "PresenceRequest",
    "PresenceStatsRequest",
    "HistoryRequest",
    "RPCRequest",
    "SendRequest",
    "RefreshRequest",
    "SubRefreshRequest",
    "Command",
    "Error",
    "ConnectResult",
    "SubscribeResult",
    "EmptyResult",
    "PresenceResult",
    "PresenceStatsResult",
    "HistoryResult",
    "RPCResult",
    "RefreshResult",
    "SubRefreshResult",
    "Disconnect",
    "Unsubscribe",
    "Join",
    "Leave",
    "Message",
    "Push",
    "decode_commands",
    "decode_connect_request",
    "encode_reply",
    "encode_error_reply",
    "encode_push_body",
    "ws_push",
    "uni_push",
    "ws_text_frame",
    "PING_WS",
    "PING_UNI",
    "encode_json",
    "COMMAND_FIELDS",
]


EMPTY_RAW = Raw()


class ProtocolError(Exception):
    """The peer broke the protocol: close with `code` (3501 bad request unless told)."""

    def __init__(self, reason: str, code: int = 3501) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ---- shared shapes ------------------------------------------------------------------------


class ClientInfo(msgspec.Struct, omit_defaults=True):
    user: str
    client: str
    conn_info: Raw = EMPTY_RAW
    chan_info: Raw = EMPTY_RAW


class Publication(msgspec.Struct, omit_defaults=True):
    data: Raw
    offset: int = 0
    info: ClientInfo | None = None
    tags: dict[str, str] | None = None
    time: int = 0


class StreamPosition(msgspec.Struct):
    offset: int = 0
    epoch: str = ""


# ---- commands (client -> server) ----------------------------------------------------------


class SubscribeRequest(msgspec.Struct, omit_defaults=True):
    channel: str = ""
    token: str = ""
    recover: bool = False
    offset: int = 0
    epoch: str = ""
    data: Raw = EMPTY_RAW
    positioned: bool = False
    recoverable: bool = False
    join_leave: bool = False
    delta: str = ""
    flag: int = 0
    type: int = 0


class ConnectRequest(msgspec.Struct, omit_defaults=True):
    token: str = ""
    data: Raw = EMPTY_RAW
    subs: dict[str, SubscribeRequest] | None = None
    name: str = ""
    version: str = ""
    headers: dict[str, str] | None = None


class UnsubscribeRequest(msgspec.Struct):
    channel: str = ""


class PublishRequest(msgspec.Struct):
    channel: str = ""
    data: Raw = EMPTY_RAW


class PresenceRequest(msgspec.Struct):
    channel: str = ""


class PresenceStatsRequest(msgspec.Struct):
    channel: str = ""


class HistoryRequest(msgspec.Struct):
    channel: str = ""
    limit: int = 0
    since: StreamPosition | None = None
    reverse: bool = False


class RPCRequest(msgspec.Struct):
    method: str = ""
    data: Raw = EMPTY_RAW


class SendRequest(msgspec.Struct):
    data: Raw = EMPTY_RAW


class RefreshRequest(msgspec.Struct):
    token: str = ""


class SubRefreshRequest(msgspec.Struct):
    channel: str = ""
    token: str = ""


class Command(msgspec.Struct, omit_defaults=True):
    id: int = 0
    connect: ConnectRequest | None = None
    subscribe: SubscribeRequest | None = None
    unsubscribe: UnsubscribeRequest | None = None
    publish: PublishRequest | None = None
    presence: PresenceRequest | None = None
    presence_stats: PresenceStatsRequest | None = None
    history: HistoryRequest | None = None
    ping: dict[str, Any] | None = None
    send: SendRequest | None = None
    rpc: RPCRequest | None = None
    refresh: RefreshRequest | None = None
    sub_refresh: SubRefreshRequest | None = None

    def method(self) -> str | None:
        """The name of the first request field set, or None for an empty command (a pong)."""
        for name in COMMAND_FIELDS:
            if getattr(self, name) is not None:
                return name
        return None


COMMAND_FIELDS = ("connect", "subscribe", "unsubscribe", "publish", "presence",
                  "presence_stats", "history", "ping", "send", "rpc", "refresh", "sub_refresh")

_command_decoder = msgspec.json.Decoder(Command)
_connect_decoder = msgspec.json.Decoder(ConnectRequest)


def decode_commands(frame: str | bytes) -> list[Command]:
    """Split a frame on newlines and decode each Command; malformed input raises
    ProtocolError (3501)."""
    if isinstance(frame, str):
        frame = frame.encode()
    lines = [line for line in frame.strip().split(b"\n") if line.strip()]
    if not lines:
        raise ProtocolError("empty frame")
    try:
        return [_command_decoder.decode(line) for line in lines]
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise ProtocolError("malformed command") from exc  # RecursionError: nested too deep


def decode_connect_request(raw: str | bytes | None) -> ConnectRequest:
    """The bare ConnectRequest of unidirectional transports (empty means defaults)."""
    if raw is None or not raw.strip():
        return ConnectRequest()
    try:
        return _connect_decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise ProtocolError("malformed connect request") from exc  # RecursionError: too deep


# ---- replies (server -> client) -----------------------------------------------------------


class Error(msgspec.Struct, omit_defaults=True):
    code: int
    message: str
    temporary: bool = False


class SubscribeResult(msgspec.Struct, omit_defaults=True):
    expires: bool = False
    ttl: int = 0
    recoverable: bool = False
    epoch: str = ""
    publications: list[Publication] | None = None
    recovered: bool = False
    offset: int = 0
    positioned: bool = False
    data: Raw = EMPTY_RAW
    was_recovering: bool = False


class ConnectResult(msgspec.Struct, omit_defaults=True):
    client: str
    version: str = ""
    expires: bool = False
    ttl: int = 0
    data: Raw = EMPTY_RAW
    subs: dict[str, SubscribeResult] | None = None
    ping: int = 0
    pong: bool = False
    session: str = ""
    node: str = ""


class EmptyResult(msgspec.Struct):
    pass


class PresenceResult(msgspec.Struct):
    presence: dict[str, ClientInfo]


class PresenceStatsResult(msgspec.Struct):
    num_clients: int
    num_users: int


class HistoryResult(msgspec.Struct):
    publications: list[Publication]
    epoch: str
    offset: int


class RPCResult(msgspec.Struct, omit_defaults=True):
    data: Raw = EMPTY_RAW


class RefreshResult(msgspec.Struct, omit_defaults=True):
    client: str = ""
    version: str = ""
    expires: bool = False
    ttl: int = 0


class SubRefreshResult(msgspec.Struct, omit_defaults=True):
    expires: bool = False
    ttl: int = 0


# ---- pushes ---------------------------------------------------------------------------------


class Disconnect(msgspec.Struct):
    code: int
    reason: str


class Unsubscribe(msgspec.Struct):
    code: int
    reason: str


class Join(msgspec.Struct):
    info: ClientInfo


class Leave(msgspec.Struct):
    info: ClientInfo


class Message(msgspec.Struct):
    data: Raw


class Push(msgspec.Struct, omit_defaults=True):
    channel: str = ""
    pub: Publication | None = None
    join: Join | None = None
    leave: Leave | None = None
    unsubscribe: Unsubscribe | None = None
    subscribe: SubscribeResult | None = None
    message: Message | None = None
    disconnect: Disconnect | None = None
    connect: ConnectResult | None = None
    refresh: SubRefreshResult | None = None


_encoder = msgspec.json.Encoder()
PING_WS = b"{}"
PING_UNI = b"{}"


def encode_json(value: Any) -> bytes:
    """Compact JSON (never a raw newline inside), for payloads we publish."""
    return _encoder.encode(value)


def encode_reply(command_id: int, method: str, result: msgspec.Struct) -> bytes:
    """`{"id":N,"<method>":{...}}`: the result key is always present, even when empty."""
    return b'{"id":%d,"%s":%s}' % (command_id, method.encode(), _encoder.encode(result))


def encode_error_reply(command_id: int, error: Error) -> bytes:
    return b'{"id":%d,"error":%s}' % (command_id, _encoder.encode(error))


def encode_push_body(push: Push) -> bytes:
    return _encoder.encode(push)


def ws_push(body: bytes) -> bytes:
    """A push as bidirectional transports carry it: wrapped in a Reply without id."""
    return b'{"push":' + body + b"}"


def uni_push(body: bytes) -> bytes:
    """Unidirectional transports carry the bare Push."""
    return body


def ws_text_frame(payload: bytes) -> bytes:
    """A complete unmasked server-to-client WebSocket text frame (RFC 6455 §5.2)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload
