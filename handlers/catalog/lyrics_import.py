"""Lyrics files read into the store without any provider (`chorus lyrics import DIR`).

Every `.lrc` and `.txt` file under the folder is matched to a catalog track: by the `[ar:]`
and `[ti:]` tags in the file when it has both, else by its name `Artist - Title.lrc`. Titles
and artists match case-insensitively; a file matching no track, or several tracks by that
artist, is reported and skipped. Imported lyrics have source "import".
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec

from handlers.catalog.lrc import parse_lrc
from handlers.catalog.lyrics import lyrics_of_text, store_lyrics
from handlers.context import Context
from handlers.errors import Invalid
from store.records import CatalogItem

__all__ = ["ImportedFile", "SkippedFile", "LyricsImportReport", "import_lyrics_dir",
           "LYRICS_SUFFIXES"]

LYRICS_SUFFIXES = frozenset({".lrc", ".txt"})
MAX_FILE_BYTES = 512 * 1024


class ImportedFile(msgspec.Struct, frozen=True):
    path: str
    track_id: int
    track: str  # "Artist - Title"


class SkippedFile(msgspec.Struct, frozen=True):
    path: str
    reason: str


class LyricsImportReport(msgspec.Struct, frozen=True):
    imported: list[ImportedFile]
    skipped: list[SkippedFile]


def _names(path: Path, text: str) -> tuple[str, str] | None:
    """(artist, title) from the file's tags, else from its name; None when neither says."""
    tags = parse_lrc(text).tags
    if tags.get("ar") and tags.get("ti"):
        return tags["ar"], tags["ti"]
    artist, sep, title = path.stem.partition(" - ")
    if sep and artist.strip() and title.strip():
        return artist.strip(), title.strip()
    return None


def _without_tags(text: str) -> str:
    """Plain text without the ID-tag lines an LRC-style header may put on top."""
    kept = [line for line in text.splitlines()
            if not (line.startswith("[") and ":" in line and line.rstrip().endswith("]")
                    and not line[1:2].isdigit())]
    return "\n".join(kept)


async def _track(ctx: Context, artist: str, title: str) -> CatalogItem | str:
    """The one catalog track named `title` by `artist`, or why there is none."""
    named = await ctx.store.catalog_batch.named("track", [title])
    wanted = artist.casefold()
    found = [i for i in named if any(a.casefold() == wanted for a in i.artist_names)]
    if not found:
        return f"no catalog track {artist} - {title}"
    if len(found) > 1:
        return f"{len(found)} catalog tracks are {artist} - {title}"
    return found[0]


def _read(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 1024} KiB")
    return path.read_bytes().decode("utf-8-sig")


async def _import_file(ctx: Context, path: Path, shown: str) -> ImportedFile | SkippedFile:
    try:
        text = await asyncio.to_thread(_read, path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return SkippedFile(shown, f"unreadable: {exc}")
    names = _names(path, text)
    if names is None:
        return SkippedFile(shown, "no [ar:]/[ti:] tags and not named 'Artist - Title'")
    track = await _track(ctx, *names)
    if isinstance(track, str):
        return SkippedFile(shown, track)
    body = text if path.suffix.lower() == ".lrc" else _without_tags(text)
    try:
        found = lyrics_of_text(body, "import")
    except Invalid as exc:
        return SkippedFile(shown, exc.message)
    await store_lyrics(ctx, track, found)
    return ImportedFile(shown, track.id, f"{names[0]} - {track.name}")


async def import_lyrics_dir(ctx: Context, folder: Path) -> LyricsImportReport:
    """Import every lyrics file under `folder` (sorted by path); what matched and what not.

    Raises:
        Invalid: `not_a_folder` when `folder` is not a readable folder.
    """
    if not folder.is_dir():
        raise Invalid(f"{folder} is not a folder", code="not_a_folder")
    paths = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in LYRICS_SUFFIXES)
    imported: list[ImportedFile] = []
    skipped: list[SkippedFile] = []
    for path in paths:
        outcome = await _import_file(ctx, path, str(path.relative_to(folder)))
        (imported if isinstance(outcome, ImportedFile) else skipped).append(outcome)  # type: ignore[arg-type]
    return LyricsImportReport(imported=imported, skipped=skipped)
