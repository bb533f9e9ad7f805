"""Uploaded audio files: a slot taken from the owner's quota first, the bytes streamed to a
temporary file, checked by their bytes and read by mutagen, then renamed into the audio store
and recorded (with a catalog item, so the file is a track like any other) in one unit of work.

The audio store is `<data_dir>/audio/`, outside `/media/`: files are only served through
`stream_target`, which applies the owner's and the public file's rules. A file the asker may
not see is NotFound, never Forbidden (its existence is not revealed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from handlers.context import Context
from handlers.errors import Forbidden, Invalid, NotFound, Unsupported
from handlers.identity.auth import Principal
from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn, TrackRef
from handlers.media.audio_types import AUDIO_FORMATS, INVALID_TYPE, probe_audio, read_kind
from handlers.media.names import FILENAME_MAX, display_name
from handlers.media.quotas import max_uploads
from store.catalog_ids import path_safe_id
from store.records import AudioFile, User

__all__ = ["PendingUpload", "AudioChanges", "audio_root", "start_upload", "get_audio",
           "stream_target", "update_audio", "delete_audio", "list_audio", "stream_path",
           "remove_audio_files", "delete_owned_audio", "clear_incoming", "visible_to",
           "hidden_uploads", "upload_of_item", "is_upload_url", "uncatalogue",
           "TITLE_MAX", "DESCRIPTION_MAX", "FILENAME_MAX"]

log = logging.getLogger("chorus.media")

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
LIMIT_REACHED = "Upload limit reached: you may keep at most {n} audio files"


def audio_root(ctx: Context) -> Path:
    return ctx.config.data_path / "audio"


def stream_path(file_id: int) -> str:
    """The file's stream URL path (Range honoured)."""
    return f"/api/v1/audio/{file_id}/stream"


@dataclass
class PendingUpload:
    """An upload in progress: its slot is taken and `temp_path` receives the bytes."""

    ctx: Context
    owner_id: int
    temp_path: Path
    done: bool = field(default=False)

    async def finish(self, *, original_name: str | None, title: str | None,
                     description: str | None, is_public: bool) -> AudioFile:
        """Check the bytes, read the tags, move the file into place and record it."""
        kind = await asyncio.to_thread(read_kind, self.temp_path)
        if kind is None:
            raise Unsupported(INVALID_TYPE, code="bad_audio_type")
        probe = await asyncio.to_thread(probe_audio, self.temp_path, kind)
        ext, content_type = AUDIO_FORMATS[kind]
        name = display_name(original_name)
        chosen = (title or "").strip() or probe.tags.get("title") or name.rsplit(".", 1)[0]
        stored = f"{self.owner_id}_{secrets.token_hex(12)}.{ext}"
        target = audio_root(self.ctx) / stored
        size = (await asyncio.to_thread(self.temp_path.stat)).st_size
        await asyncio.to_thread(os.replace, self.temp_path, target)
        try:
            record = await _record(self.ctx, self.owner_id, stored_name=stored, format=kind,
                                   content_type=content_type, file_size=size,
                                   title=chosen[:TITLE_MAX] or "Untitled",
                                   description=(description or "").strip(),
                                   original_filename=name, is_public=is_public,
                                   duration=probe.duration, bitrate=probe.bitrate,
                                   sample_rate=probe.sample_rate, channels=probe.channels,
                                   tags=probe.tags)
        except BaseException:
            await asyncio.to_thread(_unlink, target)
            raise
        self.done = True
        return record


async def _catalogue(ctx: Context, record: AudioFile) -> int:
    """The file's catalog item (provider `file`, its absolute stream URL), made or renamed."""
    url = f"{ctx.config.base_url}{stream_path(record.id)}"
    tags = record.tags
    item = await ctx.store.catalog.upsert(
        "file", "audio", path_safe_id("file", url), url=url, eid=f"/fi/{url}", name=record.title,
        artist_names=[tags["artist"]] if tags.get("artist") else [],
        album_name=tags.get("album", ""), description=record.description,
        duration_ms=int(record.duration * 1000) if record.duration else None)
    return item.id


async def _record(ctx: Context, owner_id: int, **fields: object) -> AudioFile:
    """The row and its catalog item, in one unit of work."""
    async with ctx.store.transaction():
        record = await ctx.store.audio.create(owner_id=owner_id, **fields)  # type: ignore[arg-type]
        updated = await ctx.store.audio.update(record.id,
                                               catalog_id=await _catalogue(ctx, record))
    assert updated is not None
    return updated


async def clear_incoming(ctx: Context, idle_for: float = 0.0) -> int:
    """Remove what uploads cut short by a stop left in the incoming folder (at start, when no
    upload of this process is running; with `idle_for`, only files unchanged that long, as
    other processes may be writing theirs); how many files."""
    folder = audio_root(ctx) / "incoming"
    if not await asyncio.to_thread(folder.is_dir):
        return 0
    before = time.time() - idle_for

    def unfinished() -> list[Path]:
        return [p for p in folder.iterdir()
                if p.suffix == ".part" and (not idle_for or p.stat().st_mtime < before)]

    stale = await asyncio.to_thread(unfinished)
    for path in stale:
        await asyncio.to_thread(_unlink, path)
    if stale:
        log.warning("removed %d unfinished audio uploads", len(stale))
    return len(stale)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@contextlib.asynccontextmanager
async def start_upload(ctx: Context, principal: Principal) -> AsyncIterator[PendingUpload]:
    """Take an upload slot (Forbidden when none is free: checked and taken in one statement,
    so two uploads at once cannot pass the limit) and a temporary file for the bytes. Unless
    the upload finishes, the file is removed and the slot given back."""
    user_id = principal.user.id
    if not await ctx.store.quotas.reserve(user_id, ctx.config.audio_max_uploads):
        limit = await max_uploads(ctx, user_id)
        raise Forbidden(LIMIT_REACHED.format(n=limit), code="upload_limit_reached")
    temp_dir = audio_root(ctx) / "incoming"
    await asyncio.to_thread(temp_dir.mkdir, parents=True, exist_ok=True)
    pending = PendingUpload(ctx, user_id, temp_dir / f"{secrets.token_hex(16)}.part")
    try:
        yield pending
    finally:
        if not pending.done:
            await asyncio.to_thread(_unlink, pending.temp_path)
            await ctx.store.quotas.release(user_id)


def visible_to(viewer: User | None, audio: AudioFile) -> bool:
    """The visibility rule: a public file is everyone's; a private one its owner's and the
    admins'."""
    if audio.is_public:
        return True
    return viewer is not None and (viewer.id == audio.owner_id or viewer.is_admin)


def _visible(principal: Principal | None, audio: AudioFile) -> bool:
    return visible_to(principal.user if principal else None, audio)


def is_upload_url(ctx: Context, url: str) -> bool:
    """Whether `url` is the stream URL of an uploaded file (of this Chorus)."""
    return url.startswith(f"{ctx.config.base_url}/api/v1/audio/") and url.endswith("/stream")


async def hidden_uploads(ctx: Context, viewer: User | None, item_ids: list[int]) -> set[int]:
    """Which of these catalog items are uploads `viewer` may not see: private files of
    someone else, and the items of files deleted since (their stream is gone)."""
    items = await ctx.store.catalog.many(sorted(set(item_ids)))
    uploads = [i for i in items.values() if i.provider == "file" and is_upload_url(ctx, i.url)]
    files = await ctx.store.audio.by_catalog([i.id for i in uploads])
    return {i.id for i in uploads if i.id not in files or not visible_to(viewer, files[i.id])}


async def upload_of_item(ctx: Context, viewer: User | None, item_id: int) -> AudioFile | None:
    """The uploaded file behind catalog item `item_id` (None: the item is no upload).

    Raises:
        NotFound: an upload `viewer` may not see, or one deleted since.
    """
    if item_id in await hidden_uploads(ctx, viewer, [item_id]):
        raise NotFound("Audio file not found", code="audio_not_found")
    return (await ctx.store.audio.by_catalog([item_id])).get(item_id)


async def get_audio(ctx: Context, principal: Principal | None, file_id: int) -> AudioFile:
    """A file the asker may see: public, theirs, or any for an admin; else NotFound."""
    audio = await ctx.store.audio.get(file_id)
    if audio is None or not _visible(principal, audio):
        raise NotFound("Audio file not found", code="audio_not_found")
    return audio


async def stream_target(ctx: Context, principal: Principal | None, file_id: int, *,
                        from_start: bool) -> tuple[AudioFile, Path]:
    """The file to serve and its path. Reading from byte 0 is a play: counted on the file and,
    for a signed-in listener, recorded as their listen."""
    audio = await get_audio(ctx, principal, file_id)
    path = audio_root(ctx) / audio.stored_name
    if not await asyncio.to_thread(path.is_file):
        raise NotFound("Audio file not found", code="audio_not_found")
    if from_start:
        await ctx.store.audio.count_play(audio.id)
        if principal is not None and audio.catalog_id is not None:
            await _listen(ctx, principal.user.id, audio)
    return audio, path


async def _listen(ctx: Context, user_id: int, audio: AudioFile) -> None:
    """A play from the start is a listen of the listener (a file under 30 s is not a play)."""
    play = PlayIn(played_at=ctx.clock(), ms_played=int((audio.duration or 0) * 1000),
                  track=TrackRef(catalog_id=audio.catalog_id, name=audio.title),
                  source="upload")
    await record_plays(ctx, user_id, [play])


@dataclass
class AudioChanges:
    title: str | None = None
    description: str | None = None
    is_public: bool | None = None


async def _owned(ctx: Context, principal: Principal, file_id: int) -> AudioFile:
    """The asker's own file; another's is NotFound when they cannot see it, else Forbidden."""
    audio = await get_audio(ctx, principal, file_id)
    if audio.owner_id != principal.user.id and not principal.user.is_admin:
        raise Forbidden("Not enough permissions", code="not_owner")
    return audio


async def update_audio(ctx: Context, principal: Principal, file_id: int,
                       changes: AudioChanges) -> AudioFile:
    audio = await _owned(ctx, principal, file_id)
    fields: dict[str, object] = {}
    if changes.title is not None:
        title = changes.title.strip()
        if not title:
            raise Invalid("Title cannot be blank", code="title_blank")
        fields["title"] = title
    if changes.description is not None:
        fields["description"] = changes.description.strip()
    if changes.is_public is not None:
        fields["is_public"] = changes.is_public
    async with ctx.store.transaction():
        updated = await ctx.store.audio.update(audio.id, **fields)
        if updated is not None and "title" in fields:
            await _catalogue(ctx, updated)
    assert updated is not None
    return updated


async def delete_audio(ctx: Context, principal: Principal, file_id: int) -> None:
    """Delete the row, give the slot back, then remove the bytes."""
    audio = await _owned(ctx, principal, file_id)
    async with ctx.store.transaction():
        await ctx.store.audio.delete(audio.id)
        await ctx.store.quotas.release(audio.owner_id)
        await uncatalogue(ctx, [audio])
    await remove_audio_files(ctx, [audio])


async def delete_owned_audio(ctx: Context, owner_id: int) -> int:
    """Every audio file of the owner: rows and slots in one unit of work, then the bytes
    (an admin's clean-up, an account's erasure)."""
    async with ctx.store.transaction():
        deleted = await ctx.store.audio.delete_of_owner(owner_id)
        if deleted:
            await ctx.store.quotas.release(owner_id, len(deleted))
        await uncatalogue(ctx, deleted)
    await remove_audio_files(ctx, deleted)
    return len(deleted)


async def uncatalogue(ctx: Context, files: list[AudioFile]) -> None:
    """Remove the catalog items of deleted files, but the ones a listen still names (kept as
    listening history; hidden_uploads keeps them from being added or downloaded)."""
    await ctx.store.catalog.delete_unreferenced(
        [f.catalog_id for f in files if f.catalog_id is not None])


async def remove_audio_files(ctx: Context, files: list[AudioFile]) -> None:
    root = audio_root(ctx)
    for audio in files:
        await asyncio.to_thread(_unlink, root / audio.stored_name)


async def list_audio(ctx: Context, *, owner_id: int | None = None, public_only: bool = False,
                     skip: int = 0, limit: int = 100) -> tuple[list[AudioFile], int]:
    return await ctx.store.audio.list(owner_id=owner_id, public_only=public_only,
                                      offset=skip, limit=limit)
