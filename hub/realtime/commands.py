"""One function per Centrifuge command: (client, command) -> reply (see types.Reply).

Reply-level errors keep the connection; `Disconnected` closes it (codes in codes.py).
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import cast

import msgspec

from hub.realtime import codes
from hub.realtime.broker import BrokerUnavailable, HistoryFilter, UnrecoverablePosition
from hub.realtime.centrifugo_token import app_user, check_grant
from hub.realtime.channels import MAX_CHANNEL_LENGTH, Access, Namespace
from hub.realtime.client import Client
from hub.realtime.control import Control
from hub.realtime.node import VERSION, Connection
from hub.realtime.protocol import (
    EMPTY_RAW,
    ClientInfo,
    Command,
    ConnectRequest,
    ConnectResult,
    EmptyResult,
    Error,
    HistoryResult,
    PresenceResult,
    PresenceStatsResult,
    Push,
    RefreshResult,
    RPCResult,
    StreamPosition,
    SubRefreshResult,
    SubscribeRequest,
    SubscribeResult,
)
from hub.realtime.transport import PushFrames
from hub.realtime.types import (
    AuthError,
    ChannelState,
    Disconnected,
    Identity,
    Reply,
    RPCError,
    SubOptions,
    hook_user,
    session_key,
)

__all__ = ["HANDLERS", "subscribe_channel", "server_side_channels", "apply_identity",
           "accept_connect", "connect_unidirectional", "ConnectRefused",
           "subscribe_server_side", "server_subscribe"]

log = logging.getLogger("chorus.realtime")

FLAG_REJECT_UNRECOVERABLE = 2


def _error(client: Client, command: Command, code: int, message: str | None = None) -> bytes:
    return client.codec.encode_error_reply(command.id,
                                           Error(code, message or codes.ERROR_MESSAGES[code]))


def _is_json(data: bytes) -> bool:
    """Whether a payload is one JSON value: channels and RPC speak JSON, and a protobuf
    client's raw bytes must hold JSON too (JSON subscribers share its channels)."""
    if not data:
        return False
    try:
        msgspec.json.decode(data)
    except msgspec.DecodeError:
        return False
    return True


class SubscribeRefused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(codes.ERROR_MESSAGES[code])
        self.code = code


def _remaining(expires_at: float | None) -> tuple[bool, int]:
    if expires_at is None:
        return False, 0
    return True, max(1, int(expires_at - time.time()))


def server_side_channels(client: Client) -> list[str]:
    """Channels every connection is subscribed to by the server: its user channel, and the
    bare-named server-side namespaces (announcements)."""
    if client.identity is not None and client.identity.external:
        return _external_channels(client)
    channels = []
    for ns in client.node.rules.namespaces.values():
        if not ns.server_side:
            continue
        if ns.name == "user":
            if client.user:
                channels.append(f"user:#{client.user}")
        else:
            channels.append(ns.name)
    return channels


def _external_channels(client: Client) -> list[str]:
    """An app's connection (Centrifugo token): its personal channel when configured and the
    channels its token names; none of Chorus's own."""
    assert client.identity is not None
    personal = client.node.rules.personal_channel(client.user)
    return ([personal] if personal else []) + [sub.channel for sub in client.identity.subs]


def _chorus_user(client: Client) -> str:
    """The user Chorus's own namespaces see: an app's user is anonymous to them."""
    identity = client.identity
    return "" if identity is not None and identity.external else client.user


def _hook_or_chorus_user(client: Client, namespace: Namespace) -> str:
    """Who Chorus's namespace rules see: hooks are told an app's user as "app:<sub>" (the quiz
    admits apps' players); every other rule sees an app's user as anonymous."""
    if namespace.subscribe is Access.HOOK:
        return hook_user(client.identity)
    return _chorus_user(client)


async def check_subscribe(client: Client, channel: str, granted: bool = False) -> Namespace:
    """The channel's namespace if the client may subscribe; SubscribeRefused otherwise
    (`granted`: a subscription token allowed it)."""
    if len(channel) > MAX_CHANNEL_LENGTH:
        raise SubscribeRefused(codes.BAD_REQUEST_ERROR)
    namespace = client.node.rules.namespace(channel)
    if namespace is None:
        raise SubscribeRefused(codes.UNKNOWN_CHANNEL)
    if channel in client.channels:
        raise SubscribeRefused(codes.ALREADY_SUBSCRIBED)
    if len(client.channels) >= client.node.config.max_subscriptions:
        raise SubscribeRefused(codes.LIMIT_EXCEEDED)
    rules = client.node.rules
    if namespace.configured:
        refusal = await rules.configured_refusal(namespace, channel, client.user,
                                                 app_user(client.identity), granted)
        if refusal is not None:
            raise SubscribeRefused(refusal)
    elif not await rules.allowed(namespace.subscribe, _hook_or_chorus_user(client, namespace),
                                 channel):
        raise SubscribeRefused(codes.PERMISSION_DENIED)
    return namespace


def _subscription_grant(client: Client, req: SubscribeRequest) -> SubOptions | None:
    """What the subscription token of a subscribe grants (configured namespaces only)."""
    namespace = client.node.rules.namespace(req.channel)
    if not req.token or namespace is None or not namespace.configured:
        return None
    verify = client.node.on_subscription_token
    if verify is None:
        raise SubscribeRefused(codes.PERMISSION_DENIED)
    try:
        grant = verify(req.token)
    except AuthError as exc:
        raise SubscribeRefused(codes.TOKEN_EXPIRED if exc.expired
                               else codes.PERMISSION_DENIED) from exc
    check_grant(client.identity, client.id, req.channel, grant)
    return grant


def _channel_info(client: Client, grant: SubOptions | None) -> ClientInfo | None:
    """The client's ClientInfo with the token's chan_info, or None without one."""
    if grant is None or not grant.info or client.info is None:
        return None
    return ClientInfo(user=client.info.user, client=client.id,
                      conn_info=client.info.conn_info, chan_info=msgspec.Raw(grant.info))


def _info_in(client: Client, channel: str) -> ClientInfo | None:
    state = client.channels.get(channel)
    return (state.info if state is not None else None) or client.info


async def _wants_join_leave(client: Client, channel: str, namespace: Namespace,
                            req: SubscribeRequest) -> bool:
    """Join/leave pushes when asked; in configured namespaces only with presence permission."""
    if not (req.join_leave and namespace.join_leave):
        return False
    return not namespace.configured or await client.node.rules.allowed(
        namespace.presence_access, client.user, channel, True)


async def subscribe_channel(client: Client, channel: str, namespace: Namespace,
                            req: SubscribeRequest, server_side: bool = False,
                            grant: SubOptions | None = None
                            ) -> tuple[SubscribeResult, ChannelState, int]:
    """Subscribe and work out recovery; returns the result, the held state and the offset
    after which held publications are released (`grant`: what a token gave). A broker out
    of reach leaves the client unsubscribed (BrokerUnavailable), free to try again."""
    try:
        return await _subscribe_positioned(client, channel, namespace, req, server_side, grant)
    except BrokerUnavailable:
        await client.node.remove_subscription(client, channel)
        raise


async def _subscribe_positioned(client: Client, channel: str, namespace: Namespace,
                                req: SubscribeRequest, server_side: bool,
                                grant: SubOptions | None
                                ) -> tuple[SubscribeResult, ChannelState, int]:
    node = client.node
    join_leave = await _wants_join_leave(client, channel, namespace, req)
    state = await node.add_subscription(client, channel, server_side, join_leave=join_leave,
                                        info=_channel_info(client, grant))
    result = SubscribeResult()
    if grant is not None:
        if grant.data:
            result.data = msgspec.Raw(grant.data)
        result.expires, result.ttl = _remaining(grant.expires_at)
        node.expire_subscription_at(client, channel, grant.expires_at)
    history = namespace.history
    recoverable, positioned = await node.rules.stream_modes(
        namespace, channel, client.user, req.recoverable, req.positioned)
    if not history.enabled or not positioned:
        result.was_recovering = req.recover and namespace.configured
        return result, state, 0
    result.recoverable, result.positioned = recoverable, True
    since = (StreamPosition(offset=req.offset, epoch=req.epoch) if req.recover and recoverable
             else None)
    try:
        pubs, top = await node.broker.history(
            channel, HistoryFilter(limit=-1 if since else 0, since=since), history)
        unrecoverable = False
    except UnrecoverablePosition:
        pubs, top = await node.broker.history(channel, HistoryFilter(limit=0), history)
        unrecoverable = True
    result.epoch, result.offset = top.epoch, top.offset
    if since is None:
        result.was_recovering = req.recover and namespace.configured
        return result, state, top.offset
    result.was_recovering = True
    complete = (not pubs and top.offset == req.offset) or (
        bool(pubs) and pubs[0].offset == req.offset + 1 and pubs[-1].offset == top.offset)
    if (not unrecoverable and complete
            and len(pubs) <= node.config.history_max_publications):
        result.recovered = True
        result.offset = req.offset
        result.publications = pubs or None
    elif req.flag & FLAG_REJECT_UNRECOVERABLE:
        await node.remove_subscription(client, channel)
        raise SubscribeRefused(codes.UNRECOVERABLE_POSITION)
    return result, state, top.offset


def apply_identity(client: Client, identity: Identity) -> None:
    client.identity = identity
    conn_info = msgspec.Raw(identity.info) if identity.info else EMPTY_RAW
    client.info = ClientInfo(user=identity.user, client=client.id, conn_info=conn_info)


class ConnectRefused(Exception):
    """A connect answered with an error (109 token expired): a reply on bidirectional
    transports, a disconnect push on unidirectional ones."""

    def __init__(self, code: int) -> None:
        super().__init__(codes.ERROR_MESSAGES[code])
        self.code = code


async def connect(client: Client, command: Command) -> Reply:
    req = command.connect
    assert req is not None
    try:
        result, releases = await accept_connect(client, req)
    except ConnectRefused as exc:
        client.unusable = True
        return _error(client, command, exc.code)
    return client.codec.encode_reply(command.id, "connect", result), releases


# connect errors as a one-way client learns them (shared/protocol/centrifuge.md §9)
UNI_CONNECT_DISCONNECTS = {
    codes.TOKEN_EXPIRED: (codes.EXPIRED, "connection expired"),
    codes.EXPIRED_ERROR: (codes.EXPIRED, "connection expired"),
    codes.TOO_MANY_REQUESTS: (codes.TOO_MANY_REQUESTS_DISCONNECT, "too many requests"),
    codes.PERMISSION_DENIED: (codes.PERMISSION_DENIED_DISCONNECT, "permission denied"),
}


async def connect_unidirectional(client: Client, req: ConnectRequest) -> None:
    """Connect a one-way client: the result goes out as the first push (`{"connect":…}`);
    failures become a disconnect push."""
    try:
        result, releases = await accept_connect(client, req)
    except ConnectRefused as exc:
        client.disconnect(*UNI_CONNECT_DISCONNECTS.get(
            exc.code, (codes.INTERNAL_DISCONNECT, "internal server error")))
        return
    except Disconnected as exc:
        client.disconnect(exc.code, exc.reason)
        return
    except Exception:
        log.exception("realtime unidirectional connect failed")
        client.disconnect(codes.INTERNAL_DISCONNECT, "internal server error")
        return
    if client.closed:
        return
    result.session = str(uuid.uuid4())
    client.transport.write_push(PushFrames(Push(connect=result)))
    for state, after in releases:
        state.flush(client.transport, after)
    client.check_queue()


async def accept_connect(client: Client, req: ConnectRequest
                         ) -> tuple[ConnectResult, list[tuple[ChannelState, int]]]:
    """Authenticate, register and subscribe server-side channels (plus, for one-way clients,
    the channels named in `req.subs`); the release list as in types.Reply."""
    if client.connected:
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    node = client.node
    try:
        identity = await node.authenticate(req.token, client)
    except AuthError as exc:
        if exc.expired:
            raise ConnectRefused(codes.TOKEN_EXPIRED) from exc
        raise Disconnected(codes.INVALID_TOKEN, "invalid token") from exc
    for sub in identity.subs:  # a token's channels: only in configured namespaces
        namespace = node.rules.namespace(sub.channel)
        if namespace is None or not namespace.configured:
            raise ConnectRefused(codes.UNKNOWN_CHANNEL)
    key = session_key(identity.user, identity.external)
    if identity.external and node.rules.single_connection and identity.user:
        await node.run_control(Control("disconnect", key, whitelist=(client.id,),
                                       code=codes.CONNECTION_LIMIT, reason="connection limit"))
    elif identity.user and not await node.admit_connection(key, client.id, identity.user):
        raise Disconnected(codes.CONNECTION_LIMIT, "connection limit")
    apply_identity(client, identity)
    client.connected = True
    node.add_client(client)
    await node.track_connection(client)
    subs: dict[str, SubscribeResult] = {}
    releases: list[tuple[ChannelState, int]] = []
    grants = {sub.channel: sub for sub in identity.subs}
    wanted = dict.fromkeys(server_side_channels(client), True)
    for channel in (req.subs or {}):
        if not client.transport.bidirectional:
            wanted.setdefault(channel, False)  # one-way clients name the channels they want
    for channel, server_side in wanted.items():
        try:
            namespace = (client.node.rules.namespace(channel) if server_side
                         else await check_subscribe(client, channel))
        except SubscribeRefused:
            continue
        if namespace is None:
            continue
        sub_req = (req.subs or {}).get(channel, SubscribeRequest())
        try:
            subscribed, state, after = await subscribe_channel(client, channel, namespace, sub_req,
                                                                server_side=True,
                                                                grant=grants.get(channel))
        except SubscribeRefused:
            continue
        subs[channel] = subscribed
        releases.append((state, after))
    expires, ttl = _remaining(identity.expires_at)
    client.set_expiry(identity.expires_at)
    client.start_pings()
    result = ConnectResult(client=client.id, version=VERSION, expires=expires, ttl=ttl,
                           subs=subs or None, ping=math.ceil(node.config.ping_interval),
                           pong=client.transport.bidirectional)
    return result, releases


async def subscribe(client: Client, command: Command) -> Reply:
    req = command.subscribe
    assert req is not None
    if not req.channel:
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    if req.type:
        return _error(client, command, codes.NOT_AVAILABLE)
    try:
        grant = _subscription_grant(client, req)
        namespace = await check_subscribe(client, req.channel, granted=grant is not None)
        result, state, after = await subscribe_channel(client, req.channel, namespace, req,
                                                       grant=grant)
    except SubscribeRefused as exc:
        return _error(client, command, exc.code)
    return client.codec.encode_reply(command.id, "subscribe", result), [(state, after)]


async def subscribe_server_side(client: Client, channel: str, grant: SubOptions,
                                since: StreamPosition | None = None) -> bool:
    """Subscribe a connection on the server's initiative (server API): a `subscribe` push,
    then any recovered publications; False when it cannot be subscribed."""
    namespace = client.node.rules.namespace(channel)
    if (namespace is None or client.closed or not client.connected
            or len(client.channels) >= client.node.config.max_subscriptions):
        return False
    req = SubscribeRequest(channel=channel, recover=since is not None,
                           offset=since.offset if since else 0, epoch=since.epoch if since else "")
    try:
        result, state, after = await subscribe_channel(client, channel, namespace, req,
                                                       server_side=True, grant=grant)
    except SubscribeRefused:
        return False
    pushed = SubscribeResult(recoverable=result.recoverable, epoch=result.epoch,
                             offset=result.offset, positioned=result.positioned,
                             data=result.data)
    client.transport.write_push(PushFrames(Push(channel=channel, subscribe=pushed)))
    for pub in result.publications or ():
        client.transport.write_push(PushFrames(Push(channel=channel, pub=pub)))
    state.flush(client.transport, after)
    client.check_queue()
    return True


async def server_subscribe(connection: Connection, channel: str, grant: SubOptions,
                           since: StreamPosition | None = None) -> bool:
    """`subscribe_server_side` as the node's ServerSubscribeHook (Node.subscribe_user)."""
    # the node holds its connections as node.Connection; every one of them is a Client
    return await subscribe_server_side(cast(Client, connection), channel, grant, since)


async def unsubscribe(client: Client, command: Command) -> Reply:
    req = command.unsubscribe
    assert req is not None
    if not req.channel:
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    if req.channel in client.channels:
        await client.node.remove_subscription(client, req.channel)
    return client.codec.encode_reply(command.id, "unsubscribe", EmptyResult())


async def _namespace_for(client: Client, command: Command, channel: str
                         ) -> Namespace | bytes:
    if not channel:
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    namespace = client.node.rules.namespace(channel)
    if namespace is None:
        return _error(client, command, codes.UNKNOWN_CHANNEL)
    return namespace


async def publish(client: Client, command: Command) -> Reply:
    req = command.publish
    assert req is not None
    namespace = await _namespace_for(client, command, req.channel)
    if isinstance(namespace, bytes):
        return namespace
    subscribed = req.channel in client.channels
    if not await client.node.rules.allowed(namespace.publish, client.user, req.channel,
                                           subscribed):
        return _error(client, command, codes.PERMISSION_DENIED)
    if not _is_json(bytes(req.data)) or (namespace.data_format == "json_object"
                                         and not bytes(req.data).lstrip().startswith(b"{")):
        return _error(client, command, codes.BAD_REQUEST_ERROR)
    await client.node.broker.publish(req.channel, bytes(req.data),
                                     info=_info_in(client, req.channel),
                                     history=namespace.history)
    return client.codec.encode_reply(command.id, "publish", EmptyResult())


async def _presence_check(client: Client, command: Command, channel: str) -> bytes | None:
    namespace = await _namespace_for(client, command, channel)
    if isinstance(namespace, bytes):
        return namespace
    if not namespace.presence:
        return _error(client, command, codes.NOT_AVAILABLE)
    if not await client.node.rules.allowed(namespace.presence_access, client.user, channel,
                                           channel in client.channels):
        return _error(client, command, codes.PERMISSION_DENIED)
    return None


async def presence(client: Client, command: Command) -> Reply:
    req = command.presence
    assert req is not None
    refused = await _presence_check(client, command, req.channel)
    if refused is not None:
        return refused
    members = await client.node.presence_store.presence(req.channel)
    return client.codec.encode_reply(command.id, "presence", PresenceResult(presence=members))


async def presence_stats(client: Client, command: Command) -> Reply:
    req = command.presence_stats
    assert req is not None
    refused = await _presence_check(client, command, req.channel)
    if refused is not None:
        return refused
    num_clients, num_users = await client.node.presence_store.presence_stats(req.channel)
    return client.codec.encode_reply(command.id, "presence_stats",
                        PresenceStatsResult(num_clients=num_clients, num_users=num_users))


async def history(client: Client, command: Command) -> Reply:
    req = command.history
    assert req is not None
    namespace = await _namespace_for(client, command, req.channel)
    if isinstance(namespace, bytes):
        return namespace
    if not namespace.history.enabled:
        return _error(client, command, codes.NOT_AVAILABLE)
    if not await client.node.rules.allowed(namespace.history_access, client.user, req.channel,
                                           req.channel in client.channels):
        return _error(client, command, codes.PERMISSION_DENIED)
    cap = client.node.config.history_max_publications
    limit = cap if req.limit < 0 or req.limit > cap else req.limit
    try:
        pubs, top = await client.node.broker.history(
            req.channel, HistoryFilter(limit=limit, since=req.since, reverse=req.reverse),
            namespace.history)
    except UnrecoverablePosition:
        return _error(client, command, codes.UNRECOVERABLE_POSITION)
    return client.codec.encode_reply(command.id, "history",
                        HistoryResult(publications=pubs, epoch=top.epoch, offset=top.offset))


async def rpc(client: Client, command: Command) -> Reply:
    req = command.rpc
    assert req is not None
    hook = client.node.on_rpc
    if hook is None or client.identity is None:
        return _error(client, command, codes.NOT_AVAILABLE)
    params = bytes(req.data) or b"null"
    if not _is_json(params):
        return _error(client, command, codes.BAD_REQUEST_ERROR)
    try:
        data = await hook(client.identity, req.method, params)
    except KeyError:
        return _error(client, command, codes.METHOD_NOT_FOUND)
    except RPCError as exc:
        return _error(client, command, exc.code, exc.message)
    return client.codec.encode_reply(command.id, "rpc", RPCResult(data=msgspec.Raw(data)))


async def send(client: Client, command: Command) -> Reply:
    raise Disconnected(codes.NOT_AVAILABLE_DISCONNECT, "not available")


async def refresh(client: Client, command: Command) -> Reply:
    req = command.refresh
    assert req is not None
    if not req.token:
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    try:
        identity = await client.node.authenticate(req.token, client)
    except AuthError as exc:
        if exc.expired:
            raise Disconnected(codes.EXPIRED, "connection expired") from exc
        raise Disconnected(codes.INVALID_TOKEN, "invalid token") from exc
    if identity.user != client.user or (
            client.identity is not None and identity.external != client.identity.external):
        raise Disconnected(codes.INVALID_TOKEN, "invalid token")
    apply_identity(client, identity)
    client.set_expiry(identity.expires_at)
    expires, ttl = _remaining(identity.expires_at)
    return client.codec.encode_reply(command.id, "refresh", RefreshResult(
        client=client.id, version=VERSION, expires=expires, ttl=ttl))


async def sub_refresh(client: Client, command: Command) -> Reply:
    """Chorus's own channels take no subscription tokens and never expire; in configured
    namespaces the token is checked as at subscribe and its expiry pushed back."""
    req = command.sub_refresh
    assert req is not None
    if not req.channel:
        raise Disconnected(codes.BAD_REQUEST, "bad request")
    if req.channel not in client.channels:
        return _error(client, command, codes.PERMISSION_DENIED)
    if not req.token:
        return _error(client, command, codes.BAD_REQUEST_ERROR)
    namespace = client.node.rules.namespace(req.channel)
    verify = client.node.on_subscription_token
    if verify is None or namespace is None or not namespace.configured:
        return client.codec.encode_reply(command.id, "sub_refresh", SubRefreshResult())
    try:
        grant = verify(req.token)
    except AuthError as exc:
        if exc.expired:  # the subscription lapses (2501) unless a valid token follows
            return _error(client, command, codes.TOKEN_EXPIRED)
        raise Disconnected(codes.INVALID_TOKEN, "invalid token") from exc
    check_grant(client.identity, client.id, req.channel, grant)
    await _refresh_channel_info(client, req.channel, namespace, grant)
    client.node.expire_subscription_at(client, req.channel, grant.expires_at)
    expires, ttl = _remaining(grant.expires_at)
    return client.codec.encode_reply(command.id, "sub_refresh",
                                     SubRefreshResult(expires=expires, ttl=ttl))


async def _refresh_channel_info(client: Client, channel: str, namespace: Namespace,
                                grant: SubOptions) -> None:
    """A refreshed subscription token may bring new chan_info (seen in presence)."""
    state = client.channels.get(channel)
    info = _channel_info(client, grant)
    if state is None or info is None:
        return
    state.info = info
    if namespace.presence:
        await client.node.presence_store.add_presence(channel, client.id, info,
                                                      client.node.config.presence_ttl)


HANDLERS: dict[str, Callable[[Client, Command], Awaitable[Reply]]] = {
    "connect": connect,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "publish": publish,
    "presence": presence,
    "presence_stats": presence_stats,
    "history": history,
    "rpc": rpc,
    "send": send,
    "refresh": refresh,
    "sub_refresh": sub_refresh,
}
