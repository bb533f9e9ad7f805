"""Context: everything a domain operation may use, built once by hub.app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from handlers.crypto import Keys, PasswordHasher, Vault
from handlers.state import (
    CatalogState,
    DownloadState,
    HotRanking,
    ListeningState,
    MaintenanceState,
    QuizState,
    ScrobbleState,
    SignInAttempts,
)
from hub.config import Config
from hub.realtime.publisher import Publisher
from store.interface import ChartRepo, Store
from workers.jobs import JobSubmitter

__all__ = ["Context"]


@dataclass
class Context:
    config: Config
    store: Store
    keys: Keys
    passwords: PasswordHasher
    vault: Vault
    publisher: Publisher
    http: httpx.AsyncClient
    wake_mailer: Callable[[], None] = lambda: None
    jobs: JobSubmitter | None = None  # the job runner (workers.jobs), set by hub.app
    clock: Callable[[], float] = time.time
    kworb: ChartRepo | None = None  # a Kworb scraper's database (KWORB_DATABASE_URL), set by hub.app
    # what the areas keep in memory between requests (handlers.state)
    catalog_state: CatalogState = field(default_factory=CatalogState)
    download_state: DownloadState = field(default_factory=DownloadState)
    maintenance: MaintenanceState = field(default_factory=MaintenanceState)
    hot_ranking: HotRanking = field(default_factory=HotRanking)
    sign_in_attempts: SignInAttempts = field(default_factory=SignInAttempts)
    scrobbles: ScrobbleState = field(default_factory=ScrobbleState)
    listening_state: ListeningState = field(default_factory=ListeningState)
    quiz_state: QuizState = field(default_factory=QuizState)
