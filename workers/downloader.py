"""The "download.track" job: stream a source to `<target>.part`, fsync, rename, tag with
mutagen. A cancelled or failed download leaves no partial file behind.

The payload (workers.payloads.TrackDownload) says where the bytes are (located sources, tried
in order) and where they go (`target`, already named by the filename template and checked to
stay inside the download folder by handlers.downloads). A target that already exists is
not fetched again: the job ends skipped. Progress reports bytes, total, percent and speed (bytes per second).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp

from providers.sources import SourceError, SourceSpec, open_source
from store.records import Job
from workers.jobs import (
    CancelSignal,
    JobError,
    JobHandler,
    ProgressReporter,
    RetryableError,
    SkipJob,
)
from workers.payloads import TrackDownload, payload_of

__all__ = ["make_track_handler", "tag_file", "ID3_FRAMES"]

log = logging.getLogger("chorus.downloads")

FLUSH_BYTES = 1024 * 1024  # chunks are gathered and written off the event loop this often

ID3_FRAMES = {"title": "TIT2", "artist": "TPE1", "album": "TALB", "albumartist": "TPE2",
              "tracknumber": "TRCK", "discnumber": "TPOS", "date": "TDRC", "genre": "TCON",
              "isrc": "TSRC"}


def tag_file(path: Path, tags: dict[str, str]) -> bool:
    """Write the ID3_FRAMES fields that are given, where the format allows; False if mutagen
    does not know the file's format. Formats without an "easy" mapping (ID3 inside WAV or
    AIFF) get the ID3 frames themselves."""
    import mutagen
    from mutagen import id3

    audio = mutagen.File(path, easy=True)
    if audio is None:
        return False
    if audio.tags is None:
        audio.add_tags()
    wanted = {k: str(v) for k, v in tags.items() if k in ID3_FRAMES and v}
    for key, value in wanted.items():
        if isinstance(audio.tags, id3.ID3):
            audio.tags.add(getattr(id3, ID3_FRAMES[key])(encoding=3, text=[value]))
        else:
            audio[key] = [value]
    audio.save()
    return True


def _prepare(target: Path, part: Path) -> BinaryIO | None:
    """The open `.part` file, or None when the target exists already."""
    if target.exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    return open(part, "wb")


def _finish(handle: BinaryIO, part: Path, target: Path, tags: dict[str, str]) -> bool:
    """fsync, rename, tag (whether it could); a file mutagen cannot parse keeps its bytes."""
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(part, target)
    try:
        return tag_file(target, tags)
    except Exception as exc:
        log.warning("%s not tagged: %s", target.name, exc)
        return False


def _discard(handle: BinaryIO, part: Path) -> None:
    if not handle.closed:
        handle.close()
    part.unlink(missing_ok=True)


class _TargetLocks:
    """One download per target path at a time in this process (an album and a single track
    may name the same file)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, target: Path) -> AsyncIterator[None]:
        key = str(target)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class _Fetch:
    """One attempt at one source: stream into the open `.part` file, reporting progress.
    Chunks are written off the event loop, FLUSH_BYTES at a time."""

    def __init__(self, progress: ProgressReporter) -> None:
        self.progress = progress
        self.started = time.monotonic()
        self.done = 0

    def report(self, total: int | None) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        percent = round(min(100.0, 100 * self.done / total), 1) if total else None
        self.progress.update(bytes=self.done, total=total, percent=percent,
                             speed=int(self.done / elapsed), status="downloading")

    async def run(self, http: aiohttp.ClientSession, spec: SourceSpec, handle: BinaryIO, *,
                  allow_private: bool, timeout: float) -> int:
        async with open_source(spec, http, allow_private=allow_private, timeout=timeout) as (
                stream, chunks):
            pending: list[bytes] = []
            size = 0
            async for chunk in chunks:
                pending.append(chunk)
                size += len(chunk)
                self.done += len(chunk)
                if size >= FLUSH_BYTES:
                    await asyncio.to_thread(handle.writelines, pending)
                    pending, size = [], 0
                self.report(stream.total)
            if pending:
                await asyncio.to_thread(handle.writelines, pending)
            if stream.total is not None and self.done != stream.total:
                raise SourceError(f"the stream ended after {self.done} of {stream.total} bytes",
                                  retryable=True)
        return self.done


def _failure(errors: list[SourceError]) -> JobError:
    message = "; ".join(e.message for e in errors)
    return RetryableError(message) if any(e.retryable for e in errors) else JobError(message)


def make_track_handler(http: aiohttp.ClientSession, *, allow_private: bool,
                       read_timeout: float = 30.0) -> JobHandler:
    """The job handler, with the HTTP client it streams through; `read_timeout` bounds the
    connection and each read, so a stalled stream fails (and is retried)."""
    locks = _TargetLocks()

    async def fetch_one(spec: SourceSpec, handle: BinaryIO,
                        progress: ProgressReporter) -> int:
        try:
            return await _Fetch(progress).run(http, spec, handle, allow_private=allow_private,
                                              timeout=read_timeout)
        except BaseException:
            handle.seek(0)
            handle.truncate()  # the next source starts from nothing
            raise

    async def download(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        spec = payload_of(job, TrackDownload)
        candidates = spec.candidates()
        if not candidates:
            raise JobError(spec.no_source or "no download source for this track")
        target = Path(spec.target)
        part = target.with_name(target.name + ".part")
        async with locks.hold(target):
            handle = await asyncio.to_thread(_prepare, target, part)
            if handle is None:
                progress.update(status="skipped", file_path=str(target))
                raise SkipJob(f"already downloaded: {target.name}")
            try:
                errors: list[SourceError] = []
                for source in candidates:
                    try:
                        done = await fetch_one(source, handle, progress)
                        break
                    except SourceError as exc:
                        errors.append(exc)
                else:
                    raise _failure(errors)
                tagged = await asyncio.to_thread(_finish, handle, part, target, spec.tags)
            finally:
                # cancelled, failed or a short stream: nothing partial stays behind (two
                # quick syscalls, done here so that a cancel cannot interrupt them)
                _discard(handle, part)
        progress.update(bytes=done, total=done, percent=100.0, status="done",
                        file_path=str(target))
        return {"file_path": str(target), "bytes": done, "tagged": tagged,
                "source": source.source or source.kind}

    return download
