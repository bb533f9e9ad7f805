"""Spotizerr's watch lists: each user watches playlists and artists of the catalog; the
watcher (workers/watcher.py, running handlers.downloads.watch_check.check_due) checks them every
`check_interval` and turns what is new into download tasks.

Decisions (Spotizerr's own behaviour where its document is silent):
- Watching is switched on system-wide by `/api/config/watch` `enabled`; while it is off,
  adding, removing, marking and triggering answer 403 ("Watch feature is currently disabled
  globally."), and status and list still answer.
- Watches are per user: one user's watch of a playlist is invisible to others, and its
  downloads are that user's tasks.
- Adding a playlist with `download_existing` false (the default) records its current tracks
  as known, so only later additions are downloaded; with true they are downloaded now.
  Adding an artist records its current albums of `album_types`; only new releases are
  downloaded. Adding again changes the options and records what is there now.
- Marking ids (POST .../tracks, .../albums) records them as known: the watcher will not
  download them. Removing ids (DELETE) forgets them: the next check downloads those still in
  the playlist or discography.
- trigger_check checks at once and answers when done (Spotizerr answers before), so the
  client learns what was queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from handlers.catalog.factory import catalog_for
from handlers.catalog.interface import ALBUM_TYPES
from handlers.context import Context
from handlers.downloads.settings import WatchSettings, watch_settings
from handlers.downloads.watch_check import (
    ArtistOptions,
    CheckResult,
    PlaylistOptions,
    check_watch,
    check_watches,
)
from handlers.errors import FieldError, Forbidden, Invalid, NotFound
from handlers.identity.auth import Principal
from store.records import Watch

__all__ = ["KINDS", "WatchAdded", "watch_item", "get_watch", "require_watch", "unwatch",
           "mark_known", "forget_items", "list_watches", "trigger_check", "require_enabled"]

KINDS = ("playlist", "artist")
MAX_IDS = 1000


class WatchAdded(msgspec.Struct, kw_only=True):
    """What adding did: the watch, whether it was new, and its first check."""

    watch: Watch
    created: bool
    check: CheckResult


def _label(kind: str) -> str:
    return kind.capitalize()


async def require_enabled(ctx: Context, action: str = "") -> WatchSettings:
    """The watch settings; Forbidden while watching is disabled."""
    settings = await watch_settings(ctx)
    if not settings.enabled:
        suffix = f" Cannot {action}." if action else ""
        raise Forbidden(f"Watch feature is currently disabled globally.{suffix}",
                        code="watch_disabled")
    return settings


def _options(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The options sent for `kind`, checked, as stored."""
    cls: type[Any] = PlaylistOptions if kind == "playlist" else ArtistOptions
    try:
        options = msgspec.convert(body, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise Invalid(str(exc), code="validation") from exc
    if isinstance(options, ArtistOptions):
        unknown = [t for t in options.album_types if t not in ALBUM_TYPES]
        if unknown or not options.album_types:
            raise Invalid(f"album_types must be some of {', '.join(ALBUM_TYPES)}",
                          code="validation",
                          fields=[FieldError(("body", "album_types"), "unknown album type")])
        options.album_types = list(dict.fromkeys(options.album_types))
    return msgspec.to_builtins(options)


async def _name_of(ctx: Context, kind: str, item_id: str) -> str:
    """The item's name from the catalog (NotFound when the catalog does not know it)."""
    catalog = catalog_for(ctx)
    if kind == "playlist":
        return (await catalog.playlist(item_id)).name
    return (await catalog.artist(item_id)).name


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound(f"Unknown watch kind {kind}", code="not_found")


async def watch_item(ctx: Context, principal: Principal, kind: str, item_id: str,
                     body: dict[str, Any]) -> WatchAdded:
    """Watch a playlist or an artist (see the module docstring), then check it once."""
    _check_kind(kind)
    settings = await require_enabled(ctx)
    options = _options(kind, body)
    name = await _name_of(ctx, kind, item_id)
    async with ctx.store.transaction():
        watch, created = await ctx.store.watch.add(principal.user.id, kind, item_id, name=name,
                                                   options=options, created_at=ctx.clock())
        if not created:
            await ctx.store.watch.set_options(watch.id, options)
            watch.options = options
    baseline = kind == "artist" or not options.get("download_existing", False)
    check = await check_watch(ctx, watch, baseline=baseline, settings=settings)
    return WatchAdded(watch=await require_watch(ctx, principal, kind, item_id),
                      created=created, check=check)


async def get_watch(ctx: Context, principal: Principal, kind: str, item_id: str
                    ) -> Watch | None:
    """The caller's watch of the item, if any."""
    _check_kind(kind)
    return await ctx.store.watch.get(principal.user.id, kind, item_id)


async def require_watch(ctx: Context, principal: Principal, kind: str, item_id: str) -> Watch:
    watch = await get_watch(ctx, principal, kind, item_id)
    if watch is None:
        raise NotFound(f"{_label(kind)} {item_id} is not being watched.", code="not_watched")
    return watch


async def unwatch(ctx: Context, principal: Principal, kind: str, item_id: str) -> None:
    """Stop watching; queued downloads, files and the M3U stay."""
    await require_enabled(ctx)
    watch = await require_watch(ctx, principal, kind, item_id)
    await ctx.store.watch.remove(principal.user.id, kind, item_id)
    ctx.download_state.watch_locks.pop(watch.id, None)


def _ids(ids: Sequence[Any]) -> list[str]:
    if not all(isinstance(i, str) and i.strip() for i in ids) or len(ids) > MAX_IDS:
        raise Invalid(f"Expecting a list of at most {MAX_IDS} ids", code="validation")
    return [i.strip() for i in ids]


async def mark_known(ctx: Context, principal: Principal, kind: str, item_id: str,
                     ids: Sequence[Any]) -> int:
    """Record track (playlist) or album (artist) ids as known; how many were new."""
    await require_enabled(ctx, "mark tracks" if kind == "playlist" else "mark albums")
    checked = _ids(ids)
    watch = await require_watch(ctx, principal, kind, item_id)
    return await ctx.store.watch.mark_known(watch.id, checked, ctx.clock())


async def forget_items(ctx: Context, principal: Principal, kind: str, item_id: str,
                       ids: Sequence[Any]) -> int:
    """Forget ids, so that the next check downloads them; how many were known."""
    await require_enabled(ctx, "mark tracks" if kind == "playlist" else "mark albums")
    checked = _ids(ids)
    watch = await require_watch(ctx, principal, kind, item_id)
    return await ctx.store.watch.forget(watch.id, checked)


async def list_watches(ctx: Context, principal: Principal, kind: str) -> list[Watch]:
    _check_kind(kind)
    return await ctx.store.watch.list(principal.user.id, kind)


async def trigger_check(ctx: Context, principal: Principal, kind: str,
                        item_id: str | None = None) -> list[CheckResult]:
    """Check the caller's watches of `kind` (or only `item_id`) now."""
    _check_kind(kind)
    settings = await require_enabled(ctx, "trigger check")
    if item_id is not None:
        watch = await get_watch(ctx, principal, kind, item_id)
        if watch is None:
            raise NotFound(f"{_label(kind)} {item_id} is not in the watchlist. Add it first.",
                           code="not_watched")
        return [await check_watch(ctx, watch, settings=settings)]
    return await check_watches(ctx, await list_watches(ctx, principal, kind), settings)
