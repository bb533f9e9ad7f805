"""Checking watched playlists and artists: what is new becomes a download task.

A check of a playlist asks the catalog for the playlist; when its snapshot_id is the one
seen last time nothing was added or removed, so only failed downloads due for a retry are
queued again. Otherwise every track is read: a track the watch does not know becomes a track
download (start_download), or is only recorded when `watch_new_additions` is off or the check
is a baseline (the playlist's content when the watch began, with `download_existing` off).
Tracks that left the playlist are kept but no longer listed in its M3U. An artist's check
reads its albums of the watched `album_types`; a new one becomes an album download when
`watch_new_releases` is on.

A failed download is queued again after `retry_failed_after` seconds, at most
MAX_REQUEUES times. Checks run at most `max_concurrent_checks` at a time, and one at a
time per watch. A check that fails (unknown playlist, Spotify down) records its error on the
watch and is tried again at the next interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

import msgspec

from handlers.catalog.factory import catalog_for
from handlers.catalog.interface import MAX_LIMIT, Album, Track
from handlers.context import Context
from handlers.downloads import start
from handlers.downloads.settings import DOWNLOAD_KIND_TRACK, WatchSettings, watch_settings
from handlers.downloads.watch_m3u import write_playlist_m3u
from handlers.errors import DomainError
from store.records import Watch, WatchItem
from workers.payloads import TrackDownload, payload_of

__all__ = ["CheckResult", "PlaylistOptions", "ArtistOptions", "check_watch", "check_watches",
           "check_due", "playlist_options", "artist_options", "MAX_REQUEUES", "IDLE_DELAY",
           "DEFAULT_ALBUM_TYPES"]

log = logging.getLogger("chorus.watch")

MAX_REQUEUES = 3
IDLE_DELAY = 60.0  # watching disabled or nothing due: look again this much later
MIN_DELAY = 1.0
DUE_BATCH = 100
DEFAULT_ALBUM_TYPES = ("album", "single")  # Spotizerr's watchedArtistAlbumGroup

_Listed = TypeVar("_Listed", Track, Album)  # what a watched playlist or artist lists


class PlaylistOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    watch_new_additions: bool = True
    download_existing: bool = False


class ArtistOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    watch_new_releases: bool = True
    album_types: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_ALBUM_TYPES))


class CheckResult(msgspec.Struct, kw_only=True):
    """What one check did: ids queued for download (and their task ids), ids recorded
    without a download, failed downloads queued again, items gone, or the error."""

    kind: str
    item_id: str
    name: str = ""
    queued: list[str] = []
    task_ids: list[str] = []
    known: list[str] = []
    requeued: list[str] = []
    removed: int = 0
    unchanged: bool = False
    error: str | None = None


def playlist_options(watch: Watch) -> PlaylistOptions:
    return msgspec.convert(watch.options, PlaylistOptions, strict=False)


def artist_options(watch: Watch) -> ArtistOptions:
    return msgspec.convert(watch.options, ArtistOptions, strict=False)


# -- queueing ---------------------------------------------------------------------------------


async def _queue(ctx: Context, watch: Watch, item: WatchItem, kind: str,
                 result: CheckResult) -> bool:
    """Start the item's download; False (and the reason in `result.error`) if refused."""
    try:
        job, _duplicate = await start.start_download(ctx, watch.owner_id, kind,
                                                         item.item_id)
    except DomainError as err:
        log.warning("watch %s: %s %s not queued: %s", watch.id, kind, item.item_id, err.message)
        result.error = f"{kind} {item.item_id}: {err.message}"
        return False
    item.job_id = job.id
    item.target = payload_of(job, TrackDownload).target if job.kind == DOWNLOAD_KIND_TRACK else ""
    result.task_ids.append(job.id)
    return True


def _retry_due(item: WatchItem | None, settings: WatchSettings, now: float) -> bool:
    return (item is not None and item.job_status == "failed"
            and (item.job_finished_at or 0) + settings.retry_failed_after <= now
            and item.requeues < MAX_REQUEUES)


async def _consider(ctx: Context, watch: Watch, item: WatchItem, old: WatchItem | None, *,
                    download: bool, kind: str, settings: WatchSettings,
                    result: CheckResult) -> bool:
    """Decide about one present item; False when it must not be stored (its download was
    refused: the next check tries again)."""
    if old is None:
        if not download:
            result.known.append(item.item_id)
            return True
        if await _queue(ctx, watch, item, kind, result):
            result.queued.append(item.item_id)
            return True
        return False
    if _retry_due(old, settings, ctx.clock()):
        item.requeues = old.requeues + 1
        if await _queue(ctx, watch, item, kind, result):
            result.requeued.append(item.item_id)
    return True


# -- one check --------------------------------------------------------------------------------


def _artists(track: Track | Album) -> str:
    return ", ".join(a.name for a in track.artists if a.name)


def _track_item(track: Track, position: int) -> WatchItem:
    return WatchItem(item_id=track.id, position=position, title=track.name,
                     artist=_artists(track), duration_ms=track.duration_ms)


def _album_item(album: Album, position: int) -> WatchItem:
    return WatchItem(item_id=album.id, position=position, title=album.name, artist=_artists(album))


async def _consider_listing(ctx: Context, watch: Watch, listing: Sequence[_Listed],
                            to_item: Callable[[_Listed, int], WatchItem],
                            known: dict[str, WatchItem], *, download: bool, kind: str,
                            settings: WatchSettings, result: CheckResult) -> list[WatchItem]:
    """The items the catalog lists now, in its order, each id once and each decided by
    _consider (those it refuses left out); `result.removed` counts the listed ones now gone."""
    updates: list[WatchItem] = []
    seen: set[str] = set()
    for entry in listing:
        if not entry.id or entry.id in seen:
            continue  # local files have no id; an entry listed twice is one file
        seen.add(entry.id)
        item = to_item(entry, len(updates))
        if await _consider(ctx, watch, item, known.get(entry.id), download=download,
                           kind=kind, settings=settings, result=result):
            updates.append(item)
    present = {u.item_id for u in updates}
    result.removed = sum(1 for i in known.values()
                         if i.position is not None and i.item_id not in present)
    return updates


async def _check_playlist(ctx: Context, watch: Watch, settings: WatchSettings,
                          baseline: bool, result: CheckResult) -> None:
    catalog = catalog_for(ctx)
    info = await catalog.playlist(watch.item_id)
    result.name = info.name
    known = {i.item_id: i for i in await ctx.store.watch.items(watch.id)}
    download = playlist_options(watch).watch_new_additions and not baseline
    updates: list[WatchItem] = []
    unchanged = bool(info.snapshot_id) and info.snapshot_id == watch.snapshot_id and not baseline
    if unchanged:
        result.unchanged = True
        for old in known.values():
            if old.position is not None and _retry_due(old, settings, ctx.clock()):
                item = WatchItem(item_id=old.item_id)
                await _consider(ctx, watch, item, old, download=True, kind="track",
                                settings=settings, result=result)
                updates.append(item)
        total = watch.total_items
    else:
        tracks = await catalog.playlist_tracks(watch.item_id)
        updates = await _consider_listing(ctx, watch, tracks, _track_item, known, download=download,
                                          kind="track", settings=settings, result=result)
        total = len(tracks)
    # a refused download is retried at the next check: do not let the snapshot skip it
    snapshot = "" if result.error else info.snapshot_id
    async with ctx.store.transaction():  # the items and the check that found them
        await ctx.store.watch.sync_items(watch.id, updates, replace_positions=not unchanged)
        await ctx.store.watch.record_check(watch.id, checked_at=ctx.clock(), name=info.name,
                                           snapshot_id=snapshot, total_items=total,
                                           error=result.error)
    watch.name = info.name
    await write_playlist_m3u(ctx, watch, await ctx.store.watch.items(watch.id))


async def _artist_albums(ctx: Context, artist_id: str, album_types: Sequence[str]
                         ) -> list[Album]:
    catalog, albums, offset = catalog_for(ctx), [], 0
    while True:
        page = await catalog.artist_albums(artist_id, album_types, MAX_LIMIT, offset)
        albums.extend(page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return albums


async def _check_artist(ctx: Context, watch: Watch, settings: WatchSettings,
                        baseline: bool, result: CheckResult) -> None:
    options = artist_options(watch)
    artist = await catalog_for(ctx).artist(watch.item_id)
    result.name = artist.name
    albums = await _artist_albums(ctx, watch.item_id, options.album_types)
    known = {i.item_id: i for i in await ctx.store.watch.items(watch.id)}
    download = options.watch_new_releases and not baseline
    updates = await _consider_listing(ctx, watch, albums, _album_item, known, download=download,
                                      kind="album", settings=settings, result=result)
    async with ctx.store.transaction():
        await ctx.store.watch.sync_items(watch.id, updates, replace_positions=True)
        await ctx.store.watch.record_check(watch.id, checked_at=ctx.clock(), name=artist.name,
                                           total_items=len(albums), error=result.error)


def _lock(ctx: Context, watch_id: int) -> asyncio.Lock:
    return ctx.download_state.watch_locks.setdefault(watch_id, asyncio.Lock())


def _semaphore(ctx: Context, size: int) -> asyncio.Semaphore:
    """The process's limit on checks running at once; a new size applies to later checks."""
    state = ctx.download_state
    if state.check_slots is None or state.check_slots[0] != size:
        state.check_slots = (size, asyncio.Semaphore(size))
    return state.check_slots[1]


async def check_watch(ctx: Context, watch: Watch, *, baseline: bool = False,
                      settings: WatchSettings | None = None) -> CheckResult:
    """Check one watch now (see the module docstring); failures end up in the result and on
    the watch, never raised."""
    settings = settings or await watch_settings(ctx)
    result = CheckResult(kind=watch.kind, item_id=watch.item_id, name=watch.name)
    check = _check_playlist if watch.kind == "playlist" else _check_artist
    async with _semaphore(ctx, settings.max_concurrent_checks), _lock(ctx, watch.id):
        try:
            await check(ctx, watch, settings, baseline, result)
        except DomainError as err:
            result.error = err.message
        except Exception as exc:  # one broken watch must not stop the others
            log.exception("watch %s (%s %s): check failed", watch.id, watch.kind,
                          watch.item_id)
            result.error = f"check failed: {type(exc).__name__}"
        else:
            return result
        await ctx.store.watch.record_check(watch.id, checked_at=ctx.clock(),
                                           error=result.error)
    return result


async def check_watches(ctx: Context, watches: Sequence[Watch],
                        settings: WatchSettings | None = None) -> list[CheckResult]:
    """Check several watches, `max_concurrent_checks` at a time."""
    settings = settings or await watch_settings(ctx)
    return list(await asyncio.gather(*(check_watch(ctx, w, settings=settings)
                                       for w in watches)))


async def check_due(ctx: Context) -> float:
    """The watcher's round: check every watch not checked for `check_interval` seconds
    (nothing while watching is disabled); returns the seconds until the next one is due."""
    settings = await watch_settings(ctx)
    if not settings.enabled:
        return IDLE_DELAY
    due = await ctx.store.watch.due(ctx.clock() - settings.check_interval, DUE_BATCH)
    results = await check_watches(ctx, due, settings)
    for result in results:
        if result.queued or result.requeued or result.error:
            log.info("watch %s %s: %d queued, %d requeued%s", result.kind, result.item_id,
                     len(result.queued), len(result.requeued),
                     f", error: {result.error}" if result.error else "")
    oldest = await ctx.store.watch.oldest_check()
    if oldest is None:
        return float(settings.check_interval)
    return max(MIN_DELAY, oldest + settings.check_interval - ctx.clock())
