"""A websocket client's frames, decoded and run one command at a time in arrival order
(each command's logic lives in commands.py); protocol errors and `Disconnected` close it."""

from __future__ import annotations

import logging

from hub.realtime import codes
from hub.realtime.broker import BrokerUnavailable
from hub.realtime.client import Client
from hub.realtime.commands import HANDLERS
from hub.realtime.protocol import Command, Error, ProtocolError
from hub.realtime.types import Disconnected, Reply

__all__ = ["handle_frame"]

log = logging.getLogger("chorus.realtime")


async def handle_frame(client: Client, frame: str | bytes) -> None:
    """Decode a frame and run its commands in order; protocol errors close the client."""
    try:
        for command in client.codec.decode_commands(frame):
            if client.closed:
                return
            await _handle(client, command)
    except ProtocolError as exc:
        client.disconnect(exc.code, exc.reason)
    except Disconnected as exc:
        client.disconnect(exc.code, exc.reason)


async def _handle(client: Client, command: Command) -> None:
    method = command.method()
    if method is None or (command.id == 0 and method != "send"):
        client.on_pong()
        return
    if client.unusable or (not client.connected and method != "connect"):
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    if method == "ping":
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    if not client.take_token():
        client.send(client.codec.encode_error_reply(command.id, Error(
            codes.TOO_MANY_REQUESTS, "too many requests", temporary=True)))
        return
    reply: Reply
    try:
        reply = await HANDLERS[method](client, command)
    except Disconnected:
        raise
    except Exception as exc:
        if isinstance(exc, BrokerUnavailable):  # expected while Redis is away: no traceback
            log.warning("realtime command %s failed: broker unavailable (%s)", method, exc)
        else:
            log.exception("realtime command %s failed", method)
        reply = client.codec.encode_error_reply(command.id, Error(
            codes.INTERNAL, "internal server error", temporary=True))
    if isinstance(reply, tuple):  # subscribe/connect: reply first, then held pushes
        payload, releases = reply
        client.send(payload)
        for state, after in releases:
            state.flush(client.transport, after)
        client.check_queue()
    elif reply is not None:
        client.send(reply)
