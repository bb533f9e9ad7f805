"""Records the store hands out: plain msgspec Structs, no behaviour, no I/O."""

from __future__ import annotations

import enum
from typing import Any

import msgspec

__all__ = [
    "User",
    "Session",
    "RefreshToken",
    "ResetToken",
    "OAuthAccount",
    "OAuthState",
    "OutboxMail",
    "Consent",
    "UserPatch",
    "NowPlaying",
    "CatalogItem",
    "Post",
    "CollectionCollaborator",
    "Comment",
    "Collection",
    "Follow",
    "HotScore",
    "ApiCall",
    "ListenToken",
    "EndpointCount",
    "ApiCallStats",
]


class User(msgspec.Struct, kw_only=True):
    id: int
    username: str | None
    email: str | None
    password_hash: str | None = None
    name: str = ""
    surname: str = ""
    bio: str = ""
    location: str = ""
    labels: str = ""
    avatar_url: str = ""
    cover_url: str = ""
    links: dict[str, str] = {}
    extra: dict[str, Any] = {}
    role: str = "user"
    state: str = "active"
    created_at: float = 0.0
    updated_at: float = 0.0
    last_login: float | None = None
    deletion_type: str | None = None
    deletion_requested_at: float | None = None
    deletion_reason: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class UserPatch(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Fields to change on a user; UNSET fields are left alone."""

    username: str | None | msgspec.UnsetType = msgspec.UNSET
    email: str | None | msgspec.UnsetType = msgspec.UNSET
    password_hash: str | None | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    surname: str | msgspec.UnsetType = msgspec.UNSET
    bio: str | msgspec.UnsetType = msgspec.UNSET
    location: str | msgspec.UnsetType = msgspec.UNSET
    labels: str | msgspec.UnsetType = msgspec.UNSET
    avatar_url: str | msgspec.UnsetType = msgspec.UNSET
    cover_url: str | msgspec.UnsetType = msgspec.UNSET
    links: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    extra: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    role: str | msgspec.UnsetType = msgspec.UNSET
    state: str | msgspec.UnsetType = msgspec.UNSET
    last_login: float | None | msgspec.UnsetType = msgspec.UNSET
    deletion_type: str | None | msgspec.UnsetType = msgspec.UNSET
    deletion_requested_at: float | None | msgspec.UnsetType = msgspec.UNSET
    deletion_reason: str | None | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict[str, Any]:
        return {
            f: getattr(self, f)
            for f in self.__struct_fields__
            if getattr(self, f) is not msgspec.UNSET
        }


class Session(msgspec.Struct, kw_only=True):
    """A sign-in: a browser cookie (token_hash set) or the session behind access/refresh tokens."""

    id: str
    user_id: int
    kind: str
    created_at: float
    expires_at: float
    token_hash: str | None = None
    revoked_at: float | None = None


class RefreshToken(msgspec.Struct, kw_only=True):
    token_hash: str
    family_id: str
    session_id: str
    user_id: int
    created_at: float
    expires_at: float
    used_at: float | None = None
    revoked_at: float | None = None


class ResetToken(msgspec.Struct, kw_only=True):
    token_hash: str
    user_id: int
    created_at: float
    expires_at: float
    used_at: float | None = None


class OAuthAccount(msgspec.Struct, kw_only=True):
    """A provider identity linked to a user; tokens are ciphertext (encrypted by the caller)."""

    id: int
    user_id: int
    provider: str
    subject: str
    email: str | None = None
    access_token_enc: str | None = None
    refresh_token_enc: str | None = None
    expires_at: float | None = None
    profile: dict[str, Any] = {}
    created_at: float = 0.0


class OAuthState(msgspec.Struct, kw_only=True):
    """Server-side OAuth `state`: what the flow is for and who started it."""

    state: str
    provider: str
    purpose: str
    created_at: float
    expires_at: float
    user_id: int | None = None
    redirect: str | None = None


class OutboxMail(msgspec.Struct, kw_only=True):
    id: int
    to_addr: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: float
    next_attempt_at: float
    last_error: str | None = None
    sent_at: float | None = None


class Consent(msgspec.Struct, kw_only=True):
    id: int
    user_id: int
    consent_type: str
    consent_version: str
    ip_address: str | None
    created_at: float


class NowPlaying(msgspec.Struct, kw_only=True):
    id: int
    user_id: int
    link: str
    description: str
    created_at: float
    latitude: float | None = None
    longitude: float | None = None
    geohash: str | None = None
    cleared_at: float | None = None


class ListenToken(msgspec.Struct, kw_only=True):
    """A user's ListenBrainz listen token: its hash (the lookup) and its ciphertext (to show)."""

    user_id: int
    token_hash: str
    token_encrypted: str
    created_at: float


class CatalogItem(msgspec.Struct, kw_only=True):
    """Anything a music link points at (track, album, playlist, artist, episode, video, audio),
    as the local catalog knows it."""

    id: int
    provider: str
    kind: str
    provider_id: str
    url: str
    eid: str
    name: str = ""
    artist_names: list[str] = []
    album_name: str = ""
    playlist_name: str = ""
    description: str = ""
    image: str = ""
    genres: list[str] = []
    duration_ms: int | None = None
    ai_description: str | None = None
    lyrics: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


class Post(msgspec.Struct, kw_only=True):
    id: int
    user_id: int
    link: str
    eid: str
    created_at: float
    updated_at: float
    catalog_id: int | None = None
    name: str = ""
    text: str = ""
    image: str = ""
    ctx: str | None = None
    src_id: str | None = None
    src_name: str | None = None
    repost_of: int | None = None
    collection_id: int | None = None
    track_order: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    geohash: str | None = None
    play_count: int = 0
    repost_count: int = 0
    like_count: int = 0
    dislike_count: int = 0


class Comment(msgspec.Struct, kw_only=True):
    id: int
    post_id: int
    user_id: int
    text: str
    created_at: float


class Collection(msgspec.Struct, kw_only=True):
    """A user's collection of tracks: an Openwhyd playlist (number = its pl.id), later Sono's
    playlists, albums and compilations."""

    id: int
    owner_id: int
    number: int
    title: str
    created_at: float
    updated_at: float
    description: str = ""
    kind: str = "playlist"
    artist: str = ""
    curator_note: str = ""
    image: str = ""
    is_public: bool = True
    is_collaborative: bool = False


class CollectionCollaborator(msgspec.Struct, kw_only=True):
    """Someone other than the owner who may see (`view`) or also change the tracks of (`edit`)
    a collection."""

    id: int
    collection_id: int
    user_id: int
    permission: str
    created_at: float
    added_by_id: int | None = None


class Follow(msgspec.Struct, kw_only=True):
    follower_id: int
    followee_id: int
    created_at: float


class HotScore(msgspec.Struct, kw_only=True, frozen=True):
    """One track (eId) of the hot list: its decayed score, the first post of it in the window,
    and what the score counts (posts, reposts among them, likes)."""

    eid: str
    post_id: int
    score: float
    posts: int
    reposts: int
    likes: int


class ApiCall(msgspec.Struct, kw_only=True, frozen=True):
    """One outbound HTTP call to an external API; `status` is None when no answer came."""

    id: int
    provider: str
    method: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None = None
    user_id: int | None = None
    created_at: float = 0.0


class EndpointCount(msgspec.Struct, frozen=True):
    """How many calls went to one endpoint: a method and a URL path (no query)."""

    method: str
    path: str
    count: int


class ApiCallStats(msgspec.Struct, kw_only=True, frozen=True):
    """Aggregates over logged calls: `errors` counts 4xx, 5xx and calls that got no answer;
    `by_class` counts answers per status class ("2xx", "3xx", "4xx", "5xx")."""

    total: int
    errors: int
    rate_limited: int
    avg_duration_ms: float
    by_class: dict[str, int]
    top_endpoints: list[EndpointCount]


# Jobs (DESIGN §5): durable rows claimed by workers/jobs.py's runner.
__all__ += ["JobStatus", "Job", "JobPage", "Submitted"]


class JobStatus(enum.StrEnum):
    """A job's state: queued -> running -> one of the terminal states (or back to queued on a
    retry or a restart)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(msgspec.Struct, kw_only=True):
    """One unit of long work: `payload` is its input, `progress` what it reports, `result` its
    output; `dedupe_key` is unique among active jobs; times are Unix seconds."""

    id: str
    kind: str
    status: JobStatus = JobStatus.QUEUED
    owner_id: int | None = None
    parent_id: str | None = None
    progress: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    result: Any = None
    error: str | None = None
    attempts: int = 0
    max_attempts: int = 3
    dedupe_key: str | None = None
    cancel_requested: bool = False
    run_after: float = 0.0
    created_at: float = 0.0
    updated_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None
    claimed_by: str | None = None


class JobPage(msgspec.Struct, kw_only=True):
    """One page of a job listing and how many jobs match in all."""

    jobs: list[Job]
    total: int


class Submitted(msgspec.Struct, kw_only=True):
    """What a submit did: `duplicate` when an active job with the same dedupe_key was found
    and returned instead of a new one."""

    job: Job
    duplicate: bool = False


# Watch lists (Spotizerr): playlists and artists a user watches, and what each one knows.
__all__ += ["Watch", "WatchItem"]


class Watch(msgspec.Struct, kw_only=True):
    """A watched playlist or artist (`kind`), by its catalog id; `known_items` counts its
    WatchItems; times are Unix seconds."""

    id: int
    owner_id: int
    kind: str
    item_id: str
    name: str = ""
    options: dict[str, Any] = {}
    snapshot_id: str = ""
    total_items: int = 0
    m3u_path: str | None = None
    created_at: float = 0.0
    last_checked: float | None = None
    last_error: str | None = None
    error_count: int = 0
    known_items: int = 0


class WatchItem(msgspec.Struct, kw_only=True):
    """A track (or album) a watch knows; `job_*` describe its download job, if any."""

    item_id: str
    position: int | None = None
    job_id: str | None = None
    target: str = ""
    title: str = ""
    artist: str = ""
    duration_ms: int | None = None
    requeues: int = 0
    added_at: float = 0.0
    job_status: str | None = None
    job_finished_at: float | None = None
    job_result: Any = None


# Downloads (Spotizerr history): figures over a user's download jobs.
__all__ += ["DownloadStats"]


class DownloadStats(msgspec.Struct, kw_only=True):
    """A user's downloads: top-level tasks by status and type, every track job by status,
    bytes written by completed tracks, and the first and last task times (Unix seconds)."""

    total: int = 0
    by_status: dict[str, int] = {}
    by_type: dict[str, int] = {}
    retrying: int = 0
    tracks_by_status: dict[str, int] = {}
    bytes_downloaded: int = 0
    first_at: float | None = None
    last_at: float | None = None


__all__ += ["NewListen", "Listen", "RollupCount", "RollupDay", "RollupHour", "RollupWeekdayHour",
            "RollupStatus"]


class NewListen(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A listen to store: `played_at` is when the play started (UTC epoch seconds), `track_id`
    a catalog track. Not tracked by the garbage collector (scalars only: no cycle possible):
    an import makes a million."""

    user_id: int
    played_at: float
    ms_played: int
    track_id: int
    source: str
    context_type: str = ""
    context_uri: str = ""
    platform: str = ""
    reason_start: str = ""
    reason_end: str = ""
    shuffle: bool | None = None
    skipped: bool | None = None
    offline: bool | None = None


class Listen(NewListen, kw_only=True, frozen=True):
    """A stored listen."""

    id: int
    created_at: float = 0.0


class Candidate(msgspec.Struct, kw_only=True, frozen=True):
    """A recommended track (catalog id), why (`because`: the seed track's catalog id, or the
    artist's name) and how strongly."""

    track_id: int
    because: str
    score: float


class RollupCount(msgspec.Struct, kw_only=True, frozen=True):
    """Plays and milliseconds of one track (`key` is its catalog id), artist, album or genre
    over some days; `artist` is an album's artist."""

    key: str
    plays: int
    ms: int
    artist: str = ""


class RollupDay(msgspec.Struct, kw_only=True, frozen=True):
    """One UTC day's plays and milliseconds ('YYYY-MM-DD')."""

    day: str
    plays: int
    ms: int


class RollupWeekdayHour(msgspec.Struct, kw_only=True, frozen=True):
    """Plays in one UTC hour (0-23) of one UTC weekday (Monday 0), over all time."""

    weekday: int
    hour: int
    plays: int


class RollupHour(msgspec.Struct, kw_only=True, frozen=True):
    """Plays in one UTC hour (0-23) of one UTC day."""

    day: str
    hour: int
    plays: int


class RollupStatus(msgspec.Struct, kw_only=True, frozen=True):
    """How far a user's rollups cover their listens: the last day rolled up, how many days,
    and the plays counted in the rollups against the listens stored."""

    last_date: str | None
    total_days: int
    rolled_plays: int
    listens: int


__all__ += ["AudioFile", "AudioTotals", "UploadQuota", "Announcement", "ChartRow"]


class AudioFile(msgspec.Struct, kw_only=True):
    """An uploaded audio file: `stored_name` is the file under the media store's audio folder
    (chosen by Chorus), `original_filename` only the name the client gave, for display."""

    id: int
    owner_id: int
    title: str
    stored_name: str
    format: str
    content_type: str
    file_size: int
    created_at: float
    updated_at: float
    catalog_id: int | None = None
    description: str = ""
    original_filename: str = ""
    duration: float | None = None
    bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    tags: dict[str, str] = {}
    is_public: bool = False
    play_count: int = 0


class AudioTotals(msgspec.Struct, kw_only=True):
    """Counts and sums over a set of audio files."""

    files: int = 0
    public_files: int = 0
    total_size: int = 0
    total_duration: float = 0.0
    plays: int = 0


class UploadQuota(msgspec.Struct, kw_only=True):
    """A user's upload slots: `used` of `max_uploads` (None: the configured default)."""

    user_id: int
    used: int = 0
    max_uploads: int | None = None


class Announcement(msgspec.Struct, kw_only=True):
    id: int
    title: str
    content: str
    created_at: float
    updated_at: float
    author_id: int | None = None
    is_published: bool = False
    published_at: float | None = None


class ChartRow(msgspec.Struct, kw_only=True):
    """One row of a Kworb chart; which fields are set depends on the chart."""

    rank: int
    artist: str
    scraped_at: str
    title: str | None = None
    streams: int | None = None
    daily: int | None = None
    as_lead: int | None = None
    solo: int | None = None
    as_feature: int | None = None
    listeners: int | None = None
    peak: int | None = None
    peak_date: str | None = None


__all__ += ["CollectionTotals", "UserCounts"]


class CollectionTotals(msgspec.Struct, kw_only=True):
    """Counts over a set of collections (all, or one owner's) and the tracks in them."""

    collections: int = 0
    public: int = 0
    collaborative: int = 0
    tracks: int = 0
    owners: int = 0
    by_kind: dict[str, int] = {}
    collaborators: int = 0  # collaborator places (edit or view) on these collections


class UserCounts(msgspec.Struct, kw_only=True):
    """Accounts by state, and how many are admins."""

    total: int = 0
    admins: int = 0
    by_state: dict[str, int] = {}
__all__ += ["Lyrics", "QuizRoom", "QuizPlayer", "QuizRound"]


class Lyrics(msgspec.Struct, kw_only=True, frozen=True):
    """A track's lyrics: plain text, LRC text (timestamps kept) when synced, where from."""

    catalog_id: int
    plain: str
    synced: str | None = None
    source: str  # lrclib, musixmatch, import, admin
    source_url: str = ""
    fetched_at: float


class QuizRoom(msgspec.Struct, kw_only=True):
    """A live quiz room's history row (status lobby, running or finished)."""

    id: str
    host_id: int
    status: str = "lobby"
    settings: dict[str, Any] = {}
    invite_code: str = ""
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    end_reason: str = ""
    board: list[dict[str, Any]] = []
    owner_token: int = 0  # the fencing token of the process that plays it (claim_room)


class QuizPlayer(msgspec.Struct, kw_only=True):
    room_id: str
    user_id: int | str  # a Chorus user's id, or "app:<sub>" for an app's user
    name: str = ""
    score: int = 0
    joined_at: float
    left_at: float | None = None


class QuizRound(msgspec.Struct, kw_only=True):
    room_id: str
    number: int
    catalog_id: int | None
    started_at: float
    deadline: float
    correct: int
    points: dict[str, int] = {}  # player key (str) -> points, once revealed
    question: dict[str, Any] = {}  # the question as asked (workers.quiz_room.QuizQuestion)
    answers: dict[str, tuple[int, float]] = {}  # player key (str) -> (choice, at)
    revealed_at: float | None = None  # None while the round is open
