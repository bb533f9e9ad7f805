"""The Store protocol: what handlers/ and workers/ may ask of persistence.

A backend (store/sqlite now, store/postgres later) implements every repository below. Tokens and
secrets arrive already hashed or encrypted; the store never derives or checks them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from store.records import (
    Announcement,
    ApiCall,
    ApiCallStats,
    AudioFile,
    AudioTotals,
    Candidate,
    CatalogItem,
    ChartRow,
    Collection,
    CollectionCollaborator,
    CollectionTotals,
    Comment,
    Consent,
    DownloadStats,
    Follow,
    HotScore,
    Job,
    JobPage,
    JobStatus,
    Listen,
    ListenToken,
    Lyrics,
    NewListen,
    NowPlaying,
    OAuthAccount,
    OAuthState,
    OutboxMail,
    Post,
    QuizPlayer,
    QuizRoom,
    QuizRound,
    RefreshToken,
    ResetToken,
    RollupCount,
    RollupDay,
    RollupHour,
    RollupStatus,
    RollupWeekdayHour,
    Session,
    Submitted,
    UploadQuota,
    User,
    UserCounts,
    UserPatch,
    Watch,
    WatchItem,
)

__all__ = ["Store", "UserRepo", "TokenRepo", "OAuthRepo", "OutboxRepo", "ConsentRepo",
           "SettingsRepo", "ListeningRepo", "ListenRepo", "ListenTokenRepo",
           "FollowRepo", "CollectionRepo", "CatalogRepo", "PostRepo", "SearchRepo",
           "CatalogSearchRepo", "CatalogBatchRepo", "ApiCallRepo"]


class UserRepo(Protocol):
    async def create(self, **fields: Any) -> User:
        """Insert a user. Raises store.Duplicate naming the column when username/email is taken."""
    async def get(self, user_id: int) -> User | None: ...
    async def many(self, user_ids: list[int]) -> dict[int, User]:
        """The users among `user_ids` that exist, by id (one query for a page of posts)."""
    async def by_username(self, username: str) -> User | None: ...
    async def by_email(self, email: str) -> User | None: ...
    async def by_login(self, login: str) -> User | None:
        """The user whose username or email equals `login`, case-insensitively."""
    async def update(self, user_id: int, patch: UserPatch) -> User | None:
        """Apply the set fields of `patch`. Raises store.Duplicate on a taken username/email."""
    async def delete(self, user_id: int) -> bool: ...
    async def list(self, *, offset: int = 0, limit: int = 100) -> list[User]: ...
    async def count(self) -> int: ...
    async def counts(self) -> UserCounts:
        """Accounts (erased ones left out) by state, and how many are admins."""
    async def due_for_erasure(self, before: float) -> builtins.list[User]: ...
    async def erase(self, user_id: int, placeholder: dict[str, Any]) -> None:
        """Overwrite personal fields with `placeholder` and drop every linked row, atomically."""


class TokenRepo(Protocol):
    async def create_session(self, session: Session) -> None: ...
    async def create_session_with_refresh(self, session: Session, refresh: RefreshToken) -> None: ...
    async def get_session(self, session_id: str) -> Session | None: ...
    async def session_by_token(self, token_hash: str) -> Session | None: ...
    async def revoke_session(self, session_id: str) -> None: ...
    async def revoke_user_sessions(self, user_id: int, except_session: str | None = None) -> None: ...
    async def get_refresh(self, token_hash: str) -> RefreshToken | None: ...
    async def rotate_refresh(self, old_hash: str, new: RefreshToken) -> bool:
        """Atomically mark `old_hash` used and insert `new`; False if it was used or revoked."""
    async def revoke_family(self, family_id: str) -> None: ...
    async def create_reset(self, token: ResetToken) -> None: ...
    async def get_reset(self, token_hash: str) -> ResetToken | None: ...
    async def take_reset(self, token_hash: str) -> bool:
        """Mark the token used; False if it was used, expired or is gone (the caller writes the
        password in the same transaction)."""
    async def revoke_resets(self, user_id: int) -> None:
        """End every unused reset token of the user."""


class OAuthRepo(Protocol):
    async def save_state(self, state: OAuthState) -> None: ...
    async def take_state(self, state: str) -> OAuthState | None: ...
    async def get_account(self, provider: str, subject: str) -> OAuthAccount | None: ...
    async def user_account(self, user_id: int, provider: str) -> OAuthAccount | None: ...
    async def user_accounts(self, user_id: int) -> list[OAuthAccount]: ...
    async def linked_users(self, provider: str) -> list[int]:
        """The ids of the users with a `provider` account linked, ascending."""
    async def link(self, account: OAuthAccount) -> OAuthAccount:
        """Upsert the (provider, subject) link; the user's link to another account of the same
        provider is replaced in the same transaction."""
    async def unlink(self, user_id: int, provider: str) -> bool: ...


class OutboxRepo(Protocol):
    async def enqueue(self, to_addr: str, subject: str, body: str) -> int: ...
    async def due(self, now: float, limit: int = 20) -> list[OutboxMail]: ...
    async def get(self, mail_id: int) -> OutboxMail | None: ...
    async def list(self, to_addr: str | None = None) -> list[OutboxMail]: ...
    async def mark_sent(self, mail_id: int) -> None: ...
    async def mark_failed(self, mail_id: int, error: str, retry_at: float | None) -> None: ...


class ConsentRepo(Protocol):
    async def add(self, user_id: int, consent_type: str, consent_version: str,
                  ip_address: str | None) -> Consent: ...
    async def list(self, user_id: int) -> list[Consent]: ...


class SettingsRepo(Protocol):
    async def get(self, key: str) -> Any: ...
    async def set(self, key: str, value: Any) -> None: ...


class ListeningRepo(Protocol):
    async def add_now_playing(self, user_id: int, link: str, description: str,
                              latitude: float | None, longitude: float | None,
                              geohash: str | None) -> NowPlaying:
        """Record what the user plays now (ending the previous one), indexed by place."""
    async def clear_now_playing(self, user_id: int) -> NowPlaying | None: ...
    async def current(self, user_id: int) -> NowPlaying | None: ...
    async def in_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float,
                     since: float = 0.0) -> list[NowPlaying]:
        """Located updates inside the box, found through a spatial index."""
    async def for_user(self, user_id: int) -> list[NowPlaying]: ...


class ListenTokenRepo(Protocol):
    """Listen tokens, one per user (handlers.listening.tokens hashes and encrypts them)."""

    async def get(self, user_id: int) -> ListenToken | None: ...
    async def by_hash(self, token_hash: str) -> ListenToken | None: ...
    async def add(self, token: ListenToken) -> ListenToken:
        """Store `token` unless the user has one already; the one the user has afterwards."""
    async def replace(self, token: ListenToken) -> None:
        """Store `token` in place of the user's current one (the old one stops working)."""


class FollowRepo(Protocol):
    async def follow(self, follower_id: int, followee_id: int) -> bool:
        """True when the follow is new."""
    async def unfollow(self, follower_id: int, followee_id: int) -> bool: ...
    async def get(self, follower_id: int, followee_id: int) -> Follow | None: ...
    async def follower_ids(self, user_id: int) -> list[int]: ...
    async def followee_ids(self, user_id: int) -> list[int]: ...
    async def followers(self, user_id: int, *, offset: int = 0, limit: int = 50
                        ) -> list[User]: ...
    async def following(self, user_id: int, *, offset: int = 0, limit: int = 50
                        ) -> list[User]: ...
    async def counts(self, user_id: int) -> tuple[int, int]:
        """(followers, following)."""
    async def following_among(self, follower_id: int, user_ids: list[int]) -> set[int]: ...


class CollectionRepo(Protocol):
    async def create(self, owner_id: int, title: str, **fields: Any) -> Collection:
        """Numbered after the owner's highest collection (the first is 0)."""
    async def get(self, collection_id: int) -> Collection | None: ...
    async def by_number(self, owner_id: int, number: int) -> Collection | None: ...
    async def of_owner(self, owner_id: int) -> list[Collection]: ...
    async def update(self, collection_id: int, **fields: Any) -> Collection | None: ...
    async def delete(self, collection_id: int) -> bool:
        """Its posts stay, back on the owner's profile, in the same transaction."""
    async def track_ids(self, collection_id: int) -> list[int]:
        """Its posts' ids in the order they show."""
    async def set_order(self, collection_id: int, post_ids: list[int]) -> int:
        """Number the listed posts 1..n; the collection's other posts lose their order."""
    async def track_counts(self, collection_ids: list[int]) -> dict[int, int]: ...
    async def page(self, *, owner_id: int | None = None, kind: str | None = None,
                   public_only: bool = False, viewer_id: int | None = None, offset: int = 0,
                   limit: int = 100) -> tuple[list[Collection], int]:
        """Newest first, with the total: `owner_id`'s collections (all of them), or else the
        public ones of visible owners plus, unless `public_only`, those `viewer_id` owns or
        collaborates on."""
    async def collaborators(self, collection_ids: list[int]
                            ) -> dict[int, list[CollectionCollaborator]]: ...
    async def collaborator(self, collection_id: int, user_id: int
                           ) -> CollectionCollaborator | None: ...
    async def add_collaborator(self, collection_id: int, user_id: int, permission: str,
                               added_by_id: int) -> CollectionCollaborator | None:
        """None when `user_id` already collaborates on it."""
    async def set_collaborator(self, collection_id: int, user_id: int, permission: str
                               ) -> CollectionCollaborator | None: ...
    async def remove_collaborator(self, collection_id: int, user_id: int) -> bool: ...


class CatalogRepo(Protocol):
    async def upsert(self, provider: str, kind: str, provider_id: str, **fields: Any
                     ) -> CatalogItem:
        """Insert or complete an item; empty values never overwrite known ones."""
    async def get(self, item_id: int) -> CatalogItem | None: ...
    async def find(self, provider: str, kind: str, provider_id: str) -> CatalogItem | None: ...
    async def by_eid(self, eid: str) -> CatalogItem | None: ...
    async def many(self, item_ids: list[int]) -> dict[int, CatalogItem]: ...
    async def delete_unreferenced(self, item_ids: list[int]) -> list[int]:
        """Delete the items no listen refers to (posts let go of them); the ids deleted."""


class PostRepo(Protocol):
    """Posts with their reactions, comments and tags; see store/sqlite/posts.py for paging
    conventions (`after` = older than that id, `before` = newer, newest first)."""

    async def create(self, *, user_id: int, link: str, eid: str, tags: Iterable[str] = (),
                     count_repost: bool = False, **fields: Any) -> Post: ...
    async def get(self, post_id: int) -> Post | None: ...
    async def many(self, post_ids: list[int]) -> dict[int, Post]: ...
    async def update(self, post_id: int, *, tags: Iterable[str] | None = None,
                     **fields: Any) -> Post | None: ...
    async def delete(self, post_id: int) -> bool: ...
    async def tags(self, post_ids: list[int]) -> dict[int, list[str]]: ...
    async def page(self, *, user_ids: list[int] | None = None, collection_id: Any = ...,
                   after: int | None = None, before: int | None = None, limit: int = 20,
                   viewer_id: Any = ...) -> list[Post]:
        """Newest first; with `viewer_id` (None: signed out), without the posts filed in
        private collections the viewer neither owns nor collaborates on."""
    async def in_collection(self, collection_id: int) -> list[Post]: ...
    async def in_collections(self, collection_ids: list[int]) -> dict[int, list[Post]]: ...
    async def by_link(self, link: str, limit: int = 100, *, viewer_id: Any = ...
                      ) -> list[Post]: ...
    async def by_date(self, start: float, end: float, *, offset: int = 0, limit: int = 20,
                      viewer_id: Any = ...) -> tuple[list[Post], int]: ...
    async def count_by_user(self, user_id: int, *, viewer_id: Any = ...) -> int: ...
    async def by_user(self, user_id: int, *, offset: int = 0, limit: int = 20,
                      viewer_id: Any = ...) -> list[Post]: ...
    async def reposts_of(self, post_id: int) -> list[Post]: ...
    async def incr_play(self, post_id: int) -> Post | None: ...
    async def since(self, created_after: float) -> list[Post]: ...
    async def hot(self, *, since: float, now: float, half_life: float, after_id: int = 0,
                  limit: int = 20, offset: int = 0) -> list[HotScore]:
        """Tracks (eIds) ranked by posts, reposts and likes since `since` (posts newer than
        `after_id`), each weighted by 2 ** -(age / half_life); reposts with ctx "hot" and
        their likes count for nothing, nor do posts filed in private collections."""
    async def in_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float,
                     *, viewer_id: Any = ...) -> list[Post]:
        """Located posts inside the box, through a spatial index."""
    async def search(self, text: str, *, limit: int = 20, offset: int = 0) -> list[Post]: ...
    async def react(self, post_id: int, user_id: int, kind: str) -> str:
        """"added", "changed" or "already"; counters follow in the same transaction."""
    async def unreact(self, post_id: int, user_id: int) -> str | None: ...
    async def reaction(self, post_id: int, user_id: int) -> str | None: ...
    async def lovers(self, post_ids: list[int]) -> dict[int, list[int]]: ...
    async def liked_by(self, user_id: int, *, after: int | None = None,
                       before: int | None = None, limit: int = 20, viewer_id: Any = ...
                       ) -> list[Post]: ...
    async def count_liked_by(self, user_id: int, *, viewer_id: Any = ...) -> int: ...
    async def add_comment(self, post_id: int, user_id: int, text: str) -> Comment: ...
    async def get_comment(self, comment_id: int) -> Comment | None: ...
    async def delete_comment(self, comment_id: int) -> bool: ...
    async def comments(self, post_ids: list[int]) -> dict[int, list[Comment]]: ...


class SearchRepo(Protocol):
    """Full-text search (prefix matching, best match first), each answer a page and the total.

    People whose account is deleted or disabled are never found, nor their posts and
    collections. With `viewer_id`, the viewer's own rows come first, then those of the people
    they follow, then the rest.
    """

    async def posts(self, text: str, *, viewer_id: int | None = None,
                    user_id: int | None = None, exclude_user_id: int | None = None,
                    distinct_eid: bool = False, offset: int = 0, limit: int = 20
                    ) -> tuple[list[Post], int]: ...
    async def catalog(self, text: str, *, offset: int = 0, limit: int = 20
                      ) -> tuple[list[CatalogItem], int]: ...
    async def users(self, text: str, *, viewer_id: int | None = None, offset: int = 0,
                    limit: int = 20) -> tuple[list[User], int]: ...
    async def collections(self, text: str, *, viewer_id: int | None = None,
                          non_empty: bool = False, offset: int = 0, limit: int = 20
                          ) -> tuple[list[Collection], int]:
        """Public collections and the viewer's own private ones."""


class CatalogSearchRepo(Protocol):
    """Reads over the local catalog for the catalog interface (handlers.catalog.interface).

    Words match as prefixes (FTS5); `kinds` limits the item kinds (track, video, album...).
    """

    async def search(self, text: str, kinds: Sequence[str], *, genre: str = "",
                     offset: int = 0, limit: int = 20) -> tuple[list[CatalogItem], int]:
        """Matches of `text` (and of `genre` in the genres), best first, and their total;
        with no words at all, every item of `kinds`, most recently seen first."""
    async def by_provider_id(self, kinds: Sequence[str], provider_id: str
                             ) -> CatalogItem | None:
        """The item with that provider id (Spotify's first when several providers use it)."""
    async def in_album(self, album_name: str, kinds: Sequence[str], *, provider: str,
                       offset: int = 0, limit: int = 50) -> tuple[list[CatalogItem], int]: ...
    async def by_artist(self, artist_name: str, kinds: Sequence[str], *, offset: int = 0,
                        limit: int = 20) -> tuple[list[CatalogItem], int]: ...
    async def sample(self, kinds: Sequence[str], *, text: str = "", genre: str = "",
                     limit: int = 10) -> list[CatalogItem]:
        """Items picked at random, among the matches of `text` and `genre` when given."""


class CatalogBatchRepo(Protocol):
    async def upsert_many(self, provider: str,
                          items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        """CatalogRepo.upsert for many (kind, provider_id, fields) items in one transaction."""
    async def find_many(self, provider: str, kind: str, provider_ids: Sequence[str]
                        ) -> dict[str, CatalogItem]:
        """The known items among `provider_ids`, by provider id."""
    async def named(self, kind: str, names: Sequence[str]) -> list[CatalogItem]:
        """The items of `kind` whose name is one of `names`, case-insensitively (ASCII)."""


class ListenRepo(Protocol):
    """Listens (one row per play, unique on user, played_at and track) and the daily rollups
    every aggregate reads (UTC days 'YYYY-MM-DD'; `since` is the first day counted, '' for
    all). A listen's artist is its track's first artist, its album the track's album name and
    first artist, its genres the track's genres, all as the catalog said when the user first
    played the track (or at the last rebuild). Per-day track sums exist from the `detail_since`
    given when the listens were stored: a period's top lists are only read from there on."""

    async def add_many(self, listens: Sequence[NewListen], detail_since: str = "") -> int:
        """Store the listens not stored yet and add them to the rollups, in one transaction
        (the bulk path: one executemany), per-day track sums only for days from
        `detail_since` ('' every day); how many were new."""
    async def page(self, user_id: int, *, artist: str = "", track: str = "",
                   start: float | None = None, end: float | None = None, offset: int = 0,
                   limit: int = 50) -> tuple[list[Listen], int]:
        """The user's listens, newest first, and their total: `artist` and `track` match part
        of the names (case-insensitively for ASCII), `start` <= played_at < `end`."""
    async def count(self, user_id: int) -> int: ...
    async def between(self, user_id: int, *, since: float | None = None,
                      before: float | None = None, limit: int = 25) -> list[Listen]:
        """At most `limit` of the user's listens with `since` <= played_at < `before` (either
        bound may be None), newest first: with `since` alone, the ones just after it."""
    async def span(self, user_id: int) -> tuple[float, float] | None:
        """The user's oldest and newest played_at; None without listens."""
    async def rebuild(self, user_id: int, detail_since: str = "") -> int:
        """Recompute the user's rollups from their listens in one transaction (per-day track
        sums from `detail_since`); how many days."""
    async def totals(self, user_id: int, since: str = "") -> tuple[int, int]:
        """(plays, milliseconds) from `since` on."""
    async def top(self, user_id: int, dimension: str, since: str = "", *, limit: int = 50,
                  offset: int = 0) -> tuple[list[RollupCount], int]:
        """The most played tracks, artists, albums or genres (`dimension`), and how many."""
    async def tops(self, user_id: int, since: str = "", *, limit: int = 10
                   ) -> dict[str, tuple[list[RollupCount], int]]:
        """`top` of every dimension (track, artist, album, genre) at once, first `limit`."""
    async def streak(self, user_id: int, today: str) -> int:
        """Consecutive UTC days with plays ending `today`, or the day before when `today` has
        none."""
    async def days(self, user_id: int, since: str = "") -> list[RollupDay]: ...
    async def hours(self, user_id: int, since: str = "") -> list[RollupHour]: ...
    async def weekday_hours(self, user_id: int, since: str = "") -> list[RollupWeekdayHour]:
        """Plays per UTC weekday (Monday 0) and hour from the UTC day `since` ('' all time)."""
    async def status(self, user_id: int) -> RollupStatus: ...


class RecommendationRepo(Protocol):
    """The reads of Chorus's recommender (each bounded; see store/sqlite/recommendations.py);
    both leave out the seeds and the tracks the user played `played_cap` times or more."""

    async def co_listened(self, user_id: int, seeds: Sequence[int], *, holders: int = 100,
                          played_cap: int = 3, limit: int = 100) -> list[Candidate]:
        """Tracks played or posted by the `holders` people who most played or posted the seed
        tracks (`because`: the seed most behind each)."""
    async def artist_tracks(self, user_id: int, artists: Sequence[str], *, played_cap: int = 3,
                            limit: int = 100) -> list[Candidate]:
        """Catalog tracks by `artists` (first artist), most played by everyone first."""


class ApiCallRepo(Protocol):
    """The log of outbound API calls (EchoStats' api-logs); URLs arrive without secrets."""

    async def add(self, provider: str, method: str, url: str, status: int | None,
                  duration_ms: float, *, error: str | None = None, user_id: int | None = None,
                  created_at: float | None = None) -> int: ...
    async def page(self, *, provider: str | None = None, method: str | None = None,
                   status_min: int | None = None, status_max: int | None = None,
                   url_contains: str | None = None, user_id: int | None = None,
                   offset: int = 0, limit: int = 50) -> tuple[list[ApiCall], int]:
        """Calls matching every given filter, newest first, and their total."""
    async def stats(self, *, user_id: int | None = None, top: int = 10) -> ApiCallStats:
        """Aggregates over every call (the user's only when `user_id` is given), with the
        `top` endpoints most called."""
    async def prune(self, before: float) -> int: ...


__all__ += ["LyricsRepo", "QuizRepo"]


class LyricsRepo(Protocol):
    """Lyrics of catalog tracks, one row per track (the latest fetch or import wins)."""

    async def get(self, catalog_id: int) -> Lyrics | None: ...
    async def put(self, lyrics: Lyrics) -> None:
        """Insert or replace the track's lyrics."""
    async def sample(self, limit: int, exclude: Sequence[int] = ()) -> list[int]:
        """Catalog ids of up to `limit` tracks with lyrics, picked at random, none of `exclude`."""
    async def count(self) -> int:
        """How many tracks have lyrics."""


class QuizRepo(Protocol):
    """Quiz rooms' history: the room, its players (with their scores so far) and its rounds."""

    async def create_room(self, room: QuizRoom) -> None: ...
    async def get_room(self, room_id: str) -> QuizRoom | None: ...
    async def open_rooms(self) -> builtins.list[QuizRoom]:
        """Rooms not finished (at start: rooms a stopped process left open)."""
    async def set_host(self, room_id: str, host_id: int) -> None: ...
    async def start_room(self, room_id: str, at: float) -> None: ...
    async def finish_room(self, room_id: str, board: Sequence[Mapping[str, Any]], reason: str,
                          at: float) -> None:
        """Mark the room finished with its final board; a finished room stays as it was."""
    async def add_player(self, player: QuizPlayer) -> None:
        """Add the player (a Chorus user's id, or an app user's "app:<sub>" key), or bring
        back one who left (score kept)."""
    async def leave(self, room_id: str, user_id: int | str, at: float) -> None: ...
    async def players(self, room_id: str) -> builtins.list[QuizPlayer]:
        """Everyone who joined, in join order (those who left too, with left_at)."""
    async def player(self, room_id: str, user_id: int | str) -> QuizPlayer | None: ...
    async def record_round(self, round_: QuizRound, scores: Mapping[int | str, int]
                           ) -> None:
        """Store a round (open, with the answers so far, or revealed) and the `scores` of
        players after it, in one transaction; a round stored again replaces its row."""
    async def rounds(self, room_id: str) -> builtins.list[QuizRound]: ...
    async def claim_room(self, room_id: str, token: int) -> bool:
        """Make `token` the room's owner token when it is higher than the one stored and the
        room is not finished; whether it did."""
    async def hold_room(self, room_id: str, token: int) -> bool:
        """Inside a transaction: whether `token` is still the room's owner token, and keep it
        so until the transaction ends (the room's row locked), so that the owner's writes in
        the same transaction are refused once another owner claimed the room."""


class LeaseRepo(Protocol):
    """Named leases: at most one holder at a time, until it lets go or stops renewing."""

    async def acquire(self, name: str, holder: str, ttl: float) -> bool:
        """Take or renew `name` for `ttl` seconds; False while another holder's lease runs."""
    async def release(self, name: str, holder: str) -> None:
        """Let go of `name` if `holder` has it."""


class Store(Protocol):
    """Persistence for all of Chorus; opened once per process by hub.app."""

    users: UserRepo
    tokens: TokenRepo
    oauth: OAuthRepo
    outbox: OutboxRepo
    consents: ConsentRepo
    settings: SettingsRepo
    listening: ListeningRepo
    listen_tokens: ListenTokenRepo
    listens: ListenRepo
    follows: FollowRepo
    collections: CollectionRepo
    catalog: CatalogRepo
    posts: PostRepo
    search: SearchRepo
    jobs: JobRepo
    catalog_search: CatalogSearchRepo
    catalog_batch: CatalogBatchRepo
    api_calls: ApiCallRepo
    recommendations: RecommendationRepo
    watch: WatchRepo
    downloads: DownloadRepo
    audio: AudioRepo
    quotas: QuotaRepo
    announcements: AnnouncementRepo
    charts: ChartRepo
    collection_stats: CollectionStatsRepo
    lyrics: LyricsRepo
    quiz: QuizRepo
    leases: LeaseRepo
    # several processes may share this store (PostgreSQL): no process may take the running
    # work of another as its own at start
    shared: bool

    async def open(self) -> None:
        """Connect and apply pending migrations."""
    async def close(self) -> None: ...
    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied."""
    async def ping(self) -> None:
        """Raise if the store cannot answer a trivial query (readiness check)."""
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """A unit of work, `async with store.transaction():` — the calling task's repository
        calls inside the block are one transaction, committed when the block ends and rolled
        back if it raises (nothing of it is seen before the commit, nor ever after a rollback).
        Reads inside see its writes; a repository call that raises inside undoes only itself;
        blocks nest. Other tasks never join it: their writes wait for it or run apart, they
        are neither lost nor rolled back with it."""
    async def after_commit(self, callback: Callable[[], object]) -> None:
        """Run `callback` (awaited when it returns an awaitable) once the calling task's
        transaction commits, never if it rolls back; at once outside a transaction. For side
        effects that must not be seen before the writes they follow (notifications)."""


__all__ += ["JobRepo"]


class JobRepo(Protocol):
    """Durable jobs (DESIGN §5): queued rows that runners claim, run and finish.

    Status moves queued -> running -> completed | failed | cancelled | skipped; a retry or a
    restart puts a running job back to queued. Only the runner that claimed a job (its
    `claimed_by`) writes its progress and outcome.
    """

    async def submit(self, kind: str, payload: dict[str, Any] | None = None, *,
                     owner_id: int | None = None, parent_id: str | None = None,
                     dedupe_key: str | None = None, max_attempts: int = 3,
                     progress: dict[str, Any] | None = None) -> Submitted:
        """Queue a new job, or return the queued or running job with the same `dedupe_key`
        (with `duplicate=True`) and queue nothing. A key is global: put the owner in it when
        two users may ask for the same thing separately."""
    async def get(self, job_id: str) -> Job | None: ...
    async def claim(self, kind: str, limit: int, worker: str) -> list[Job]:
        """Atomically move up to `limit` queued jobs of `kind` that are due (oldest first) to
        running, claimed by `worker`, counting an attempt. SQLite: the writer lock makes this
        atomic; PostgreSQL will use SELECT ... FOR UPDATE SKIP LOCKED."""
    async def update_progress(self, job_id: str, progress: dict[str, Any]) -> Job | None:
        """Replace a running job's progress (and refresh its heartbeat); None when the job is
        not running."""
    async def heartbeat(self, job_ids: Iterable[str], worker: str) -> list[str]:
        """Mark `worker`'s running jobs alive; return the ids whose cancel was requested."""
    async def finish(self, job_id: str, status: JobStatus, *, result: Any = None,
                     error: str | None = None, progress: dict[str, Any] | None = None
                     ) -> Job | None:
        """Move a running job to a terminal status; None when it was not running."""
    async def retry(self, job_id: str, error: str, run_after: float) -> Job | None:
        """Put a running job back to queued, due at `run_after`, keeping its attempts
        (cancelled instead when its cancel was requested)."""
    async def release(self, job_ids: Iterable[str]) -> list[Job]:
        """Put running jobs back to queued without counting the attempt (a clean shutdown
        interrupted them); those whose cancel was requested become cancelled instead."""
    async def cancel(self, job_id: str) -> list[Job]:
        """Cancel the job and its active descendants: queued ones become cancelled at once,
        running ones get `cancel_requested` for their runner to act on. Returns the jobs
        changed, the job itself first; [] when it was not active."""
    async def requeue_orphans(self, *, heartbeat_before: float | None = None,
                              exclude_worker: str | None = None) -> list[Job]:
        """Put back to queued the running jobs whose heartbeat is older than
        `heartbeat_before` (all of them when None: one process owns a SQLite file, so at
        start every running job was left by a dead process), keeping their attempts; those
        whose cancel was requested become cancelled instead."""
    async def list(self, *, owner_id: int | None = None, kinds: Sequence[str] = (),
                   statuses: Sequence[str] = (), parent_id: str | None = None,
                   roots_only: bool = False, since: float | None = None,
                   payload: Mapping[str, Any] | None = None,
                   offset: int = 0, limit: int = 50) -> JobPage:
        """Jobs matching every given filter (`since`: updated after that time; `payload`:
        top-level payload fields equal to these values), newest first, and their total."""
    async def children(self, parent_id: str) -> builtins.list[Job]:
        """The jobs whose parent is `parent_id`, oldest first."""
    async def delete(self, job_id: str) -> bool:
        """Delete a finished job and its children; False when unknown or still active."""
    async def cleanup(self, before: float) -> int:
        """Delete jobs finished before `before` (none with an active child); how many."""
    def subscribe(self, listener: Callable[[Job], None]) -> Callable[[], None]:
        """Call `listener` in-process with each job that becomes queued (submit, retry,
        release, requeue), after the write commits; returns the unsubscribe function.
        PostgreSQL will add LISTEN/NOTIFY so that other processes hear it too."""


__all__ += ["WatchRepo"]


class WatchRepo(Protocol):
    """Spotizerr's watch lists: a user's watched playlists and artists (`kind`), each with the
    tracks or albums it knows (WatchItem) and the download job queued for each."""

    async def add(self, owner_id: int, kind: str, item_id: str, *, name: str = "",
                  options: dict[str, Any] | None = None,
                  created_at: float | None = None) -> tuple[Watch, bool]:
        """Watch an item; (the watch, created) — an existing watch comes back unchanged."""
    async def get(self, owner_id: int, kind: str, item_id: str) -> Watch | None: ...
    async def list(self, owner_id: int, kind: str) -> list[Watch]:
        """The owner's watches of `kind`, oldest first."""
    async def due(self, checked_before: float, limit: int = 100) -> builtins.list[Watch]:
        """Every owner's watches never checked or last checked before `checked_before`,
        least recently checked first."""
    async def oldest_check(self) -> float | None:
        """The earliest last_checked among all watches (0 for one never checked); None when
        nothing is watched."""
    async def remove(self, owner_id: int, kind: str, item_id: str) -> bool: ...
    async def set_options(self, watch_id: int, options: dict[str, Any]) -> None: ...
    async def set_m3u_path(self, watch_id: int, path: str) -> None: ...
    async def by_m3u_path(self, path: str) -> builtins.list[Watch]:
        """The watches whose M3U file is `path`."""
    async def record_check(self, watch_id: int, *, checked_at: float, name: str | None = None,
                           snapshot_id: str | None = None, total_items: int | None = None,
                           error: str | None = None) -> None:
        """Note a check: its time, what changed, and its error (which counts up
        `error_count`; a check without one resets it)."""
    async def items(self, watch_id: int) -> builtins.list[WatchItem]:
        """What the watch knows, by position (items no longer present last), with the
        status, finish time and result of each item's job."""
    async def sync_items(self, watch_id: int, items: Sequence[WatchItem], *,
                         replace_positions: bool = False) -> None:
        """Upsert `items` in one transaction: a given job_id, target, title, artist or
        duration replaces the stored one, an empty one keeps it. `replace_positions`: the
        items given are all that is present now; the others' positions become NULL."""
    async def mark_known(self, watch_id: int, item_ids: Sequence[str],
                         added_at: float | None = None) -> int:
        """Record ids as known without a download; how many were new."""
    async def forget(self, watch_id: int, item_ids: Sequence[str]) -> int:
        """Drop ids from what the watch knows (a later check treats them as new, so the
        watch's snapshot_id is cleared too); how many."""


__all__ += ["DownloadRepo"]


class DownloadRepo(Protocol):
    """Reads over one owner's download jobs (rows of JobRepo whose kind is in `kinds`, their
    payload's `download_type`, `name`, `artist` and `album` describing them): Spotizerr's
    progress lists and history. Only the owner's jobs are ever seen or deleted."""

    async def list(self, owner_id: int, *, kinds: Sequence[str],
                   download_types: Sequence[str] = (), statuses: Sequence[str] = (),
                   retrying: bool | None = None, partial: bool | None = None,
                   query: str = "", parent_id: str | None = None, roots_only: bool = True,
                   since: float | None = None, offset: int = 0, limit: int = 50) -> JobPage:
        """Jobs matching every given filter, newest first, and their total: `retrying` (queued
        again after a failed attempt), `partial` (completed with failed items in the result's
        `summary.total_failed`), `query` (words in name, artist or album), `since`
        (updated after), `roots_only` (no parent) unless `parent_id` is given."""
    async def counts(self, owner_id: int, *, kinds: Sequence[str], roots_only: bool = True
                     ) -> dict[str, int]:
        """How many jobs per status, and "retrying" (queued jobs with a failed attempt)."""
    async def stats(self, owner_id: int, *, kinds: Sequence[str]) -> DownloadStats: ...
    async def cleanup(self, owner_id: int, *, kinds: Sequence[str], before: float) -> int:
        """Delete the owner's top-level jobs finished before `before` (and their children;
        none with an active child); how many top-level jobs."""


__all__ += ["AudioRepo", "QuotaRepo", "AnnouncementRepo", "ChartRepo", "CollectionStatsRepo"]


class AudioRepo(Protocol):
    """Uploaded audio files (the bytes live in the media store, named by `stored_name`)."""

    async def create(self, *, owner_id: int, title: str, stored_name: str, format: str,
                     content_type: str, file_size: int, tags: dict[str, str],
                     **fields: Any) -> AudioFile: ...
    async def get(self, file_id: int) -> AudioFile | None: ...
    async def update(self, file_id: int, **fields: Any) -> AudioFile | None:
        """Change title, description, is_public or catalog_id."""
    async def by_catalog(self, catalog_ids: builtins.list[int]) -> dict[int, AudioFile]: ...
    async def delete(self, file_id: int) -> bool: ...
    async def delete_of_owner(self, owner_id: int) -> builtins.list[AudioFile]:
        """Delete every file of the owner; the rows deleted (to remove their bytes)."""
    async def list(self, *, owner_id: int | None = None, public_only: bool = False,
                   offset: int = 0, limit: int = 100) -> tuple[builtins.list[AudioFile], int]:
        """A page, newest first, and the total that match."""
    async def totals(self, owner_id: int | None = None) -> AudioTotals: ...
    async def count_play(self, file_id: int) -> None: ...


class QuotaRepo(Protocol):
    """Per-user upload slots; `reserve` is atomic, so concurrent uploads cannot pass the limit."""

    async def get(self, user_id: int) -> UploadQuota: ...
    async def reserve(self, user_id: int, default_max: int) -> bool:
        """Take a slot when `used` is below the user's maximum (`default_max` when unset)."""
    async def release(self, user_id: int, count: int = 1) -> None: ...
    async def set_max(self, user_id: int, max_uploads: int | None) -> UploadQuota: ...
    async def reset(self, user_id: int) -> UploadQuota:
        """Set `used` back to 0."""


class AnnouncementRepo(Protocol):
    async def create(self, *, title: str, content: str, is_published: bool,
                     author_id: int | None) -> Announcement: ...
    async def get(self, announcement_id: int) -> Announcement | None: ...
    async def list(self, *, published_only: bool, offset: int = 0, limit: int = 100
                   ) -> builtins.list[Announcement]:
        """Newest first (by publication, else creation)."""
    async def count(self, *, published_only: bool = False) -> int: ...
    async def update(self, announcement_id: int, **fields: Any) -> Announcement | None: ...
    async def delete(self, announcement_id: int) -> bool: ...


class ChartRepo(Protocol):
    """Kworb charts: `top_streamed_artists`, `monthly_listeners`, `top_songs`."""

    async def page(self, chart: str, *, offset: int, limit: int) -> builtins.list[ChartRow]:
        """By rank."""
    async def search(self, chart: str, artist: str, *, limit: int) -> builtins.list[ChartRow]:
        """Rows whose artist contains `artist`, case-insensitively, by rank."""
    async def replace(self, chart: str, rows: Sequence[ChartRow]) -> int:
        """The chart becomes `rows`, atomically; how many."""


class CollectionStatsRepo(Protocol):
    """Counts over collections for the admin pages (tracks are the posts they hold)."""

    async def totals(self, owner_id: int | None = None) -> CollectionTotals: ...
    async def created_since(self, since: float) -> int: ...
    async def recent(self, limit: int) -> builtins.list[Collection]:
        """Newest first."""
    async def top_owners(self, limit: int) -> builtins.list[tuple[int, int]]:
        """(owner id, collections), most collections first."""
