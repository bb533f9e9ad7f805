"""Centrifugo's server HTTP API (v6, docs/server/server_api.md) over the realtime node.

`ServerAPI.call(method, body)` takes a method name and the JSON body of a POST and returns
the JSON answer: `{"result": {...}}`, or `{"error": {"code", "message"}}` with Centrifugo's
codes (102 unknown channel, 107 bad request, 108 not available, 112 unrecoverable position).
A body that is not the method's JSON raises BadRequest (HTTP 400) and an unknown method
UnknownMethod (HTTP 404), as Centrifugo answers. No I/O here: handlers/api/realtime.py serves
it at `/hub/api/<method>` and checks the key with `ServerAPI.authorized`.

Only channels of configured namespaces (and channels without namespace) are reachable:
Chorus's own (user:#…, nowplaying:…, …) answer 102 as if unknown. `user` names an app's user
(the `sub` of a Centrifugo connection token), never a Chorus account.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hmac
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from hub.realtime import codes
from hub.realtime.broker import (
    BrokerUnavailable,
    HistoryFilter,
    HistoryOptions,
    NodeInfo,
    UnrecoverablePosition,
)
from hub.realtime.channels import Namespace
from hub.realtime.control import Control
from hub.realtime.node import Node
from hub.realtime.protocol import (
    EMPTY_RAW,
    EmptyResult,
    HistoryResult,
    PresenceResult,
    PresenceStatsResult,
    StreamPosition,
    encode_json,
)
from hub.realtime.types import SubOptions, session_key

__all__ = ["ServerAPI", "BadRequest", "UnknownMethod", "ApiError", "METHODS"]

IDEMPOTENCY_TTL = 300.0  # Centrifugo keeps idempotent publish results for five minutes


class BadRequest(Exception):
    """The body is not the method's JSON request (HTTP 400)."""


class UnknownMethod(Exception):
    """No such server API method (HTTP 404)."""


class ApiError(msgspec.Struct, frozen=True):
    code: int
    message: str


BAD_REQUEST = ApiError(codes.BAD_REQUEST_ERROR, "bad request")
UNKNOWN_CHANNEL = ApiError(codes.UNKNOWN_CHANNEL, "unknown channel")
NOT_AVAILABLE = ApiError(codes.NOT_AVAILABLE, "not available")
UNRECOVERABLE = ApiError(codes.UNRECOVERABLE_POSITION, "unrecoverable position")
INTERNAL = ApiError(codes.INTERNAL, "internal server error")


# ---- requests ---------------------------------------------------------------------------------


class _Publish(msgspec.Struct, frozen=True):
    channel: str = ""
    data: msgspec.Raw = EMPTY_RAW
    b64data: str = ""
    skip_history: bool = False
    tags: dict[str, str] | None = None
    idempotency_key: str = ""
    delta: bool = False  # accepted; Chorus sends no deltas
    version: int = 0  # accepted, not checked
    version_epoch: str = ""


class _Broadcast(_Publish, frozen=True):
    channels: list[str] = []


class _Subscribe(msgspec.Struct, frozen=True):
    user: str = ""
    channel: str = ""
    expire_at: int = 0
    info: msgspec.Raw = EMPTY_RAW
    b64info: str = ""
    client: str = ""
    session: str = ""  # one-way sessions are not tracked: ignored
    data: msgspec.Raw = EMPTY_RAW
    b64data: str = ""
    recover_since: StreamPosition | None = None
    override: dict[str, Any] | None = None  # not supported: the namespace's options apply


class _Unsubscribe(msgspec.Struct, frozen=True):
    user: str = ""
    channel: str = ""
    client: str = ""
    session: str = ""


class _DisconnectObject(msgspec.Struct, frozen=True):
    code: int = 0
    reason: str = ""


class _Disconnect(msgspec.Struct, frozen=True):
    user: str = ""
    client: str = ""
    session: str = ""
    whitelist: list[str] = []
    disconnect: _DisconnectObject | None = None


class _Channel(msgspec.Struct, frozen=True):
    """presence, presence_stats and history_remove: just a channel."""

    channel: str = ""


class _History(msgspec.Struct, frozen=True):
    channel: str = ""
    limit: int = 0
    since: StreamPosition | None = None
    reverse: bool = False


class _Channels(msgspec.Struct, frozen=True):
    pattern: str = ""


class _Info(msgspec.Struct, frozen=True):
    pass


# ---- results ----------------------------------------------------------------------------------


class PublishResult(msgspec.Struct, omit_defaults=True):
    offset: int = 0
    epoch: str = ""


class PublishResponse(msgspec.Struct, omit_defaults=True):
    error: ApiError | None = None
    result: PublishResult | None = None


class BroadcastResult(msgspec.Struct, omit_defaults=True):
    responses: list[PublishResponse] = []


class ChannelInfo(msgspec.Struct, omit_defaults=True):
    num_clients: int = 0


class ChannelsResult(msgspec.Struct):
    channels: dict[str, ChannelInfo]


class NodeResult(msgspec.Struct, omit_defaults=True):
    uid: str
    name: str
    version: str
    num_clients: int
    num_users: int
    num_channels: int
    num_subs: int
    uptime: int = 0  # omitted when 0, as Centrifugo does


class InfoResult(msgspec.Struct):
    nodes: list[NodeResult]


Outcome = msgspec.Struct | ApiError


# ---- payloads ---------------------------------------------------------------------------------


def _payload(raw: msgspec.Raw, b64: str) -> bytes | None:
    """JSON bytes of `data`/`info` (or its base64 twin), compact enough for the JSON
    protocol; None when `b64` is not base64 of JSON (JSON clients could not read it)."""
    data = bytes(raw)
    try:
        if b64:
            data = base64.b64decode(b64, validate=True)
            msgspec.json.decode(data)
        if b"\n" in data or b"\r" in data:  # a raw newline would split the protocol's frames
            data = encode_json(msgspec.json.decode(data))
    except (binascii.Error, msgspec.DecodeError, RecursionError):  # RecursionError: too deep
        return None
    return data


def _fits_format(data: bytes, data_format: str) -> bool:
    """publication_data_format: "" needs data, "json_object" an object ("json": any JSON)."""
    if data_format == "json_object":
        return data.lstrip().startswith(b"{")
    return data_format == "json" or bool(data)


class ServerAPI:
    """The server API of one node; `key` is http_api.key ("" leaves the API disabled)."""

    def __init__(self, node: Node, key: str) -> None:
        self.node = node
        self.key = key
        self._idempotent: OrderedDict[tuple[str, str], tuple[float, PublishResult]] = (
            OrderedDict())
        self._methods: dict[str, tuple[type[Any], Callable[[Any], Awaitable[Outcome]]]] = {
            "publish": (_Publish, self.publish), "broadcast": (_Broadcast, self.broadcast),
            "subscribe": (_Subscribe, self.subscribe),
            "unsubscribe": (_Unsubscribe, self.unsubscribe),
            "disconnect": (_Disconnect, self.disconnect),
            "presence": (_Channel, self.presence),
            "presence_stats": (_Channel, self.presence_stats),
            "history": (_History, self.history),
            "history_remove": (_Channel, self.history_remove),
            "channels": (_Channels, self.channels), "info": (_Info, self.info),
        }

    @property
    def enabled(self) -> bool:
        return bool(self.key)

    def authorized(self, x_api_key: str | None, authorization: str | None,
                   query_key: str | None = None) -> bool:
        """`X-API-Key: <key>`, else `Authorization: apikey <key>`, else `?api_key=`, compared
        in constant time (Centrifugo's middleware/auth.go)."""
        if not self.key:
            return False
        expected = self.key.encode()
        if x_api_key:
            return hmac.compare_digest(expected, x_api_key.encode())
        parts = (authorization or "").split()
        if len(parts) == 2 and parts[0].lower() == "apikey" and hmac.compare_digest(
                expected, parts[1].encode()):
            return True
        return bool(query_key) and hmac.compare_digest(expected, (query_key or "").encode())

    async def call(self, method: str, body: bytes) -> bytes:
        """The JSON answer of `method` to `body`; BadRequest, UnknownMethod as documented."""
        entry = self._methods.get(method)
        if entry is None:
            raise UnknownMethod(method)
        kind, handler = entry
        try:
            request = msgspec.json.decode(body, type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BadRequest(str(exc)) from exc
        except RecursionError as exc:
            raise BadRequest("JSON is nested too deeply") from exc
        try:
            outcome = await handler(request)
        except BrokerUnavailable:  # Redis cut off: an answer now rather than a wait
            outcome = INTERNAL
        if isinstance(outcome, ApiError):
            return b'{"error":%s}' % encode_json(outcome)
        return b'{"result":%s}' % encode_json(outcome)

    def _namespace(self, channel: str) -> Namespace | None:
        """A configured namespace of `channel`; Chorus's own are out of the API's reach."""
        namespace = self.node.rules.namespace(channel)
        return namespace if namespace is not None and namespace.configured else None

    # ---- publish --------------------------------------------------------------------------

    async def publish(self, req: _Publish) -> Outcome:
        return await self._publish_one(req.channel, req)

    async def broadcast(self, req: _Broadcast) -> Outcome:
        if not req.channels:
            return BAD_REQUEST
        responses = []
        for channel in req.channels:
            outcome = await self._publish_one(channel, req)
            responses.append(PublishResponse(error=outcome) if isinstance(outcome, ApiError)
                             else PublishResponse(result=outcome))
        return BroadcastResult(responses=responses)

    async def _publish_one(self, channel: str, req: _Publish) -> PublishResult | ApiError:
        if not channel:
            return BAD_REQUEST
        data = _payload(req.data, req.b64data)
        if data is None:
            return BAD_REQUEST
        namespace = self._namespace(channel)
        if namespace is None:
            return UNKNOWN_CHANNEL
        if not _fits_format(data, namespace.data_format):
            return BAD_REQUEST
        key = (channel, req.idempotency_key)
        if req.idempotency_key:
            cached = self._cached(key)
            if cached is not None:
                return cached
        history = HistoryOptions() if req.skip_history else namespace.history
        position = await self.node.broker.publish(channel, data, history=history,
                                                  tags=req.tags or None)
        result = PublishResult(offset=position.offset, epoch=position.epoch)
        if req.idempotency_key:
            self._idempotent[key] = (time.monotonic() + IDEMPOTENCY_TTL, result)
        return result

    def _cached(self, key: tuple[str, str]) -> PublishResult | None:
        """The result of an earlier publish with this idempotency key (five minutes)."""
        now = time.monotonic()
        while self._idempotent:
            oldest = next(iter(self._idempotent.values()))
            if oldest[0] > now:
                break
            self._idempotent.popitem(last=False)
        entry = self._idempotent.get(key)
        return entry[1] if entry is not None else None

    # ---- subscriptions and connections ----------------------------------------------------

    async def subscribe(self, req: _Subscribe) -> Outcome:
        if not req.channel:
            return BAD_REQUEST
        if self._namespace(req.channel) is None:
            return UNKNOWN_CHANNEL
        data, info = _payload(req.data, req.b64data), _payload(req.info, req.b64info)
        if data is None or info is None:
            return BAD_REQUEST
        grant = SubOptions(req.channel, info=info or None, data=data or None,
                           expires_at=float(req.expire_at) if req.expire_at > 0 else None)
        await self.node.subscribe_user(req.user, req.channel, grant, req.client,
                                       since=req.recover_since)
        return EmptyResult()

    async def unsubscribe(self, req: _Unsubscribe) -> Outcome:
        if req.channel and self._namespace(req.channel) is None:
            return UNKNOWN_CHANNEL
        if req.user:
            await self.node.unsubscribe_user(req.user, req.channel, external=True,
                                             client_id=req.client)
        return EmptyResult()

    async def disconnect(self, req: _Disconnect) -> Outcome:
        code, reason = codes.FORCE_DISCONNECT, "force disconnect"
        if req.disconnect is not None:
            code, reason = req.disconnect.code, req.disconnect.reason
        if not 3000 <= code <= 4999:  # what a websocket close frame may carry
            return BAD_REQUEST
        if req.user:  # in every process (hub.realtime.control)
            await self.node.run_control(Control(
                "disconnect", session_key(req.user, external=True), client=req.client,
                whitelist=tuple(req.whitelist), code=code,
                reason=reason.encode()[:120].decode(errors="ignore") or "force disconnect"))
        return EmptyResult()

    # ---- presence and history -------------------------------------------------------------

    def _checked(self, channel: str, feature: str) -> Namespace | ApiError:
        if not channel:
            return BAD_REQUEST
        namespace = self._namespace(channel)
        if namespace is None:
            return UNKNOWN_CHANNEL
        enabled = namespace.presence if feature == "presence" else namespace.history.enabled
        return namespace if enabled else NOT_AVAILABLE

    async def presence(self, req: _Channel) -> Outcome:
        checked = self._checked(req.channel, "presence")
        if isinstance(checked, ApiError):
            return checked
        return PresenceResult(presence=await self.node.presence_store.presence(req.channel))

    async def presence_stats(self, req: _Channel) -> Outcome:
        checked = self._checked(req.channel, "presence")
        if isinstance(checked, ApiError):
            return checked
        num_clients, num_users = await self.node.presence_store.presence_stats(req.channel)
        return PresenceStatsResult(num_clients=num_clients, num_users=num_users)

    async def history(self, req: _History) -> Outcome:
        checked = self._checked(req.channel, "history")
        if isinstance(checked, ApiError):
            return checked
        flt = HistoryFilter(limit=req.limit, since=req.since, reverse=req.reverse)
        try:
            pubs, top = await self.node.broker.history(req.channel, flt, checked.history)
        except UnrecoverablePosition:
            return UNRECOVERABLE
        return HistoryResult(publications=pubs, epoch=top.epoch, offset=top.offset)

    async def history_remove(self, req: _Channel) -> Outcome:
        checked = self._checked(req.channel, "history")
        if isinstance(checked, ApiError):
            return checked
        await self.node.broker.remove_history(req.channel)
        return EmptyResult()

    # ---- node -----------------------------------------------------------------------------

    async def channels(self, req: _Channels) -> Outcome:
        """Active channels of configured namespaces (a glob `pattern`: *, ?, [...]) in every
        process, with their connections summed."""
        totals: dict[str, int] = {}
        for stats in await self.node.cluster_stats():
            for channel, count in stats.channels.items():
                totals[channel] = totals.get(channel, 0) + count
        counts = {channel: ChannelInfo(num_clients=count) for channel, count in totals.items()
                  if self._namespace(channel) is not None
                  and (not req.pattern or fnmatch.fnmatchcase(channel, req.pattern))}
        return ChannelsResult(channels=counts)

    async def info(self, req: _Info) -> Outcome:
        """Every live process, as each last recorded itself (this one now)."""
        return InfoResult(nodes=[_node_result(stats)
                                 for stats in await self.node.cluster_stats()])


def _node_result(stats: NodeInfo) -> NodeResult:
    return NodeResult(uid=stats.uid, name=stats.name, version=stats.version,
                      num_clients=stats.num_clients, num_users=stats.num_users,
                      num_channels=len(stats.channels), num_subs=stats.num_subs,
                      uptime=stats.uptime)


METHODS = ("publish", "broadcast", "subscribe", "unsubscribe", "disconnect", "presence",
           "presence_stats", "history", "history_remove", "channels", "info")
