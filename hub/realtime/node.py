"""The realtime node: clients, subscriptions, fan-out, and the server API domain code uses.

Hooks connect it to the application without importing it (after centrifuge's events.go):
`on_connecting` turns a token or session cookie into an Identity, `rules` (channels.py)
decides who may subscribe, `on_rpc` answers RPC commands. It knows a connection only as
`Connection` (what it calls of one); client.Client is one, and commands.py, above both,
runs the commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, Protocol

import msgspec

import hub.realtime.timers as timers
from hub.realtime import codes, control
from hub.realtime.broker import (
    Broker,
    BrokerUnavailable,
    HistoryOptions,
    NodeInfo,
    PresenceStore,
)
from hub.realtime.channels import ChannelRules
from hub.realtime.protocol import (
    ClientInfo,
    Join,
    Leave,
    Publication,
    Push,
    StreamPosition,
    Unsubscribe,
    encode_json,
)
from hub.realtime.relay import RELAY_TAG, Relay
from hub.realtime.sessions import Sessions
from hub.realtime.transport import PushFrames, Transport
from hub.realtime.types import AuthError, ChannelState, Identity, SubOptions, session_key

__all__ = ["NodeConfig", "Node", "best_effort", "Connection", "ConnectingHook", "RPCHook",
           "SubTokenHook", "ServerSubscribeHook"]

log = logging.getLogger("chorus.realtime")

VERSION = "chorus-0.1.0"
UNSENT_DISCONNECTS = 10_000  # disconnects kept for the other processes while Redis is away
STATS_TOPIC = "node.stats"  # the relay topic of cluster_stats' question
STATS_TIMEOUT = 1.0  # seconds cluster_stats waits for processes that do not answer
_node_info = msgspec.json.Decoder(NodeInfo)

# The presence "channel" where a user's live connections are counted across processes (for
# the per-user connection limit); no client can name it.
CONNECTIONS = "$connections:"


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


class Connection(Protocol):
    """What the node asks of a connection it holds (client.Client is one)."""

    id: str
    identity: Identity | None
    cookie_identity: Identity | None  # who the session cookie says, when no token is sent
    info: ClientInfo | None
    channels: dict[str, ChannelState]
    transport: Transport
    closed: bool

    @property
    def user(self) -> str: ...
    def deliver(self, channel: str, offset: int, frames: PushFrames) -> None: ...
    def check_queue(self) -> None: ...
    def disconnect(self, code: int, reason: str) -> None: ...


# (token, cookie identity) -> Identity; raises AuthError
ConnectingHook = Callable[[str], Awaitable[Identity]]
# (identity, method, data JSON bytes) -> result JSON bytes; raises RPCError, KeyError if unknown
RPCHook = Callable[[Identity, str, bytes], Awaitable[bytes]]
# subscription token -> what it grants; raises AuthError (expired or invalid)
SubTokenHook = Callable[[str], SubOptions]
# (connection, channel, grant, recover since) -> whether it was subscribed (commands.py's
# server-side subscribe, which the node cannot import)
ServerSubscribeHook = Callable[["Connection", str, SubOptions, StreamPosition | None],
                               Awaitable[bool]]


@contextlib.contextmanager
def best_effort(what: str) -> Iterator[None]:
    """Work that may not stop for a broker out of reach, logged as skipped instead: clean-up
    (what it leaves in the broker expires there, or concerns nobody any more) and domain code's
    pushes after a committed write (hub.realtime.best_effort)."""
    try:
        yield
    except BrokerUnavailable as exc:
        log.warning("%s skipped: broker unavailable (%s)", what, exc)


class Node:
    def __init__(self, broker: Broker, presence: PresenceStore, rules: ChannelRules,
                 config: NodeConfig = NodeConfig()) -> None:
        self.broker = broker
        self.presence_store = presence
        self.rules = rules
        self.config = config
        self.clients: dict[str, Connection] = {}
        self.pending: set[Connection] = set()  # accepted, no connect yet (shutdown closes them too)
        self.sessions: Sessions[Connection] = Sessions()
        # every client's ping, pong, stale and expiry deadlines, on one loop timer
        self.timers = timers.TimerWheel(timers.resolution_for(
            config.ping_interval, config.pong_timeout, config.stale_delay))
        self.channels: dict[str, dict[str, Connection]] = {}
        self.on_connecting: ConnectingHook | None = None
        self.on_rpc: RPCHook | None = None
        self.on_subscription_token: SubTokenHook | None = None
        self.on_server_subscribe: ServerSubscribeHook | None = None
        self.shutting_down = False
        self.uid = str(uuid.uuid4())
        self.relay = Relay(self.uid, broker)  # request and reply with the other processes
        self.relay.serve(STATS_TOPIC, self._stats_reply)
        self.name = socket.gethostname()
        self.started = time.monotonic()
        self._tasks: set[asyncio.Task[Any]] = set()
        # disconnects (logouts) the other processes could not be told of: sent when the broker
        # is back, oldest first
        self._unsent: deque[bytes] = deque(maxlen=UNSENT_DISCONNECTS)
        self._sending_unsent = False
        broker.register_handler(self)

    # ---- broker events (hot path) -------------------------------------------------------------

    def on_publication(self, channel: str, pub: Publication) -> None:
        subscribers = self.channels.get(channel)
        if not subscribers:
            return
        frames = PushFrames(Push(channel=channel, pub=pub))
        offset = pub.offset
        for client in list(subscribers.values()):
            client.deliver(channel, offset, frames)

    def _push_join_leave(self, channel: str, push: Push) -> None:
        """Join/leave go only to subscribers that asked for them (or forced by namespace)."""
        subscribers = self.channels.get(channel)
        if subscribers:
            frames = PushFrames(push)
            for client in list(subscribers.values()):
                state = client.channels.get(channel)
                if state is not None and state.join_leave:
                    client.deliver(channel, 0, frames)

    def on_join(self, channel: str, info: ClientInfo) -> None:
        self._push_join_leave(channel, Push(channel=channel, join=Join(info=info)))

    def on_leave(self, channel: str, info: ClientInfo) -> None:
        self._push_join_leave(channel, Push(channel=channel, leave=Leave(info=info)))

    def on_control(self, data: bytes) -> None:
        """A control command from another process: apply it to the connections held here (a
        relay frame goes to the relay)."""
        if data.startswith(RELAY_TAG):
            self.relay.receive(data)
            return
        try:
            command = control.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("ignored an unreadable control message")
            return
        if command.origin == self.uid:
            return
        self._spawn(self._apply_control(command))

    async def _stats_reply(self, body: bytes) -> bytes:
        """This process's answer to another's STATS_TOPIC question (cluster_stats)."""
        return msgspec.json.encode(self.stats())

    def on_reconnect(self) -> None:
        """The broker is back after an outage: write this process's presence, connection
        counts and node stats again (they may have expired, or Redis may have restarted
        empty), and tell the other processes the disconnects made meanwhile."""
        self._spawn(self._rewrite_presence())
        self._spawn(self._send_unsent())

    async def _send_unsent(self) -> None:
        """The disconnects kept during an outage, oldest first; stops at the first that fails
        (the next reconnection sends it and the rest)."""
        if self._sending_unsent:
            return
        self._sending_unsent = True
        try:
            while self._unsent:
                try:
                    await self.broker.publish_control(self._unsent[0])
                except BrokerUnavailable as exc:
                    log.warning("%d disconnects still unsent: broker unavailable (%s)",
                                len(self._unsent), exc)
                    return
                self._unsent.popleft()
        finally:
            self._sending_unsent = False

    async def _rewrite_presence(self) -> None:
        with best_effort("writing presence again after a reconnection"):
            await self.refresh_presence()

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _apply_control(self, command: control.Control) -> int:
        clients = [c for c in self.sessions.of(command.key)
                   if control.selects(command, c.id, c.identity)]
        if command.op == "subscribe":
            return await self._subscribe_clients(clients, command)
        if command.op == "unsubscribe":
            clients = [c for c in clients if command.channel in c.channels]
        for client in clients:
            if command.op == "unsubscribe":
                await self.unsubscribe_client(client, command.channel, command.code,
                                              command.reason)
            else:
                client.disconnect(command.code, command.reason)
        return len(clients)

    async def _subscribe_clients(self, clients: list[Connection],
                                 command: control.Control) -> int:
        """Server-side subscribe those of `clients` not yet in the command's channel."""
        if self.on_server_subscribe is None:
            return 0
        grant = control.grant_of(command)
        count = 0
        for client in clients:
            if command.channel not in client.channels and await self.on_server_subscribe(
                    client, command.channel, grant, command.since):
                count += 1
        return count

    async def run_control(self, command: control.Control) -> int:
        """Apply `command` here and in every other process; returns how many connections of
        this process it touched. A disconnect the broker cannot take now is applied here,
        kept, and sent to the others once the broker is back (`on_reconnect`): a logout made
        during an outage still closes its connections everywhere; BrokerUnavailable is raised
        all the same."""
        touched = await self._apply_control(command)
        data = control.encode(msgspec.structs.replace(command, origin=self.uid))
        try:
            await self.broker.publish_control(data)
        except BrokerUnavailable:
            if command.op == "disconnect":
                self._unsent.append(data)
            raise
        return touched

    # ---- clients ------------------------------------------------------------------------------

    async def authenticate(self, token: str, client: Connection) -> Identity:
        """The identity for a connect: the token if given, else the session cookie, else
        anonymous."""
        if token:
            if self.on_connecting is None:
                raise AuthError()
            return await self.on_connecting(token)
        if client.cookie_identity is not None:
            return client.cookie_identity
        return Identity(user="")

    def add_client(self, client: Connection) -> None:
        self.pending.discard(client)
        self.clients[client.id] = client
        self.sessions.add(_key_of(client), client.id, client)

    async def track_connection(self, client: Connection) -> None:
        """Count the client among its user's connections in every process (see
        `connection_count`); refreshed with presence, gone when it closes or expires. A store
        only this process sees is not told: the session registry counts them here."""
        key = _key_of(client)
        if key and self.presence_store.shared:
            await self.presence_store.add_presence(CONNECTIONS + key, client.id,
                                                   ClientInfo(user=client.user, client=client.id),
                                                   self.config.presence_ttl)

    async def connection_count(self, key: str) -> int:
        """Live connections of the user (Sessions key) across every process."""
        here = self.sessions.count(key)
        if not self.presence_store.shared:
            return here
        clients, _ = await self.presence_store.presence_stats(CONNECTIONS + key)
        return max(clients, here)

    async def admit_connection(self, key: str, client_id: str, user: str) -> bool:
        """Count a new connection of the user (Sessions key) unless the user already has
        `max_connections_per_user` in every process: checked and counted in one step of the
        presence store, so connections racing on several processes cannot pass together."""
        limit = self.config.max_connections_per_user
        if self.sessions.count(key) >= limit:
            return False
        if not self.presence_store.shared:  # alone: the session registry is the count
            return True
        return await self.presence_store.admit(CONNECTIONS + key, client_id,
                                               ClientInfo(user=user, client=client_id),
                                               self.config.presence_ttl, limit)

    async def remove_client(self, client: Connection) -> None:
        self.pending.discard(client)
        if self.clients.pop(client.id, None) is None:
            return
        key = _key_of(client)
        self.sessions.remove(key, client.id)
        if key:
            with best_effort("removing a connection's count"):
                await self.presence_store.remove_presence(CONNECTIONS + key, client.id)
        for channel in list(client.channels):
            await self.remove_subscription(client, channel)

    async def add_subscription(self, client: Connection, channel: str,
                               server_side: bool = False, join_leave: bool = False,
                               info: ClientInfo | None = None) -> ChannelState:
        """Start holding publications of `channel` for the client (released by the reply);
        `info` replaces the client's ClientInfo in this channel (it carries chan_info)."""
        namespace = self.rules.namespace(channel)
        forced = namespace is not None and namespace.force_push_join_leave
        state = ChannelState(server_side=server_side, join_leave=join_leave or forced)
        state.info = info
        client.channels[channel] = state
        subscribers = self.channels.get(channel)
        if subscribers is None:
            subscribers = self.channels[channel] = {}
            await self.broker.subscribe(channel)
        subscribers[client.id] = client
        info = info or client.info
        if namespace is not None and namespace.presence and info is not None:
            await self.presence_store.add_presence(channel, client.id, info,
                                                   self.config.presence_ttl)
            if namespace.join_leave:
                await self.broker.publish_join(channel, info)
        return state

    async def remove_subscription(self, client: Connection, channel: str) -> None:
        state = client.channels.pop(channel, None)
        if state is not None and state.expiry is not None:
            state.expiry.cancel()
        subscribers = self.channels.get(channel)
        if subscribers is not None:
            subscribers.pop(client.id, None)
            if not subscribers:
                del self.channels[channel]
                await self.broker.unsubscribe(channel)
        namespace = self.rules.namespace(channel)
        info = (state.info if state is not None else None) or client.info
        if namespace is not None and namespace.presence and info is not None:
            with best_effort("removing presence"):
                await self.presence_store.remove_presence(channel, client.id)
                if namespace.join_leave:
                    await self.broker.publish_leave(channel, info)

    async def refresh_presence(self) -> None:
        """Keep presence entries (and connection counts) of this process's clients, and its
        node stats, from expiring (run periodically)."""
        await self.broker.update_node(self.stats(), self.config.presence_ttl)
        for client in list(self.clients.values()):
            await self.track_connection(client)
        for channel, subscribers in list(self.channels.items()):
            namespace = self.rules.namespace(channel)
            if namespace is None or not namespace.presence:
                continue
            for client in list(subscribers.values()):
                state = client.channels.get(channel)
                info = (state.info if state is not None else None) or client.info
                if info is not None:
                    await self.presence_store.add_presence(channel, client.id, info,
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

    async def publish_many(self, channels: Sequence[str], data: Any) -> None:
        """Publish the same `data` to each of `channels`: one broker call per namespace."""
        payload = data if isinstance(data, bytes) else encode_json(data)
        groups: dict[HistoryOptions, list[str]] = {}
        for channel in channels:
            namespace = self.rules.namespace(channel)
            history = namespace.history if namespace is not None else HistoryOptions()
            groups.setdefault(history, []).append(channel)
        for history, group in groups.items():
            await self.broker.publish_many(group, payload, history=history)

    async def publish_to_users(self, user_ids: Sequence[int | str], data: Any) -> None:
        await self.publish_many([f"user:#{user_id}" for user_id in user_ids], data)

    async def disconnect_user(self, user_id: int | str, reason: str,
                              code: int = codes.FORCE_DISCONNECT, external: bool = False) -> int:
        """Close every connection of the user (an app's user when `external`) in every
        process; returns how many this process held."""
        return await self.run_control(control.Control(
            "disconnect", session_key(str(user_id), external), code=code,
            reason=reason[:100] or "force disconnect"))

    async def disconnect_session(self, user_id: int | str, session_id: str, reason: str) -> int:
        """Close the user's connections opened with credentials of that sign-in (logout), in
        every process; returns how many this process held."""
        return await self.run_control(control.Control(
            "disconnect", str(user_id), session=session_id or "\x00none",
            code=codes.FORCE_DISCONNECT, reason=reason[:100] or "force disconnect"))

    async def unsubscribe_user(self, user_id: int | str, channel: str,
                               external: bool = False, client_id: str = "") -> int:
        """Server-side unsubscribe in every process: the client is told with an unsubscribe
        push (2000); returns how many connections of this process it touched."""
        return await self.run_control(control.Control(
            "unsubscribe", session_key(str(user_id), external), client=client_id,
            channel=channel, code=codes.UNSUBSCRIBE_SERVER, reason="server unsubscribe"))

    async def subscribe_user(self, user_id: str, channel: str, grant: SubOptions,
                             client_id: str = "", since: StreamPosition | None = None) -> int:
        """Server-side subscribe the connections of an app's user (one when `client_id`) in
        every process, each told with a subscribe push; returns how many of this process's
        connections were subscribed."""
        return await self.run_control(control.Control(
            "subscribe", session_key(user_id, external=True), client=client_id, channel=channel,
            info=(grant.info or b"").decode(), data=(grant.data or b"").decode(),
            expires_at=grant.expires_at or 0.0, since=since))

    async def unsubscribe_client(self, client: Connection, channel: str, code: int,
                                 reason: str) -> None:
        """Unsubscribe one connection and tell it why with an unsubscribe push."""
        if channel not in client.channels:
            return
        await self.remove_subscription(client, channel)
        push = Push(channel=channel, unsubscribe=Unsubscribe(code=code, reason=reason))
        client.transport.write_push(PushFrames(push))
        client.check_queue()

    def expire_subscription_at(self, client: Connection, channel: str,
                               expires_at: float | None) -> None:
        """Unsubscribe (2501), or for a server-side subscription disconnect (3006), unless
        refreshed before `expires_at` + the grace period; None cancels."""
        state = client.channels.get(channel)
        if state is None:
            return
        if state.expiry is not None:
            state.expiry.cancel()
            state.expiry = None
        if expires_at is not None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, expires_at - time.time()) + self.config.expired_grace
            state.expiry = loop.call_later(
                delay, lambda: loop.create_task(self._subscription_expired(client, channel)))

    async def _subscription_expired(self, client: Connection, channel: str) -> None:
        state = client.channels.get(channel)
        if state is None or client.closed:
            return
        if state.server_side:
            client.disconnect(codes.SUB_EXPIRED, "subscription expired")
        else:
            await self.unsubscribe_client(client, channel, codes.UNSUBSCRIBE_EXPIRED,
                                          "subscription expired")

    def channel_counts(self) -> dict[str, int]:
        """Channels with subscribers on this node and how many connections each."""
        return {channel: len(subscribers) for channel, subscribers in self.channels.items()}

    def stats(self) -> NodeInfo:
        """What this process serves now (the server API's `info` and `channels`)."""
        counts = self.channel_counts()
        return NodeInfo(uid=self.uid, name=self.name, version=VERSION,
                        num_clients=len(self.clients), num_users=self.sessions.users(),
                        num_subs=sum(counts.values()), uptime=self.uptime, channels=counts)

    async def cluster_stats(self) -> list[NodeInfo]:
        """Every live process's stats: asked now (the relay's `ask_all`) from the processes
        that recorded themselves (`update_node`), as last recorded for those that do not
        answer within STATS_TIMEOUT; only this process's while the broker is out of reach."""
        try:
            nodes = {info.uid: info for info in await self.broker.nodes()}
            nodes.pop(self.uid, None)
            if nodes:
                replies = await self.relay.ask_all(STATS_TOPIC, b"null", set(nodes),
                                                   STATS_TIMEOUT)
                for body in replies.values():
                    with contextlib.suppress(msgspec.DecodeError, msgspec.ValidationError):
                        info = _node_info.decode(body)
                        nodes[info.uid] = info
        except BrokerUnavailable:
            nodes = {}
        nodes[self.uid] = self.stats()
        return list(nodes.values())

    async def presence(self, channel: str) -> dict[str, ClientInfo]:
        return await self.presence_store.presence(channel)

    @property
    def uptime(self) -> int:
        """Whole seconds since this node started."""
        return int(time.monotonic() - self.started)

    async def shutdown(self, timeout: float = 3.0) -> None:
        """Tell every client to reconnect later (3001 shutdown) and wait for them to go."""
        self.shutting_down = True
        with best_effort("leaving the list of nodes"):
            await self.broker.remove_node(self.uid)
        for client in [*self.clients.values(), *self.pending]:
            client.disconnect(codes.SHUTDOWN, "shutdown")
        deadline = asyncio.get_running_loop().time() + timeout
        while (self.clients or self.pending) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)


def _key_of(client: Connection) -> str:
    identity = client.identity
    return session_key(client.user, identity is not None and identity.external)
