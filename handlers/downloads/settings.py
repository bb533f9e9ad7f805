"""Spotizerr's system and watch configuration, kept in the store and read by the downloader
and the watcher (GET/POST/PUT /api/config/ and /api/config/watch)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import FieldError, Invalid

__all__ = ["DownloadSettings", "WatchSettings", "download_settings", "save_download_settings",
           "watch_settings", "save_watch_settings", "DOWNLOAD_KIND_TRACK", "download_root",
           "apply_download_settings", "check_download_settings", "target_path"]

DOWNLOAD_KIND_TRACK = "download.track"
_DOWNLOAD_KEY = "spotizerr.config"
_WATCH_KEY = "spotizerr.watch"


class DownloadSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Field names are Spotizerr's (camelCase on the wire)."""

    maxConcurrentDownloads: int = 3
    service: str = "spotify"
    fallback: bool = False
    spotifyQuality: str = "NORMAL"
    deezerQuality: str = "MP3_128"
    realTime: bool = False
    downloadPath: str = ""  # empty: <data dir>/downloads
    customDirFormat: str = "%ar_album%/%album%"
    customTrackFormat: str = "%tracknum%. %music%"
    tracknumPadding: bool = True
    fileFormat: str = "mp3"
    maxRetries: int = 3


class WatchSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    enabled: bool = False
    check_interval: int = 3600
    max_concurrent_checks: int = 2
    retry_failed_after: int = 1800


def _check(settings: DownloadSettings) -> DownloadSettings:
    problems = check_download_settings(settings)
    if problems:
        raise Invalid(f"{problems[0][0]} {problems[0][1]}", code="invalid_config",
                      fields=[FieldError(("body", n), m) for n, m in problems])
    return settings


def check_download_settings(settings: DownloadSettings) -> list[tuple[str, str]]:
    """(field, problem) for every rule the settings break; empty when they are usable."""
    problems = []
    if not 1 <= settings.maxConcurrentDownloads <= 32:
        problems.append(("maxConcurrentDownloads", "must be between 1 and 32"))
    if not 0 <= settings.maxRetries <= 10:
        problems.append(("maxRetries", "must be between 0 and 10"))
    for name in ("customDirFormat", "customTrackFormat"):
        value = getattr(settings, name)
        if ".." in Path(value).parts or value.startswith("/"):
            problems.append((name, "must stay inside the download folder"))
    if settings.customTrackFormat.strip() == "":
        problems.append(("customTrackFormat", "must not be empty"))
    return problems


def _merge(cls: type[Any], current: Any, changes: dict[str, Any]) -> Any:
    try:
        return msgspec.convert({**msgspec.to_builtins(current), **changes}, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise Invalid(str(exc), code="invalid_config") from exc


async def download_settings(ctx: Context) -> DownloadSettings:
    raw = await ctx.store.settings.get(_DOWNLOAD_KEY)
    return _merge(DownloadSettings, DownloadSettings(), raw or {})


async def save_download_settings(ctx: Context, changes: dict[str, Any],
                                 *, dry_run: bool = False) -> DownloadSettings:
    """Validate and store changed fields; `dry_run` only validates (config/validate)."""
    settings = _check(_merge(DownloadSettings, await download_settings(ctx), changes))
    if not dry_run:
        await ctx.store.settings.set(_DOWNLOAD_KEY, msgspec.to_builtins(settings))
        apply_download_settings(ctx, settings)
    return settings


def apply_download_settings(ctx: Context, settings: DownloadSettings) -> None:
    """Make the running job runner honour maxConcurrentDownloads at once."""
    if ctx.jobs is not None:
        ctx.jobs.set_concurrency(DOWNLOAD_KIND_TRACK, settings.maxConcurrentDownloads)


async def watch_settings(ctx: Context) -> WatchSettings:
    raw = await ctx.store.settings.get(_WATCH_KEY)
    return _merge(WatchSettings, WatchSettings(), raw or {})


async def save_watch_settings(ctx: Context, changes: dict[str, Any],
                              *, dry_run: bool = False) -> WatchSettings:
    settings = _merge(WatchSettings, await watch_settings(ctx), changes)
    if settings.check_interval < 60 or settings.max_concurrent_checks < 1:
        raise Invalid("check_interval must be at least 60 and max_concurrent_checks at least 1",
                      code="invalid_config")
    if not dry_run:
        await ctx.store.settings.set(_WATCH_KEY, msgspec.to_builtins(settings))
    return settings


def download_root(ctx: Context, settings: DownloadSettings) -> Path:
    """Where files go: the configured path, else <data dir>/downloads."""
    return Path(settings.downloadPath) if settings.downloadPath else ctx.config.data_path / "downloads"


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _part(value: str) -> str:
    """One path component from metadata: no separators, no control characters, no dots-only."""
    cleaned = _UNSAFE.sub("_", value).strip(" .\t") or "Unknown"
    return cleaned[:120]


def target_path(root: Path, settings: DownloadSettings, tags: dict[str, str], ext: str) -> Path:
    """Where a track goes: customDirFormat/customTrackFormat with %music%, %artist%,
    %ar_album%, %album%, %tracknum%, %year% filled in; never outside `root`."""
    number = tags.get("tracknumber", "")
    if number.isdigit() and settings.tracknumPadding:
        number = number.zfill(2)
    values = {"%music%": tags.get("title", ""), "%artist%": tags.get("artist", ""),
              "%ar_album%": tags.get("album_artist") or tags.get("artist", ""),
              "%album%": tags.get("album", ""), "%tracknum%": number,
              "%year%": tags.get("date", "")[:4]}

    def fill(template: str) -> str:
        for key, value in values.items():
            template = template.replace(key, value)
        return template

    # the template's own "/" make folders; a "/" in metadata (AC/DC) never does
    folders = [_part(fill(p)) for p in settings.customDirFormat.split("/") if p.strip()]
    name = _part(fill(settings.customTrackFormat)) + "." + (ext.strip(".") or "mp3")
    target = root.joinpath(*folders, name)
    if root.resolve() not in target.resolve().parents:
        raise Invalid("The filename template leaves the download folder", code="invalid_config")
    return target
