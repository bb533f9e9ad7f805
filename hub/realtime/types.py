"""The records and errors the realtime modules share: who a connection is, what a token
grants, a subscription's state, and how commands fail. Imports none of node, client or
commands, so each of them can import it."""

from __future__ import annotations

import asyncio

import msgspec

from hub.realtime.protocol import ClientInfo
from hub.realtime.transport import PushFrames, Transport

__all__ = ["SubOptions", "Identity", "session_key", "APP_USER_PREFIX", "hook_user", "AuthError",
           "RPCError", "Disconnected", "ChannelState", "Reply"]


class SubOptions(msgspec.Struct, frozen=True):
    """A subscription granted by a token minted elsewhere (a subscription JWT, or the
    `channels`/`subs` claims of a connection JWT): `info` becomes the ClientInfo's chan_info,
    `data` is sent in the subscribe result; `user`/`client` are the token's `sub`/`client`."""

    channel: str
    info: bytes | None = None
    data: bytes | None = None
    expires_at: float | None = None
    user: str = ""
    client: str = ""


class Identity(msgspec.Struct, frozen=True):
    """Who a connection is: `user` "" means anonymous; `expires_at` is unix seconds."""

    user: str
    info: bytes | None = None
    expires_at: float | None = None
    session: str = ""  # the sign-in this connection belongs to, closed when it ends
    # From a Centrifugo connection JWT minted by an app: whatever its `sub`, never a Chorus
    # account (it may use configured namespaces only, see commands.check_subscribe).
    external: bool = False
    subs: tuple[SubOptions, ...] = ()  # server-side subscriptions the token asks for


def session_key(user: str, external: bool = False) -> str:
    """The Sessions key of a user: an app's user "42" is not Chorus account 42."""
    return f"\x00ext:{user}" if external and user else user


# How an app's user is named to Chorus's authorize hooks: "app:<sub>", never a user id
APP_USER_PREFIX = "app:"


def hook_user(identity: Identity | None) -> str:
    """The user a Chorus namespace's authorize hook is asked about: the Chorus user's id, ""
    for anonymous, "app:<sub>" for an app's user (a hook that does not know apps' users
    parses no user id from it, so they stay anonymous to it)."""
    if identity is None:
        return ""
    if identity.external:
        return f"{APP_USER_PREFIX}{identity.user}" if identity.user else ""
    return identity.user


class AuthError(Exception):
    """`expired` answers error 109 (the SDK refreshes its token); otherwise close 3500."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("token expired" if expired else "invalid token")
        self.expired = expired


class RPCError(Exception):
    """An RPC failed with an application code (400+) and a message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Disconnected(Exception):
    """Raised inside command handling to close the connection with `code` and `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class ChannelState:
    """A subscription: the last offset delivered, and publications held back while the
    subscribe reply is being prepared (the reply must reach the client first)."""

    __slots__ = ("last_offset", "pending", "server_side", "join_leave", "info", "expiry")

    def __init__(self, server_side: bool = False, join_leave: bool = False) -> None:
        self.last_offset = 0
        self.pending: list[tuple[int, PushFrames]] | None = []
        self.server_side = server_side
        self.join_leave = join_leave  # this client wants join/leave pushes
        self.info: ClientInfo | None = None  # with chan_info, when a token gave one
        self.expiry: asyncio.TimerHandle | None = None  # a subscription token's expiry

    def flush(self, transport: Transport, after: int) -> None:
        """Release held publications newer than `after` and deliver directly from now on."""
        held, self.pending = self.pending or [], None
        self.last_offset = after
        for offset, frames in held:
            if offset == 0 or offset > self.last_offset:
                transport.write_push(frames)
                self.last_offset = max(self.last_offset, offset)


# What a command handler answers: nothing, a reply, or a reply followed by the release of
# subscriptions whose publications were held back while it was prepared.
Reply = bytes | None | tuple[bytes, list[tuple[ChannelState, int]]]
