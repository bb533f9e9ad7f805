"""MemoryBroker and MemoryPresence: one process, streams in memory (see hub.realtime.broker).

A restarted process is a new epoch: clients that come back are told `recovered: false`.
A channel's stream is made on its first publication, not when a client subscribes or reads
its (empty) history: until then it stands at offset 0 of the broker's own epoch, the epoch it
is then made with, so a position handed out before still recovers. An idle signed-in
connection's personal channel thus costs no memory.
"""

from __future__ import annotations

import random
import string
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from hub.realtime.broker import (
    BrokerEventHandler,
    HistoryFilter,
    HistoryOptions,
    NodeInfo,
    UnrecoverablePosition,
)
from hub.realtime.protocol import ClientInfo, Publication, StreamPosition

__all__ = ["MemoryBroker", "MemoryPresence"]

META_TTL = 30 * 86400


def _new_epoch() -> str:
    return "".join(random.choices(string.ascii_letters, k=8))


@dataclass
class _Stream:
    epoch: str
    top: int = 0
    items: deque[tuple[float, Publication]] = field(default_factory=deque)
    touched: float = 0.0


class MemoryBroker:
    def __init__(self, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._handler: BrokerEventHandler | None = None
        self._streams: dict[str, _Stream] = {}
        self._clock = clock
        self._epoch = _new_epoch()  # of every stream until it expires
        self._nodes: dict[str, tuple[float, NodeInfo]] = {}

    def register_handler(self, handler: BrokerEventHandler) -> None:
        self._handler = handler

    async def start(self) -> None:
        return None

    async def ping(self) -> None:
        return None  # in this process: always there

    async def subscribe(self, channel: str) -> None:
        return None  # one process: every publication is already local

    async def unsubscribe(self, channel: str) -> None:
        return None

    def _stream(self, channel: str) -> _Stream:
        stream = self._streams.get(channel)
        now = self._clock()
        if stream is None:
            stream = self._streams[channel] = _Stream(epoch=self._epoch)
        elif now - stream.touched > META_TTL:
            stream = self._streams[channel] = _Stream(epoch=_new_epoch())
        stream.touched = now
        return stream

    def _trim(self, stream: _Stream, history: HistoryOptions) -> None:
        cutoff = self._clock() - history.ttl
        while stream.items and (len(stream.items) > history.size or stream.items[0][0] < cutoff):
            stream.items.popleft()

    async def publish(self, channel: str, data: bytes, *, info: ClientInfo | None = None,
                      history: HistoryOptions = HistoryOptions(),
                      tags: dict[str, str] | None = None) -> StreamPosition:
        pub = Publication(data=msgspec.Raw(data), info=info, tags=tags or None)
        position = StreamPosition()
        if history.enabled:
            stream = self._stream(channel)
            stream.top += 1
            pub.offset = stream.top
            stream.items.append((self._clock(), pub))
            self._trim(stream, history)
            position = StreamPosition(offset=stream.top, epoch=stream.epoch)
        if self._handler is not None:
            self._handler.on_publication(channel, pub)
        return position

    async def publish_many(self, channels: Sequence[str], data: bytes, *,
                           history: HistoryOptions = HistoryOptions()) -> list[StreamPosition]:
        return [await self.publish(channel, data, history=history) for channel in channels]

    async def publish_control(self, data: bytes) -> None:
        if self._handler is not None:
            self._handler.on_control(data)

    async def publish_join(self, channel: str, info: ClientInfo) -> None:
        if self._handler is not None:
            self._handler.on_join(channel, info)

    async def publish_leave(self, channel: str, info: ClientInfo) -> None:
        if self._handler is not None:
            self._handler.on_leave(channel, info)

    async def history(self, channel: str, flt: HistoryFilter,
                      history: HistoryOptions = HistoryOptions()
                      ) -> tuple[list[Publication], StreamPosition]:
        if channel not in self._streams:  # nothing published yet: made on first publication
            if flt.since is not None and flt.since.epoch and flt.since.epoch != self._epoch:
                raise UnrecoverablePosition(channel)
            return [], StreamPosition(offset=0, epoch=self._epoch)
        stream = self._stream(channel)
        if history.enabled:
            self._trim(stream, history)
        position = StreamPosition(offset=stream.top, epoch=stream.epoch)
        if flt.since is not None and flt.since.epoch and flt.since.epoch != stream.epoch:
            raise UnrecoverablePosition(channel)
        if flt.limit == 0:
            return [], position
        pubs = [p for _, p in stream.items]
        if flt.since is not None:
            since = flt.since.offset
            pubs = ([p for p in pubs if p.offset < since] if flt.reverse
                    else [p for p in pubs if p.offset > since])
        if flt.reverse:
            pubs.reverse()
        if flt.limit > 0:
            pubs = pubs[:flt.limit]
        return pubs, position

    async def remove_history(self, channel: str) -> None:
        stream = self._streams.get(channel)
        if stream is not None:
            stream.items.clear()

    async def update_node(self, info: NodeInfo, ttl: float) -> None:
        self._nodes[info.uid] = (self._clock() + ttl, info)

    async def nodes(self) -> list[NodeInfo]:
        now = self._clock()
        return [info for expiry, info in self._nodes.values() if expiry >= now]

    async def remove_node(self, uid: str) -> None:
        self._nodes.pop(uid, None)

    async def close(self) -> None:
        self._streams.clear()


class MemoryPresence:
    shared = False  # one process: nobody else reads it

    def __init__(self, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._channels: dict[str, dict[str, tuple[float, ClientInfo]]] = {}
        self._clock = clock

    def _live(self, channel: str) -> dict[str, tuple[float, ClientInfo]]:
        entries = self._channels.get(channel, {})
        now = self._clock()
        for client_id in [c for c, (expiry, _) in entries.items() if expiry < now]:
            del entries[client_id]
        return entries

    async def add_presence(self, channel: str, client_id: str, info: ClientInfo,
                           ttl: float) -> None:
        self._channels.setdefault(channel, {})[client_id] = (self._clock() + ttl, info)

    async def remove_presence(self, channel: str, client_id: str) -> None:
        entries = self._channels.get(channel)
        if entries is not None:
            entries.pop(client_id, None)
            if not entries:
                del self._channels[channel]

    async def presence(self, channel: str) -> dict[str, ClientInfo]:
        return {c: info for c, (_, info) in self._live(channel).items()}

    async def presence_stats(self, channel: str) -> tuple[int, int]:
        entries = self._live(channel)
        return len(entries), len({info.user for _, info in entries.values()})

    async def admit(self, channel: str, client_id: str, info: ClientInfo, ttl: float,
                    limit: int) -> bool:
        entries = self._live(channel)  # no await between the count and the add: atomic
        if client_id not in entries and len(entries) >= limit:
            return False
        await self.add_presence(channel, client_id, info, ttl)
        return True
