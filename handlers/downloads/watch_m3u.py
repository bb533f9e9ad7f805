"""The M3U file kept for each watched playlist: `<download folder>/playlists/<name>.m3u`,
listing, in playlist order, the files of the playlist's tracks that were downloaded or are
on their way (a failed or cancelled download is left out), relative to the M3U's folder.

The file is rewritten whole (written aside, then renamed) after every check, so it never
holds a line twice. Two users watching the same playlist share its file (the downloads land
in the same folder); a different playlist with the same name gets `<name> (<id>).m3u`.
Removing a watch leaves its M3U, like the downloaded files.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from handlers.context import Context
from handlers.downloads.paths import download_root
from handlers.downloads.settings import download_settings
from store.records import Watch, WatchItem

__all__ = ["m3u_text", "playlist_entries", "write_playlist_m3u", "M3U_FOLDER"]

M3U_FOLDER = "playlists"
LEFT_OUT = ("failed", "cancelled")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _file_name(name: str) -> str:
    return (_UNSAFE.sub("_", name).strip(" .\t") or "Playlist")[:120]


def _file_of(item: WatchItem) -> str:
    result = item.job_result if isinstance(item.job_result, dict) else {}
    return str(result.get("file_path") or item.target)


def playlist_entries(items: list[WatchItem]) -> list[WatchItem]:
    """The items the M3U lists: present, with a download that has not failed or been
    cancelled, once each, in playlist order."""
    present = [i for i in items if i.position is not None and _file_of(i)
               and i.job_status not in LEFT_OUT]
    return sorted(present, key=lambda i: i.position or 0)


def m3u_text(name: str, items: list[WatchItem], folder: Path) -> str:
    """Extended M3U: `#EXTINF:<seconds>,<artist> - <title>` then the file, relative to
    `folder` with forward slashes."""
    lines = ["#EXTM3U", f"#PLAYLIST:{name}"]
    for item in playlist_entries(items):
        seconds = item.duration_ms // 1000 if item.duration_ms else -1
        title = f"{item.artist} - {item.title}" if item.artist else item.title
        lines.append(f"#EXTINF:{seconds},{title}")
        lines.append(Path(os.path.relpath(_file_of(item), folder)).as_posix())
    return "\n".join(lines) + "\n"


async def _path_for(ctx: Context, watch: Watch, root: Path) -> Path:
    """The watch's M3U path, chosen at its first write and kept (a renamed playlist keeps
    its file)."""
    if watch.m3u_path:
        return Path(watch.m3u_path)
    path = root / M3U_FOLDER / f"{_file_name(watch.name)}.m3u"
    if any(w.item_id != watch.item_id for w in await ctx.store.watch.by_m3u_path(str(path))):
        path = path.with_name(f"{_file_name(watch.name)} ({_file_name(watch.item_id)}).m3u")
    await ctx.store.watch.set_m3u_path(watch.id, str(path))
    return path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


async def write_playlist_m3u(ctx: Context, watch: Watch, items: list[WatchItem]) -> Path:
    """(Re)write the watched playlist's M3U; returns its path."""
    root = download_root(ctx, await download_settings(ctx))
    path = await _path_for(ctx, watch, root)
    await asyncio.to_thread(_write, path, m3u_text(watch.name, items, path.parent))
    return path
