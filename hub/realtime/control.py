"""Control messages between the processes of one hub (after centrifuge's control channel):
disconnecting, unsubscribing or server-side subscribing a user's connections reaches the
connections every process holds. The node that is asked applies a command to its own
connections, then publishes it through the broker; the other nodes apply it when it arrives
(the sender skips its own)."""

from __future__ import annotations

from typing import Literal

import msgspec

from hub.realtime.protocol import StreamPosition
from hub.realtime.types import Identity, SubOptions

__all__ = ["Control", "encode", "decode", "selects", "grant_of"]


class Control(msgspec.Struct, frozen=True, omit_defaults=True):
    """What to do to which connections of one user."""

    op: Literal["disconnect", "unsubscribe", "subscribe"]
    key: str  # the user's Sessions key (types.session_key)
    origin: str = ""  # uid of the node that sent it (it has applied it already)
    session: str = ""  # only connections opened with this sign-in
    client: str = ""  # only this connection
    whitelist: tuple[str, ...] = ()  # never these connections
    channel: str = ""  # unsubscribe: from this channel; subscribe: to this one
    code: int = 0
    reason: str = ""
    info: str = ""  # subscribe: the channel info (JSON), the subscribe push's data (JSON),
    data: str = ""  # when the grant expires (unix seconds, 0 never) and where to recover from
    expires_at: float = 0.0
    since: StreamPosition | None = None


def grant_of(command: Control) -> SubOptions:
    """The server-side subscription a `subscribe` command grants."""
    return SubOptions(command.channel, info=command.info.encode() or None,
                      data=command.data.encode() or None,
                      expires_at=command.expires_at or None)


_decoder = msgspec.json.Decoder(Control)


def encode(command: Control) -> bytes:
    return msgspec.json.encode(command)


def decode(data: bytes) -> Control:
    """Raises msgspec.DecodeError/ValidationError on anything else."""
    return _decoder.decode(data)


def selects(command: Control, client_id: str, identity: Identity | None) -> bool:
    """Whether the command is meant for this connection of the user."""
    if command.client and client_id != command.client:
        return False
    if client_id in command.whitelist:
        return False
    return not command.session or (identity is not None and identity.session == command.session)
