"""The two encodings of the Centrifuge client protocol a websocket may speak: JSON text
(protocol.py) and protobuf binary (protocol_pb.py). A Client holds one; command handling
encodes its replies through it and never knows which."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from hub.realtime import protocol, protocol_pb
from hub.realtime.protocol import Command, Error

__all__ = ["Codec", "JSON", "PROTOBUF"]


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    decode_commands: Callable[[str | bytes], list[Command]]
    encode_reply: Callable[[int, str, msgspec.Struct], bytes]
    encode_error_reply: Callable[[int, Error], bytes]
    ping: bytes  # the app-level ping: `{}` in JSON, an empty Reply in protobuf


JSON = Codec("json", protocol.decode_commands, protocol.encode_reply,
             protocol.encode_error_reply, protocol.PING_WS)
PROTOBUF = Codec("protobuf", protocol_pb.decode_commands, protocol_pb.encode_reply,
                 protocol_pb.encode_error_reply, protocol_pb.PING)
