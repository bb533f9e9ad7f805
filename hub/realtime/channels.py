"""Channels: Chorus's namespaces as data (DESIGN §3) and the checks they imply.

A channel is `namespace:name`; `#` marks a user-limited channel (`user:#42` is for user 42
only). Who may subscribe is a policy name; the "hook" policy asks a function that the
composition root registers (e.g. "is this user a follower of the channel's owner?"), so this
module never imports domain code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

import msgspec

from hub.realtime.broker import HistoryOptions

__all__ = ["Access", "Namespace", "ChannelRules", "CHORUS_NAMESPACES", "parse_channel",
           "AuthorizeHook", "MAX_CHANNEL_LENGTH"]

MAX_CHANNEL_LENGTH = 255


class Access(StrEnum):
    """Who may do something in a namespace."""

    NOBODY = "nobody"
    OWNER = "owner"  # user-limited channel: the user after '#'
    ANYONE = "anyone"  # anonymous connections included
    AUTHENTICATED = "authenticated"
    SUBSCRIBER = "subscriber"  # whoever is subscribed to the channel
    HOOK = "hook"  # ask the namespace's authorize hook


class Namespace(msgspec.Struct, frozen=True):
    name: str
    subscribe: Access = Access.NOBODY
    publish: Access = Access.NOBODY
    presence: bool = False
    join_leave: bool = False
    force_push_join_leave: bool = False  # push join/leave even to clients that did not ask
    presence_access: Access = Access.SUBSCRIBER
    history_access: Access = Access.SUBSCRIBER
    history_size: int = 0
    history_ttl: float = 0.0
    server_side: bool = False  # subscribed on connect, not by clients

    @property
    def history(self) -> HistoryOptions:
        return HistoryOptions(size=self.history_size, ttl=self.history_ttl)


# user id (as a string, "" for anonymous), channel -> allowed?
AuthorizeHook = Callable[[str, str], Awaitable[bool]]

CHORUS_NAMESPACES: tuple[Namespace, ...] = (
    Namespace("user", subscribe=Access.OWNER, history_size=100, history_ttl=3600,
              server_side=True),
    Namespace("posts", subscribe=Access.HOOK, presence=True, join_leave=True,
              history_size=50, history_ttl=600),
    Namespace("nowplaying", subscribe=Access.HOOK, presence=True, join_leave=True,
              history_size=10, history_ttl=3600),
    Namespace("nearby", subscribe=Access.ANYONE, history_size=50, history_ttl=600),
    Namespace("hot", subscribe=Access.ANYONE, history_size=20, history_ttl=3600),
    Namespace("quiz", subscribe=Access.HOOK, presence=True, join_leave=True,
              history_size=100, history_ttl=3600),
    Namespace("announcements", subscribe=Access.ANYONE, history_size=20, history_ttl=86400,
              server_side=True),
)


def parse_channel(channel: str) -> tuple[str, str, list[str]]:
    """(namespace, name, allowed users) of `ns:name#u1,u2`; namespace "" when there is no ':'."""
    namespace, sep, name = channel.partition(":")
    if not sep:
        namespace, name = "", channel
    users: list[str] = []
    if "#" in name:
        users = [u for u in name.rsplit("#", 1)[1].split(",") if u]
    return namespace, name, users


class ChannelRules:
    """The namespace table plus the authorize hooks registered for HOOK namespaces."""

    def __init__(self, namespaces: tuple[Namespace, ...] = CHORUS_NAMESPACES) -> None:
        self.namespaces = {ns.name: ns for ns in namespaces}
        self.hooks: dict[str, AuthorizeHook] = {}

    def namespace(self, channel: str) -> Namespace | None:
        """The namespace of `channel`, or None when it is unknown (error 102)."""
        if not channel or len(channel) > MAX_CHANNEL_LENGTH or not channel.isascii():
            return None
        namespace = parse_channel(channel)[0]
        if not namespace:  # bare names: `hot`, `announcements`
            return self.namespaces.get(channel)
        return self.namespaces.get(namespace)

    def on_authorize(self, namespace: str, hook: AuthorizeHook) -> None:
        self.hooks[namespace] = hook

    async def allowed(self, access: Access, user: str, channel: str,
                      subscribed: bool = False) -> bool:
        """Whether `user` ("" = anonymous) passes `access` for `channel`."""
        if access is Access.ANYONE:
            return True
        if access is Access.NOBODY:
            return False
        if access is Access.AUTHENTICATED:
            return bool(user)
        if access is Access.SUBSCRIBER:
            return subscribed
        if access is Access.OWNER:
            return bool(user) and user in parse_channel(channel)[2]
        hook = self.hooks.get(parse_channel(channel)[0])
        return hook is not None and await hook(user, channel)
