"""Broker, presence and history: the interfaces the realtime node talks to (after
centrifuge's broker.go and presence.go). `MemoryBroker` (broker_memory.py) implements them for
one process; `RedisBroker` (broker_redis.py) implements the same so several processes share
channels, presence and history through one Redis.

Nothing above these interfaces may assume one process: the node learns of publications only
through the `on_publication` callback, even those it published itself. A broker that loses its
server keeps reconnecting by itself; meanwhile its calls raise `BrokerUnavailable` rather than
wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import msgspec

from hub.realtime.protocol import ClientInfo, Publication, StreamPosition

__all__ = ["HistoryOptions", "HistoryFilter", "BrokerEventHandler", "Broker", "PresenceStore",
           "UnrecoverablePosition", "BrokerUnavailable", "NodeInfo"]


class HistoryOptions(msgspec.Struct, frozen=True):
    """How much of a channel's stream to keep: both must be > 0 to keep any."""

    size: int = 0
    ttl: float = 0.0

    @property
    def enabled(self) -> bool:
        return self.size > 0 and self.ttl > 0


class HistoryFilter(msgspec.Struct, frozen=True):
    """limit 0: only the position; -1: everything kept; since: strictly after that offset
    (before it when reverse)."""

    limit: int = 0
    since: StreamPosition | None = None
    reverse: bool = False


class UnrecoverablePosition(Exception):
    """`since.epoch` names another incarnation of the stream (protocol error 112)."""


class BrokerUnavailable(Exception):
    """The broker cannot be reached now (Redis down or cut off): the call did nothing, and
    the broker keeps reconnecting in the background."""


class NodeInfo(msgspec.Struct, frozen=True):
    """What one process serves, as the server API's `info` and `channels` report it."""

    uid: str
    name: str
    version: str
    num_clients: int = 0
    num_users: int = 0
    num_subs: int = 0
    uptime: int = 0
    channels: dict[str, int] = {}  # channel -> connections of this process in it


class BrokerEventHandler(Protocol):
    def on_publication(self, channel: str, pub: Publication) -> None:
        """A publication reached `channel` (from this process or another)."""

    def on_join(self, channel: str, info: ClientInfo) -> None: ...
    def on_leave(self, channel: str, info: ClientInfo) -> None: ...

    def on_control(self, data: bytes) -> None:
        """A control message (hub.realtime.control) from any process, this one's included."""

    def on_reconnect(self) -> None:
        """The broker lost its connection and has it again (every channel subscribed anew):
        what this process had written with expiry (presence) may need writing again."""


class Broker(Protocol):
    def register_handler(self, handler: BrokerEventHandler) -> None:
        """Where publications, joins and leaves are delivered; set once before use."""

    async def start(self) -> None:
        """Connect and listen to the control channel (before the node serves clients)."""

    async def ping(self) -> None:
        """Return when the broker answers (readiness).

        Raises:
            BrokerUnavailable: it does not.
        """

    async def subscribe(self, channel: str) -> None:
        """This process has subscribers in `channel` and wants its publications (from the
        moment this returns)."""

    async def unsubscribe(self, channel: str) -> None: ...

    async def publish(self, channel: str, data: bytes, *, info: ClientInfo | None = None,
                      history: HistoryOptions = HistoryOptions(),
                      tags: dict[str, str] | None = None) -> StreamPosition:
        """Publish JSON `data` (with `tags`, delivered to subscribers); with history enabled
        the publication is added to the stream atomically and gets the next offset. Returns
        the stream position after it.

        Raises:
            ValueError: `data` is not valid JSON.
        """

    async def publish_many(self, channels: Sequence[str], data: bytes, *,
                           history: HistoryOptions = HistoryOptions()) -> list[StreamPosition]:
        """`publish` of the same `data` to each of `channels` in one call (one round trip for
        a remote broker); the positions in the order of `channels`."""

    async def publish_control(self, data: bytes) -> None:
        """Hand `data` to `on_control` of every process's handler, this one's included."""

    async def publish_join(self, channel: str, info: ClientInfo) -> None: ...
    async def publish_leave(self, channel: str, info: ClientInfo) -> None: ...

    async def history(self, channel: str, flt: HistoryFilter,
                      history: HistoryOptions = HistoryOptions()
                      ) -> tuple[list[Publication], StreamPosition]:
        """Publications kept for `channel` per `flt`, oldest first (newest first when
        reverse), and the current stream position.

        Raises:
            UnrecoverablePosition: `flt.since` has another epoch.
        """

    async def remove_history(self, channel: str) -> None: ...

    async def update_node(self, info: NodeInfo, ttl: float) -> None:
        """Record (or refresh) what this process serves, for `ttl` seconds."""

    async def nodes(self) -> list[NodeInfo]:
        """What every live process recorded with `update_node` (expired ones left out)."""

    async def remove_node(self, uid: str) -> None:
        """The process is stopping: leave the list before its entry expires."""

    async def close(self) -> None: ...


class PresenceStore(Protocol):
    # Whether other processes see this store. The per-user connection count is kept in it
    # only then: one process counts its own connections in its session registry.
    shared: bool

    async def add_presence(self, channel: str, client_id: str, info: ClientInfo,
                           ttl: float) -> None:
        """Record (or refresh) that the client is in the channel, for `ttl` seconds."""

    async def remove_presence(self, channel: str, client_id: str) -> None: ...
    async def presence(self, channel: str) -> dict[str, ClientInfo]: ...
    async def presence_stats(self, channel: str) -> tuple[int, int]:
        """(number of clients, number of distinct users)."""

    async def admit(self, channel: str, client_id: str, info: ClientInfo, ttl: float,
                    limit: int) -> bool:
        """`add_presence` only if the channel then holds at most `limit` clients, checked and
        added in one step (across processes for a shared store); whether it was added. A
        client already present is refreshed and admitted."""


PublicationCallback = Callable[[str, Publication], Awaitable[None]]
