"""Where downloads go: the download folder and a track's file path from the filename
templates (customDirFormat / customTrackFormat), never outside that folder."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.context import Context
from handlers.downloads.settings import DownloadSettings
from handlers.errors import Invalid

__all__ = ["download_root", "target_path"]


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
