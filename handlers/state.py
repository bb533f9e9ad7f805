"""What one process keeps in memory between requests: one small holder per area, each a field
of the Context, created with it and filled on first use (never shared between processes)."""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hub.realtime.lease import Lease, Leases
from hub.realtime.lease_memory import MemoryLeases
from hub.realtime.relay import Relay
from providers.sources import Source
from providers.spotify import SpotifyClient
from store.records import HotScore
from workers.actor import Supervisor
from workers.quizmaster import QuizRoomActor

__all__ = ["CatalogState", "ListeningState", "DownloadState", "MaintenanceState", "HotRanking",
           "SignInAttempts", "ScrobbleState", "QuizState", "ScrobbledNowPlaying",
           "FailureStreak", "DEFAULT_MAINTENANCE_MESSAGE", "HOT_REFRESH_SECONDS"]

DEFAULT_MAINTENANCE_MESSAGE = "Service temporarily unavailable for maintenance"
HOT_REFRESH_SECONDS = 3.0


@dataclass
class CatalogState:
    """The Spotify app an admin saved (client id, secret), the client built for the app in
    use, and until when (ctx.clock) each unreachable link provider is left alone."""

    saved_spotify_app: tuple[str, str] | None = None
    spotify_client: SpotifyClient | None = None
    provider_down_until: dict[str, float] = field(default_factory=dict)


@dataclass
class ListeningState:
    """Catalog ids of the tracks plays named lately (handlers.listening.tracks), by
    "sp:<spotify id>" or "nm:<artist>\x1f<title>" (case-folded), oldest first."""

    track_ids: OrderedDict[str, int] = field(default_factory=OrderedDict)


@dataclass
class DownloadState:
    """The download sources (read from the configuration on first use), one lock per watch,
    and the limit on watch checks running at once, with its size."""

    sources: list[Source] | None = None
    watch_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    check_slots: tuple[int, asyncio.Semaphore] | None = None


class MaintenanceState(msgspec.Struct, frozen=True):
    """The maintenance switch as stored (handlers.media.maintenance)."""

    enabled: bool = False
    message: str = DEFAULT_MAINTENANCE_MESSAGE


@dataclass
class FailureStreak:
    """Failed sign-ins in a row: how many, and when the last one was (ctx.clock)."""

    count: int = 0
    last: float = 0.0


@dataclass
class SignInAttempts:
    """What the sign-in backoff (handlers.identity.backoff) remembers: failure streaks per
    (account, client address) and per account, and when each address last signed in to each
    account. Oldest entries first, so the backoff can keep each map bounded."""

    pairs: OrderedDict[tuple[str, str], FailureStreak] = field(default_factory=OrderedDict)
    accounts: OrderedDict[str, FailureStreak] = field(default_factory=OrderedDict)
    known: OrderedDict[tuple[str, str], float] = field(default_factory=OrderedDict)


class HotRanking:
    """The cached hot ranking (handlers.social.hot) and what it last pushed."""

    def __init__(self, ttl: float = HOT_REFRESH_SECONDS) -> None:
        self.ttl = ttl
        self.rows: list[HotScore] = []
        self.computed_at = -math.inf  # loop time
        self.published: list[str] = []  # eIds of the last pushed top
        self.lock = asyncio.Lock()
        self.timer: asyncio.TimerHandle | None = None
        self.task: asyncio.Task[Any] | None = None

    def fresh(self) -> bool:
        return asyncio.get_running_loop().time() - self.computed_at < self.ttl


class ScrobbledNowPlaying(msgspec.Struct, frozen=True):
    """A now-playing a ListenBrainz client sent: which stored now-playing it is, the
    track_metadata it came with, and until when (ctx.clock) it is playing."""

    now_playing_id: int
    track_metadata: dict[str, Any]
    expires_at: float


@dataclass
class ScrobbleState:
    """Each user's last ListenBrainz now-playing (kept in memory only, as ListenBrainz keeps it
    in Redis with a time to live)."""

    playing_now: dict[int, ScrobbledNowPlaying] = field(default_factory=dict)


@dataclass
class QuizState:
    """The live quiz rooms this process plays (handlers.quiz.registry): each room's actor and
    lease by room id, the supervisor that runs them (set by hub.app; None: rooms cannot start
    here), whether other processes play rooms too, where leases are kept and how to reach a
    room's owner (set by hub.app: shared with the other processes on a Redis broker), a lock
    per room being taken over, and the lease releases under way."""

    rooms: dict[str, QuizRoomActor] = field(default_factory=dict)
    supervisor: Supervisor | None = None
    shared: bool = False  # other processes play rooms too (a Redis broker)
    leases: Leases = field(default_factory=MemoryLeases)
    relay: Relay | None = None
    held: dict[str, Lease] = field(default_factory=dict)
    taking: dict[str, asyncio.Lock] = field(default_factory=dict)
    releases: set[asyncio.Task[None]] = field(default_factory=set)
