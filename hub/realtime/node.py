"""The realtime node: clients, subscriptions, fan-out, and the server API domain code uses.

Hooks connect it to the application without importing it (after centrifuge's events.go):
`on_connecting` turns a token or session cookie into an Identity, `rules` (channels.py)
decides who may subscribe, `on_rpc` answers RPC commands.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from hub.realtime import codes
from hub.realtime.broker import Broker, PresenceStore
from hub.realtime.channels import ChannelRules
from hub.realtime.client import ChannelState, Client
from hub.realtime.protocol import (
    ClientInfo,
    Join,
    Leave,
    Publication,
    Push,
    StreamPosition,
    Unsubscribe,
    encode_json,
    encode_push_body,
)
from hub.realtime.sessions import Sessions
from hub.realtime.transport import PushFrames

__all__ = ["NodeConfig", "Identity", "AuthError", "RPCError", "Node", "ConnectingHook", "RPCHook"]

log = logging.getLogger("chorus.realtime")

VERSION = "chorus-0.1.0"


class NodeConfig(msgspec.Struct, frozen=True):
    ping_interval: float = 25.0
    pong_timeout: float = 8.0
    stale_delay: float = 15.0
    expired_grace: float = 25.0
    max_queue_bytes: int = 1024 * 1024
    max_message_size: int = 65536
    commands_per_second: int = 100
    max_connections_per_user: int = 32
    max_subscriptions: int = 128
    presence_ttl: float = 60.0
    history_max_publications: int = 300


class Identity(msgspec.Struct, frozen=True):
    """Who a connection is: `user` "" means anonymous; `expires_at` is unix seconds."""

    user: str
    info: bytes | None = None
    expires_at: float | None = None
    session: str = ""  # the sign-in this connection belongs to, closed when it ends


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


# (token, cookie identity) -> Identity; raises AuthError
ConnectingHook = Callable[[str], Awaitable[Identity]]
# (identity, method, data JSON bytes) -> result JSON bytes; raises RPCError, KeyError if unknown
RPCHook = Callable[[Identity, str, bytes], Awaitable[bytes]]


class Node:
    def __init__(self, broker: Broker, presence: PresenceStore, rules: ChannelRules,
                 config: NodeConfig = NodeConfig()) -> None:
        self.broker = broker
        self.presence_store = presence
        self.rules = rules
        self.config = config
        self.clients: dict[str, Client] = {}
        self.pending: set[Client] = set()  # accepted, no connect yet (shutdown closes them too)
        self.sessions: Sessions[Client] = Sessions()
        self.channels: dict[str, dict[str, Client]] = {}
        self.on_connecting: ConnectingHook | None = None
        self.on_rpc: RPCHook | None = None
        self.shutting_down = False
        broker.register_handler(self)

    # ---- broker events (hot path) -------------------------------------------------------------

    def on_publication(self, channel: str, pub: Publication) -> None:
        subscribers = self.channels.get(channel)
        if not subscribers:
            return
        frames = PushFrames(encode_push_body(Push(channel=channel, pub=pub)))
        offset = pub.offset
        for client in list(subscribers.values()):
            client.deliver(channel, offset, frames)

    def _push_join_leave(self, channel: str, push: Push) -> None:
        """Join/leave go only to subscribers that asked for them (or forced by namespace)."""
        subscribers = self.channels.get(channel)
        if subscribers:
            frames = PushFrames(encode_push_body(push))
            for client in list(subscribers.values()):
                state = client.channels.get(channel)
                if state is not None and state.join_leave:
                    client.deliver(channel, 0, frames)

    def on_join(self, channel: str, info: ClientInfo) -> None:
        self._push_join_leave(channel, Push(channel=channel, join=Join(info=info)))

    def on_leave(self, channel: str, info: ClientInfo) -> None:
        self._push_join_leave(channel, Push(channel=channel, leave=Leave(info=info)))

    # ---- clients ------------------------------------------------------------------------------

    async def authenticate(self, token: str, client: Client) -> Identity:
        """The identity for a connect: the token if given, else the session cookie, else
        anonymous."""
        if token:
            if self.on_connecting is None:
                raise AuthError()
            return await self.on_connecting(token)
        if client.cookie_identity is not None:
            return client.cookie_identity
        return Identity(user="")

    def add_client(self, client: Client) -> None:
        self.pending.discard(client)
        self.clients[client.id] = client
        self.sessions.add(client.user, client.id, client)

    async def remove_client(self, client: Client) -> None:
        self.pending.discard(client)
        if self.clients.pop(client.id, None) is None:
            return
        self.sessions.remove(client.user, client.id)
        for channel in list(client.channels):
            await self.remove_subscription(client, channel)

    async def add_subscription(self, client: Client, channel: str,
                               server_side: bool = False, join_leave: bool = False
                               ) -> ChannelState:
        """Start holding publications of `channel` for the client (released by the reply)."""
        namespace = self.rules.namespace(channel)
        forced = namespace is not None and namespace.force_push_join_leave
        state = ChannelState(server_side=server_side, join_leave=join_leave or forced)
        client.channels[channel] = state
        subscribers = self.channels.get(channel)
        if subscribers is None:
            subscribers = self.channels[channel] = {}
            await self.broker.subscribe(channel)
        subscribers[client.id] = client
        if namespace is not None and namespace.presence and client.info is not None:
            await self.presence_store.add_presence(channel, client.id, client.info,
                                                   self.config.presence_ttl)
            if namespace.join_leave:
                await self.broker.publish_join(channel, client.info)
        return state

    async def remove_subscription(self, client: Client, channel: str) -> None:
        client.channels.pop(channel, None)
        subscribers = self.channels.get(channel)
        if subscribers is not None:
            subscribers.pop(client.id, None)
            if not subscribers:
                del self.channels[channel]
                await self.broker.unsubscribe(channel)
        namespace = self.rules.namespace(channel)
        if namespace is not None and namespace.presence and client.info is not None:
            await self.presence_store.remove_presence(channel, client.id)
            if namespace.join_leave:
                await self.broker.publish_leave(channel, client.info)

    async def refresh_presence(self) -> None:
        """Keep presence entries of live clients from expiring (run periodically)."""
        for channel, subscribers in list(self.channels.items()):
            namespace = self.rules.namespace(channel)
            if namespace is None or not namespace.presence:
                continue
            for client in list(subscribers.values()):
                if client.info is not None:
                    await self.presence_store.add_presence(channel, client.id, client.info,
                                                           self.config.presence_ttl)

    # ---- server API (domain code publishes through these) -------------------------------------

    async def publish(self, channel: str, data: Any) -> StreamPosition:
        """Publish JSON-able `data` to `channel`, kept in history per its namespace."""
        namespace = self.rules.namespace(channel)
        history = namespace.history if namespace is not None else None
        payload = data if isinstance(data, bytes) else encode_json(data)
        if history is None:
            return await self.broker.publish(channel, payload)
        return await self.broker.publish(channel, payload, history=history)

    async def publish_to_user(self, user_id: int | str, data: Any) -> None:
        await self.publish(f"user:#{user_id}", data)

    async def disconnect_user(self, user_id: int | str, reason: str,
                              code: int = codes.FORCE_DISCONNECT) -> int:
        """Close every connection of the user; returns how many."""
        clients = self.sessions.of(str(user_id))
        for client in clients:
            client.disconnect(code, reason[:100] or "force disconnect")
        return len(clients)

    async def disconnect_session(self, user_id: int | str, session_id: str, reason: str) -> int:
        """Close the user's connections opened with credentials of that sign-in (logout)."""
        clients = [c for c in self.sessions.of(str(user_id))
                   if c.identity is not None and c.identity.session == session_id]
        for client in clients:
            client.disconnect(codes.FORCE_DISCONNECT, reason[:100] or "force disconnect")
        return len(clients)

    async def unsubscribe_user(self, user_id: int | str, channel: str) -> None:
        """Server-side unsubscribe: the client is told with an unsubscribe push (2000)."""
        for client in self.sessions.of(str(user_id)):
            if channel in client.channels:
                await self.remove_subscription(client, channel)
                push = Push(channel=channel, unsubscribe=Unsubscribe(
                    code=codes.UNSUBSCRIBE_SERVER, reason="server unsubscribe"))
                client.transport.write_push(PushFrames(encode_push_body(push)))

    async def presence(self, channel: str) -> dict[str, ClientInfo]:
        return await self.presence_store.presence(channel)

    async def shutdown(self, timeout: float = 3.0) -> None:
        """Tell every client to reconnect later (3001 shutdown) and wait for them to go."""
        self.shutting_down = True
        for client in [*self.clients.values(), *self.pending]:
            client.disconnect(codes.SHUTDOWN, "shutdown")
        deadline = asyncio.get_running_loop().time() + timeout
        while (self.clients or self.pending) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
