"""Channels: Chorus's namespaces as data (DESIGN §3) and the checks they imply.

A channel is `namespace:name`; `#` marks a user-limited channel (`user:#42` is for user 42
only). Who may subscribe is a policy name; the "hook" policy asks a function that the
composition root registers (e.g. "is this user a follower of the channel's owner?"), so this
module never imports domain code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from enum import StrEnum

import msgspec

from hub.realtime import codes
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
    SUBSCRIBED_USER = "subscribed_user"  # a subscriber that is not anonymous (Centrifugo's
    # allow_<x>_for_subscriber without allow_<x>_for_anonymous)
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
    # Namespaces from a Centrifugo configuration (hub/realtime/centrifugo_config.py) follow
    # Centrifugo's rules; Chorus's own keep the defaults below.
    configured: bool = False
    user_limited: bool = False  # allow_user_limited_channels: `ns:room#42,43` for those users
    force_recovery: bool = False
    allow_recovery: bool = False
    force_positioning: bool = False
    allow_positioning: bool = False
    delta_types: tuple[str, ...] = ()  # allowed_delta_types (accepted, never negotiated)
    channel_regex: str = ""  # the part after `ns:` must match (client-side subscribes only)
    data_format: str = ""  # publication_data_format: "", "json" or "json_object"

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
        # Set from a Centrifugo configuration (centrifugo_config.channel_rules), else unused:
        self.without_namespace: Namespace | None = None  # bare channels Chorus does not own
        self.private_prefix = "$"  # `$ns:room` needs a subscription token
        self.personal_namespace: str | None = None  # None: no personal channel; "": `#<user>`
        self.single_connection = False  # a new personal-channel connection closes the others

    def namespace(self, channel: str) -> Namespace | None:
        """The namespace of `channel`, or None when it is unknown (error 102)."""
        if not channel or len(channel) > MAX_CHANNEL_LENGTH or not channel.isascii():
            return None
        namespace = parse_channel(channel)[0]
        if not namespace:  # bare names: `hot`, `announcements`
            return self.namespaces.get(channel) or self.without_namespace
        found = self.namespaces.get(namespace)
        if found is None and self.private_prefix and channel.startswith(self.private_prefix):
            inner = self.namespaces.get(parse_channel(channel[len(self.private_prefix):])[0])
            return inner if inner is not None and inner.configured else None
        return found

    def personal_channel(self, user: str) -> str | None:
        """The personal channel Centrifugo subscribes `user` to on connect, if configured."""
        if self.personal_namespace is None or not user:
            return None
        prefix = f"{self.personal_namespace}:" if self.personal_namespace else ""
        return f"{prefix}#{user}"

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
        if access is Access.SUBSCRIBED_USER:
            return subscribed and bool(user)
        if access is Access.OWNER:
            return bool(user) and user in parse_channel(channel)[2]
        hook = self.hooks.get(parse_channel(channel)[0])
        return hook is not None and await hook(user, channel)

    # ---- namespaces from a Centrifugo configuration ------------------------------------------

    async def configured_refusal(self, namespace: Namespace, channel: str, user: str,
                                 app_user: str | None, granted: bool) -> int | None:
        """Why Centrifugo's rules refuse a client-side subscribe (an error code), or None:
        allowed by a subscription token (`granted`), a user-limited channel naming `app_user`
        (allow_user_limited_channels), or allow_subscribe_for_client (+ _for_anonymous);
        `$` channels need a token; channel_regex applies to the part after `ns:`."""
        prefix = self.private_prefix
        private = bool(prefix) and channel.startswith(prefix)
        bare = channel[len(prefix):] if private else channel
        rest = bare.partition(":")[2] if namespace.name else bare
        if namespace.channel_regex and re.search(namespace.channel_regex, rest) is None:
            return codes.BAD_REQUEST_ERROR
        if granted:
            return None
        if private:
            return codes.PERMISSION_DENIED
        if namespace.user_limited and "#" in channel:
            allowed = bool(app_user) and app_user in parse_channel(channel)[2]
            return None if allowed else codes.PERMISSION_DENIED
        if not await self.allowed(namespace.subscribe, user, channel):
            return codes.PERMISSION_DENIED
        return None

    async def stream_modes(self, namespace: Namespace, channel: str, user: str,
                           recoverable: bool, positioned: bool) -> tuple[bool, bool]:
        """(recoverable, positioned) of a subscription that asked for them: always both in
        Chorus's namespaces; in configured ones forced (force_recovery, force_positioning) or
        asked and allowed (allow_recovery / allow_positioning, or history permission)."""
        if not namespace.configured:
            return True, True

        async def may_history() -> bool:
            return await self.allowed(namespace.history_access, user, channel, True)

        recovery = namespace.force_recovery or (
            recoverable and (namespace.allow_recovery or await may_history()))
        position = recovery or namespace.force_positioning or (
            positioned and (namespace.allow_positioning or await may_history()))
        return recovery, position
