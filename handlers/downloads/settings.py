"""Spotizerr's system and watch configuration, kept in the store and read by the downloader
and the watcher (GET/POST/PUT /api/config/ and /api/config/watch)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from handlers.context import Context
from handlers.errors import FieldError, Invalid

__all__ = ["DownloadSettings", "WatchSettings", "download_settings", "download_config",
           "save_download_settings", "watch_settings", "watch_config", "save_watch_settings",
           "DOWNLOAD_KIND_TRACK", "apply_download_settings", "check_download_settings",
           "check_watch_settings"]

DOWNLOAD_KIND_TRACK = "download.track"
_DOWNLOAD_KEY = "spotizerr.config"
_WATCH_KEY = "spotizerr.watch"
ALBUM_GROUPS = ("album", "single", "compilation", "appears_on")
S = TypeVar("S", bound=msgspec.Struct)


MAX_EXTRA_KEYS = 100  # keys outside the schema an admin may keep (the real backend keeps any)
CONVERT_FORMATS = ("MP3", "AAC", "OGG", "OPUS", "FLAC", "WAV", "ALAC")
_BITRATE = re.compile(r"[0-9]{1,4}k")
CHOICES = {"service": ("spotify", "deezer"), "spotifyQuality": ("NORMAL", "HIGH", "VERY_HIGH"),
           "deezerQuality": ("MP3_128", "MP3_320", "FLAC")}


class DownloadSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """The real backend's main configuration (its DEFAULT_MAIN_CONFIG and the keys its web UI
    sends), field names as on the wire. Chorus acts on the concurrency, retries, path and
    filename templates; the rest is kept, typed, and answered back."""

    maxConcurrentDownloads: int = 3
    service: str = "spotify"
    spotify: str = ""  # the active Spotify account (a credential name)
    deezer: str = ""  # the active Deezer account
    fallback: bool = False
    spotifyQuality: str = "NORMAL"
    deezerQuality: str = "MP3_128"
    realTime: bool = False
    realTimeMultiplier: int = 0
    downloadPath: str = ""  # empty: <data dir>/downloads
    customDirFormat: str = "%ar_album%/%album%"
    customTrackFormat: str = "%tracknum%. %music%"
    tracknumPadding: bool = True
    padNumberWidth: int = 3
    saveCover: bool = True
    fileFormat: str = "mp3"
    convertTo: str | None = None
    bitrate: str | None = None
    maxRetries: int = 3
    retryDelaySeconds: int = 5
    retryDelayIncrease: int = 5
    artistSeparator: str = "; "
    recursiveQuality: bool = False
    spotifyMetadata: bool = True
    separateTracksByUser: bool = False
    explicitFilter: bool = False
    version: str = "3.3.0"


class WatchSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """The watcher's settings under both spellings clients use: the document's
    (`check_interval`, ...) and the real backend's, which its web UI reads
    (`watchPollIntervalSeconds` is `check_interval`)."""

    enabled: bool = False
    check_interval: int = 3600
    max_concurrent_checks: int = 2
    retry_failed_after: int = 1800
    maxItemsPerRun: int = 50
    watchedArtistAlbumGroup: list[str] = msgspec.field(default_factory=lambda: ["album", "single"])
    delayBetweenPlaylistsSeconds: int = 2
    delayBetweenArtistsSeconds: int = 5
    useSnapshotIdChecking: bool = True


# the real backend's (and its older) names -> Chorus's field
WATCH_ALIASES = {"watchPollIntervalSeconds": "check_interval",
                 "watch_poll_interval_seconds": "check_interval",
                 "max_items_per_run": "maxItemsPerRun", "maxTracksPerRun": "maxItemsPerRun",
                 "max_tracks_per_run": "maxItemsPerRun",
                 "watched_artist_album_group": "watchedArtistAlbumGroup",
                 "delay_between_playlists_seconds": "delayBetweenPlaylistsSeconds",
                 "delay_between_artists_seconds": "delayBetweenArtistsSeconds",
                 "use_snapshot_id_checking": "useSnapshotIdChecking"}
MAIN_ALIASES = {"tracknum_padding": "tracknumPadding", "save_cover": "saveCover",
                "retry_delay_increase": "retryDelayIncrease",
                "artist_separator": "artistSeparator", "recursive_quality": "recursiveQuality",
                "spotify_metadata": "spotifyMetadata",
                "real_time_multiplier": "realTimeMultiplier",
                "pad_number_width": "padNumberWidth"}


def _invalid(problems: list[tuple[str, str]]) -> Invalid:
    return Invalid(f"{problems[0][0]} {problems[0][1]}", code="invalid_config",
                   fields=[FieldError(("body", n), m) for n, m in problems])


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
    for name, allowed in CHOICES.items():
        if getattr(settings, name) not in allowed:
            problems.append((name, f"must be one of {', '.join(allowed)}"))
    if settings.convertTo and settings.convertTo.upper() not in CONVERT_FORMATS:
        problems.append(("convertTo", f"must be one of {', '.join(CONVERT_FORMATS)}"))
    if settings.bitrate and not _BITRATE.fullmatch(settings.bitrate):
        problems.append(("bitrate", "must be like 320k"))
    if not 0 <= settings.realTimeMultiplier <= 10:
        problems.append(("realTimeMultiplier", "must be between 0 and 10"))
    for name in ("retryDelaySeconds", "retryDelayIncrease"):
        if not 0 <= getattr(settings, name) <= 3600:
            problems.append((name, "must be between 0 and 3600"))
    if not 1 <= settings.padNumberWidth <= 10:
        problems.append(("padNumberWidth", "must be between 1 and 10"))
    return problems


def check_watch_settings(settings: WatchSettings) -> list[tuple[str, str]]:
    problems = []
    if settings.check_interval < 60:
        problems.append(("watchPollIntervalSeconds", "must be at least 60"))
    if settings.max_concurrent_checks < 1:
        problems.append(("max_concurrent_checks", "must be at least 1"))
    if not 1 <= settings.maxItemsPerRun <= 50:
        problems.append(("maxItemsPerRun", "must be between 1 and 50"))
    unknown = [g for g in settings.watchedArtistAlbumGroup if g not in ALBUM_GROUPS]
    if unknown:
        problems.append(("watchedArtistAlbumGroup", f"must be among {', '.join(ALBUM_GROUPS)}"))
    for name in ("retry_failed_after", "delayBetweenPlaylistsSeconds",
                 "delayBetweenArtistsSeconds"):
        if getattr(settings, name) < 0:
            problems.append((name, "must not be negative"))
    return problems


def _renamed(changes: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    """Older and other spellings under the field's name; two spellings that disagree: 400."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        name = aliases.get(key, key)
        if name in out and out[name] != value:
            raise _invalid([(key, f"disagrees with {name}")])
        out[name] = value
    return out


def _merge(cls: type[S], stored: dict[str, Any], changes: dict[str, Any]) -> tuple[S, dict[str, Any]]:
    """The settings with `changes` applied, and every key to keep (the schema's and the
    others'). A schema key of the wrong type is refused, never dropped."""
    merged = {**stored, **changes}
    problems = []
    for name in changes:
        if name in cls.__struct_fields__:
            try:
                msgspec.convert({name: changes[name]}, cls, strict=False)
            except msgspec.ValidationError as exc:
                problems.append((name, f"has the wrong type ({exc})"))
    extra = [k for k in merged if k not in cls.__struct_fields__]
    if len(extra) > MAX_EXTRA_KEYS:
        problems.append((extra[-1], f"is one key too many: at most {MAX_EXTRA_KEYS} "
                                    "keys outside the schema"))
    if problems:
        raise _invalid(problems)
    settings = msgspec.convert(merged, cls, strict=False)
    return settings, {**merged, **msgspec.to_builtins(settings)}


async def _stored(ctx: Context, key: str) -> dict[str, Any]:
    raw = await ctx.store.settings.get(key)
    return raw if isinstance(raw, dict) else {}


async def download_settings(ctx: Context) -> DownloadSettings:
    return _merge(DownloadSettings, _renamed(await _stored(ctx, _DOWNLOAD_KEY), MAIN_ALIASES),
                  {})[0]


async def download_config(ctx: Context) -> dict[str, Any]:
    """Every kept key of the main configuration, with the watch block (GET /api/config)."""
    stored = _renamed(await _stored(ctx, _DOWNLOAD_KEY), MAIN_ALIASES)
    return {**_merge(DownloadSettings, stored, {})[1], "watch": await watch_config(ctx)}


async def save_download_settings(ctx: Context, changes: dict[str, Any],
                                 *, dry_run: bool = False) -> dict[str, Any]:
    """Validate and store the changed keys (a `watch` object changes the watch settings);
    `dry_run` only validates (config/validate). Returns what GET answers afterwards."""
    changes = _renamed(changes, MAIN_ALIASES)
    watch = changes.pop("watch", None)
    if watch is not None and not isinstance(watch, dict):
        raise _invalid([("watch", "must be an object")])
    stored = _renamed(await _stored(ctx, _DOWNLOAD_KEY), MAIN_ALIASES)
    settings, kept = _merge(DownloadSettings, stored, changes)
    problems = check_download_settings(settings)
    if problems:
        raise _invalid(problems)
    async with ctx.store.transaction():
        if watch:
            await save_watch_settings(ctx, watch, dry_run=dry_run)
        if not dry_run:
            await ctx.store.settings.set(_DOWNLOAD_KEY, kept)
    if not dry_run:
        apply_download_settings(ctx, settings)
    return {**kept, "watch": await watch_config(ctx)}


def apply_download_settings(ctx: Context, settings: DownloadSettings) -> None:
    """Make the running job runner honour maxConcurrentDownloads at once."""
    if ctx.jobs is not None:
        ctx.jobs.set_concurrency(DOWNLOAD_KIND_TRACK, settings.maxConcurrentDownloads)


async def watch_settings(ctx: Context) -> WatchSettings:
    return _merge(WatchSettings, _renamed(await _stored(ctx, _WATCH_KEY), WATCH_ALIASES), {})[0]


def _watch_answer(kept: dict[str, Any]) -> dict[str, Any]:
    return {**kept, "watchPollIntervalSeconds": kept["check_interval"]}


async def watch_config(ctx: Context) -> dict[str, Any]:
    """Every kept watch key, under both spellings (GET /api/config/watch)."""
    stored = _renamed(await _stored(ctx, _WATCH_KEY), WATCH_ALIASES)
    return _watch_answer(_merge(WatchSettings, stored, {})[1])


async def save_watch_settings(ctx: Context, changes: dict[str, Any],
                              *, dry_run: bool = False) -> dict[str, Any]:
    stored = _renamed(await _stored(ctx, _WATCH_KEY), WATCH_ALIASES)
    settings, kept = _merge(WatchSettings, stored, _renamed(changes, WATCH_ALIASES))
    problems = check_watch_settings(settings)
    if problems:
        raise _invalid(problems)
    if not dry_run:
        await ctx.store.settings.set(_WATCH_KEY, kept)
    return _watch_answer(kept)
