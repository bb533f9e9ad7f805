"""Syncing a linked Spotify account's recently-played tracks into listens (the durable job
"listening.spotify_sync"), started by hand or every CHORUS_SPOTIFY_SYNC_INTERVAL seconds.

A sync asks Spotify for `GET /me/player/recently-played?limit=50&after=<cursor>` with the
user's own token and stores the plays through `record_plays` (source "spotify_sync"). Spotify
keeps only the last 50 plays, so one page is all there is. Spotify's `played_at` is when the
track *finished* playing (a track appears in the list once it ended), and a listen stores when
the play *started*: a play starts at played_at - duration_ms and counts duration_ms (the list
does not say how much was heard). The cursor (Unix ms of the newest play seen) is kept per
user in the settings row `listening.spotify_sync:<user id>` with how many listens the syncs
stored and when the last one finished; the first sync of a user is "initial".

Every job records steps `{action, status, detail, items, error}` in its progress, in the
order EchoStats documents them; only recently_played does work, the others say why not.
One sync per user runs at a time: asking again while one is queued or running answers with
that job (`already_running`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from handlers.catalog.factory import spotify_client, spotify_user
from handlers.context import Context
from handlers.errors import Conflict, DomainError, Unavailable
from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn, RecordResult, TrackRef
from providers.spotify import PAGE_LIMIT, SpotifyError
from store.records import Job
from workers.jobs import CancelSignal, JobError, JobHandler, ProgressReporter, RetryableError
from workers.payloads import payload_of

__all__ = ["SPOTIFY_SYNC_KIND", "SpotifySync", "SyncStarted", "SyncState", "Step",
           "SKIPPED_STEPS", "sync_state", "start_spotify_sync", "queue_spotify_syncs",
           "make_spotify_sync_handler", "plays_from_recently_played"]

SPOTIFY_SYNC_KIND = "listening.spotify_sync"
_RETRYABLE = frozenset({"rate_limited", "network", "unavailable"})


class SpotifySync(msgspec.Struct, frozen=True):
    """The payload of a "listening.spotify_sync" job; `initial`: the user's first sync."""

    user_id: int
    initial: bool = False


class SyncStarted(msgspec.Struct, frozen=True):
    job_id: str
    already_running: bool


class SyncState(msgspec.Struct, frozen=True, kw_only=True):
    """What the syncs of one user left: the cursor (Unix ms, 0 before the first), how many
    listens they stored in all, and when the last one finished."""

    cursor_ms: int = 0
    items_synced: int = 0
    last_sync_at: float | None = None


class Step(msgspec.Struct, frozen=True, kw_only=True):
    action: str
    status: str  # completed, skipped, failed
    detail: str
    items: int = 0
    error: str | None = None


# the documented steps a sync does not do, and why
SKIPPED_STEPS = (
    Step(action="audio_features", status="skipped",
         detail="Spotify closed its audio-features endpoint to new apps (November 2024)"),
    Step(action="playlists", status="skipped",
         detail="Playlists are read live from Spotify; there is nothing to copy"),
    Step(action="top_items", status="skipped",
         detail="Top items are computed from the listening history, not asked of Spotify"),
    Step(action="analytics_refresh", status="skipped",
         detail="Rollups are updated as listens are stored: they are current"),
)


def _state_key(user_id: int) -> str:
    return f"{SPOTIFY_SYNC_KIND}:{user_id}"


async def sync_state(ctx: Context, user_id: int) -> SyncState:
    raw = await ctx.store.settings.get(_state_key(user_id))
    return msgspec.convert(raw, SyncState) if isinstance(raw, dict) else SyncState()


async def _submit(ctx: Context, user_id: int) -> SyncStarted:
    if ctx.jobs is None:
        raise Unavailable("Jobs are not running", code="jobs_unavailable")
    state = await sync_state(ctx, user_id)
    submitted = await ctx.jobs.submit(
        SPOTIFY_SYNC_KIND, SpotifySync(user_id=user_id, initial=state.last_sync_at is None),
        owner_id=user_id, dedupe_key=f"{SPOTIFY_SYNC_KIND}:{user_id}")
    return SyncStarted(job_id=submitted.job.id, already_running=submitted.duplicate)


async def start_spotify_sync(ctx: Context, user_id: int) -> SyncStarted:
    """Queue a sync of the user's recently-played now (or answer with the one queued).

    Raises:
        Conflict: code "spotify_not_connected" when the user has no linked Spotify account.
    """
    if await ctx.store.oauth.user_account(user_id, "spotify") is None:
        raise Conflict("No Spotify account is connected; sign in with Spotify first",
                       code="spotify_not_connected")
    return await _submit(ctx, user_id)


async def queue_spotify_syncs(ctx: Context) -> str:
    """Queue a sync for every user with a linked Spotify account (the periodic tick); what it
    did, for the log ("" when nothing)."""
    users = await ctx.store.oauth.linked_users("spotify")
    queued = 0
    for user_id in users:
        queued += not (await _submit(ctx, user_id)).already_running
    return f"queued {queued} Spotify syncs" if queued else ""


# -- Spotify's recently-played -> plays ----------------------------------------------------------


def _epoch(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _play(item: dict[str, Any]) -> tuple[PlayIn, int] | None:
    """One recently-played item as a play (started duration_ms before played_at) and its
    played_at in Unix ms; None for what is not a track."""
    track, context = item.get("track"), item.get("context")
    ended = _epoch(str(item.get("played_at") or ""))
    if not isinstance(track, dict) or ended is None or track.get("type", "track") != "track":
        return None
    duration = int(track.get("duration_ms") or 0)
    artists = [a for a in track.get("artists") or [] if isinstance(a, dict)]
    album: dict[str, Any] = track["album"] if isinstance(track.get("album"), dict) else {}
    context = context if isinstance(context, dict) else {}
    ref = TrackRef(spotify_uri=str(track.get("uri") or ""), name=str(track.get("name") or ""),
                   artist=str(artists[0].get("name") or "") if artists else "",
                   album=str(album.get("name") or ""), duration_ms=duration or None)
    play = PlayIn(played_at=ended - duration / 1000, ms_played=duration, track=ref,
                  source="spotify_sync", context_type=str(context.get("type") or ""),
                  context_uri=str(context.get("uri") or ""))
    return play, int(ended * 1000)


def plays_from_recently_played(page: Any) -> tuple[list[PlayIn], int]:
    """The plays of a recently-played page and the newest played_at in it (Unix ms, 0 when
    empty)."""
    items = page.get("items") if isinstance(page, dict) else None
    found = [p for p in (_play(i) for i in items or [] if isinstance(i, dict)) if p is not None]
    return [p for p, _ in found], max((ms for _, ms in found), default=0)


# -- the job -----------------------------------------------------------------------------------


def _detail(fetched: int, result: RecordResult) -> str:
    return f"Fetched {fetched} recent tracks, {result.inserted} new"


def make_spotify_sync_handler(ctx: Context) -> JobHandler:
    """The job handler of "listening.spotify_sync" (hub.app registers it)."""

    async def handle(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        request = payload_of(job, SpotifySync, "Spotify sync")
        state = await sync_state(ctx, request.user_id)
        progress.update(items_processed=0, steps=[])
        try:
            page = await spotify_client(ctx).recently_played(
                spotify_user(ctx, request.user_id), limit=PAGE_LIMIT,
                after=state.cursor_ms or None)
        except (SpotifyError, DomainError) as exc:
            message = exc.message if isinstance(exc, SpotifyError) else str(exc)
            failed = Step(action="recently_played", status="failed",
                          detail="Spotify's recently-played could not be read", error=message)
            progress.update(steps=msgspec.to_builtins([failed]))
            if isinstance(exc, SpotifyError) and exc.reason in _RETRYABLE:
                raise RetryableError(message, delay=exc.retry_after) from exc
            raise JobError(message) from exc
        plays, newest = plays_from_recently_played(page)
        result = await record_plays(ctx, request.user_id, plays)
        state = SyncState(cursor_ms=max(state.cursor_ms, newest),
                          items_synced=state.items_synced + result.inserted,
                          last_sync_at=ctx.clock())
        await ctx.store.settings.set(_state_key(request.user_id), msgspec.to_builtins(state))
        steps = [Step(action="recently_played", status="completed",
                      detail=_detail(len(plays), result), items=len(plays)), *SKIPPED_STEPS]
        progress.update(items_processed=len(plays), items_total=len(plays),
                        steps=msgspec.to_builtins(steps))
        return {"cursor_ms": state.cursor_ms, "inserted": result.inserted,
                "duplicates": result.duplicates}

    return handle
