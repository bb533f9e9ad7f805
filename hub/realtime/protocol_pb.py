"""The Centrifuge client protocol, protobuf variant, without I/O (the messages of
hub/realtime/pb/client.proto).

A binary frame holds varint-length-delimited `Command`s (`decode_commands`); replies and pushes
go out as varint-length-delimited `Reply`s (`encode_reply`, `encode_error_reply`,
`encode_push`). Commands decode to the same msgspec Structs as the JSON variant and replies
encode from them, so command handling never knows the encoding. `data` and `info` fields are
raw bytes here where JSON embeds them as JSON text: the bytes are the same. Imports neither
asyncio nor aiohttp.
"""

from __future__ import annotations

import struct
import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as PbMessage
from msgspec import Raw

from hub.realtime.pb import client_pb2 as pb
from hub.realtime.protocol import Command, Error, ProtocolError, Push

__all__ = ["decode_commands", "encode_reply", "encode_error_reply", "encode_push",
           "delimited", "ws_binary_frame", "PING"]

MAX_VARINT_BYTES = 10

# An empty Reply is a ping; the SDK answers with an empty Command (the pong).
PING = b"\x00"


# ---- framing --------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def delimited(message: bytes) -> bytes:
    """One serialized message with its varint length in front."""
    return _varint(len(message)) + message


def _split(frame: bytes) -> list[bytes]:
    """The length-delimited messages of a frame; a truncated one raises ProtocolError."""
    messages = []
    position, end = 0, len(frame)
    while position < end:
        length = shift = 0
        for _ in range(MAX_VARINT_BYTES):
            if position >= end:
                raise ProtocolError("truncated length")
            byte = frame[position]
            position += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        else:
            raise ProtocolError("malformed length")
        if position + length > end:
            raise ProtocolError("truncated command")
        messages.append(frame[position:position + length])
        position += length
    return messages


def ws_binary_frame(payload: bytes) -> bytes:
    """A complete unmasked server-to-client WebSocket binary frame (RFC 6455 §5.2)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x82, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x82, 126, length)
    else:
        header = struct.pack("!BBQ", 0x82, 127, length)
    return header + payload


# ---- commands (client -> server): protobuf message -> msgspec Struct ------------------------

Converter = Callable[[Any], Any]
_plans: dict[type[msgspec.Struct], dict[str, Converter]] = {}


def _identity(value: Any) -> Any:
    return value


def _converter(hint: Any) -> Converter:
    """How one protobuf field value becomes the Struct field of type `hint`."""
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and args:
        hint = args[0]
    if hint is Raw:
        return Raw
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        cls = hint
        return lambda message: _to_struct(message, cls)
    if typing.get_origin(hint) is dict:
        value_type = typing.get_args(hint)[1]
        if isinstance(value_type, type) and issubclass(value_type, msgspec.Struct):
            inner = value_type
            return lambda mapping: {key: _to_struct(item, inner) for key, item in mapping.items()}
        if value_type is Any:
            return lambda _message: {}  # ping: an empty object
        return dict
    return _identity


def _plan(cls: type[msgspec.Struct]) -> dict[str, Converter]:
    plan = _plans.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _plans[cls] = {name: _converter(hints[name]) for name in cls.__struct_fields__}
    return plan


def _to_struct(message: PbMessage, cls: type[msgspec.Struct]) -> Any:
    """The Struct `cls` with the fields `message` sets (fields Chorus does not model are
    skipped, as the JSON decoder skips unknown keys)."""
    plan = _plan(cls)
    kwargs = {}
    for field, value in message.ListFields():
        convert = plan.get(field.name)
        if convert is not None:
            kwargs[field.name] = convert(value)
    return cls(**kwargs)


def decode_commands(frame: str | bytes) -> list[Command]:
    """Split a binary frame into its length-delimited Commands; malformed input (or text)
    raises ProtocolError (3501)."""
    if isinstance(frame, str):
        raise ProtocolError("text frames are not protobuf protocol")
    messages = _split(frame)
    if not messages:
        raise ProtocolError("empty frame")
    commands = []
    for data in messages:
        message = pb.Command()
        try:
            message.ParseFromString(data)
        except (DecodeError, RecursionError) as exc:
            raise ProtocolError("malformed command") from exc
        commands.append(_to_struct(message, Command))
    return typing.cast(list[Command], commands)


# ---- replies and pushes (server -> client): msgspec Struct -> protobuf message ---------------

_fields_of: dict[tuple[type[msgspec.Struct], str], tuple[str, ...]] = {}


def _shared_fields(value: msgspec.Struct, message: PbMessage) -> tuple[str, ...]:
    """The Struct's fields the protobuf message also has (a push's `subscribe` is a
    SubscribeResult in Chorus and the smaller `Subscribe` on the wire)."""
    key = (type(value), message.DESCRIPTOR.full_name)
    names = _fields_of.get(key)
    if names is None:
        known = message.DESCRIPTOR.fields_by_name
        names = _fields_of[key] = tuple(n for n in value.__struct_fields__ if n in known)
    return names


def _fill(message: Any, value: msgspec.Struct) -> None:
    """Set on `message` every non-default field of `value`, recursively; Raw becomes bytes."""
    message.SetInParent()
    for name in _shared_fields(value, message):
        item = getattr(value, name)
        if item is None:
            continue
        if isinstance(item, Raw):
            data = bytes(item)
            if data:
                setattr(message, name, data)
        elif isinstance(item, msgspec.Struct):
            _fill(getattr(message, name), item)
        elif isinstance(item, list):
            container = getattr(message, name)
            for element in item:
                _fill(container.add(), element)
        elif isinstance(item, dict):
            container = getattr(message, name)
            for key, element in item.items():
                if isinstance(element, msgspec.Struct):
                    _fill(container[key], element)
                else:
                    container[key] = element
        elif item:
            setattr(message, name, item)


def encode_reply(command_id: int, method: str, result: msgspec.Struct) -> bytes:
    """A delimited Reply with `id` and the `method` result (present even when empty)."""
    reply = pb.Reply(id=command_id)
    _fill(getattr(reply, method), result)
    return delimited(reply.SerializeToString())


def encode_error_reply(command_id: int, error: Error) -> bytes:
    reply = pb.Reply(id=command_id)
    _fill(reply.error, error)
    return delimited(reply.SerializeToString())


def encode_push(push: Push) -> bytes:
    """A push as bidirectional transports carry it: a delimited Reply without id."""
    reply = pb.Reply()
    _fill(reply.push, push)
    return delimited(reply.SerializeToString())
