"""SqliteStore: the embedded default backend (see store.interface.Store), and SqlStore, the
repositories over any database that speaks store/sqlite/db.py's API (PostgreSQL's adapter
reuses them: store/postgres/store.py)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from store.interface import (
    AnnouncementRepo,
    ApiCallRepo,
    AudioRepo,
    CatalogBatchRepo,
    CatalogRepo,
    CatalogSearchRepo,
    ChartRepo,
    CollectionRepo,
    CollectionStatsRepo,
    ConsentRepo,
    DownloadRepo,
    FollowRepo,
    JobRepo,
    LeaseRepo,
    ListeningRepo,
    ListenRepo,
    ListenTokenRepo,
    LyricsRepo,
    OAuthRepo,
    OutboxRepo,
    PostRepo,
    QuizRepo,
    QuotaRepo,
    RecommendationRepo,
    SearchRepo,
    SettingsRepo,
    TokenRepo,
    UserRepo,
    WatchRepo,
)
from store.sqlite.announcements import SqliteAnnouncements
from store.sqlite.api_calls import SqliteApiCalls
from store.sqlite.audio import SqliteAudio, SqliteQuotas
from store.sqlite.catalog import SqliteCatalog
from store.sqlite.catalog_batch import SqliteCatalogBatch
from store.sqlite.catalog_search import SqliteCatalogSearch
from store.sqlite.charts import SqliteCharts
from store.sqlite.collection_stats import SqliteCollectionStats
from store.sqlite.collections import SqliteCollections
from store.sqlite.db import AfterCommit, Database
from store.sqlite.downloads import SqliteDownloads
from store.sqlite.follows import SqliteFollows
from store.sqlite.jobs import SqliteJobs
from store.sqlite.leases import SqlLeases
from store.sqlite.listen_tokens import SqliteListenTokens
from store.sqlite.listening import SqliteListening
from store.sqlite.listens import SqliteListens
from store.sqlite.lyrics import SqliteLyrics
from store.sqlite.misc import SqliteConsents, SqliteOutbox, SqliteSettings
from store.sqlite.oauth import SqliteOAuth
from store.sqlite.posts import SqlitePosts
from store.sqlite.quiz import SqliteQuiz
from store.sqlite.recommendations import SqliteRecommendations
from store.sqlite.search import SqliteSearch
from store.sqlite.tokens import SqliteTokens
from store.sqlite.users import SqliteUsers
from store.sqlite.watch import SqliteWatches

__all__ = ["SqlStore", "SqliteStore"]


class SqlStore:
    """Every repository over one database handle (SQLite's Database or an adapter with its
    API); a backend replaces the repositories whose SQL is not its own after this."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.users: UserRepo = SqliteUsers(self.db)
        self.tokens: TokenRepo = SqliteTokens(self.db)
        self.oauth: OAuthRepo = SqliteOAuth(self.db)
        self.outbox: OutboxRepo = SqliteOutbox(self.db)
        self.consents: ConsentRepo = SqliteConsents(self.db)
        self.settings: SettingsRepo = SqliteSettings(self.db)
        self.listening: ListeningRepo = SqliteListening(self.db)
        self.listen_tokens: ListenTokenRepo = SqliteListenTokens(self.db)
        self.listens: ListenRepo = SqliteListens(self.db)
        self.follows: FollowRepo = SqliteFollows(self.db)
        self.collections: CollectionRepo = SqliteCollections(self.db)
        self.catalog: CatalogRepo = SqliteCatalog(self.db)
        self.posts: PostRepo = SqlitePosts(self.db)
        self.search: SearchRepo = SqliteSearch(self.db)
        self.jobs: JobRepo = SqliteJobs(self.db)
        self.catalog_search: CatalogSearchRepo = SqliteCatalogSearch(self.db)
        self.catalog_batch: CatalogBatchRepo = SqliteCatalogBatch(self.db)
        self.api_calls: ApiCallRepo = SqliteApiCalls(self.db)
        self.recommendations: RecommendationRepo = SqliteRecommendations(self.db)
        self.watch: WatchRepo = SqliteWatches(self.db)
        self.downloads: DownloadRepo = SqliteDownloads(self.db)
        self.audio: AudioRepo = SqliteAudio(self.db)
        self.quotas: QuotaRepo = SqliteQuotas(self.db)
        self.announcements: AnnouncementRepo = SqliteAnnouncements(self.db)
        self.charts: ChartRepo = SqliteCharts(self.db)
        self.collection_stats: CollectionStatsRepo = SqliteCollectionStats(self.db)
        self.lyrics: LyricsRepo = SqliteLyrics(self.db)
        self.quiz: QuizRepo = SqliteQuiz(self.db)
        self.leases: LeaseRepo = SqlLeases(self.db)

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()

    async def migrate(self) -> list[str]:
        return await self.db.migrate()

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self.db.transaction()

    async def after_commit(self, callback: AfterCommit) -> None:
        await self.db.after_commit(callback)

    async def ping(self) -> None:
        """Raise unless the database answers a query."""
        row = await self.db.fetch_one("SELECT 1")
        if row is None or row[0] != 1:
            raise RuntimeError("store did not answer")


class SqliteStore(SqlStore):
    shared = False  # one process writes the file (DESIGN: the embedded default)

    def __init__(self, path: Path | str, readers: int = 4) -> None:
        super().__init__(Database(Path(path), readers=readers))
