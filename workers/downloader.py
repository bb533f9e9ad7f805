"""The "download.track" job: stream a source to `<target>.part`, fsync, rename, tag with
mutagen. A cancelled or failed download leaves no partial file behind."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from providers.sources import SourceError, open_http_audio
from store.records import Job
from workers.jobs import CancelSignal, JobError, JobHandler, ProgressReporter, RetryableError

__all__ = ["TrackDownload", "make_track_handler", "tag_file"]


class TrackDownload(msgspec.Struct, frozen=True):
    """A job's payload: where the bytes are, the final path, and the tags to write."""

    url: str
    target: str
    tags: dict[str, str] = {}
    no_source: str = ""  # why there is no url (e.g. a Spotify track: Chorus breaks no DRM)


ID3_FRAMES = {"title": "TIT2", "artist": "TPE1", "album": "TALB", "tracknumber": "TRCK",
              "date": "TDRC", "genre": "TCON"}


def tag_file(path: Path, tags: dict[str, str]) -> bool:
    """Write title/artist/album/tracknumber/date/genre where the format allows; False if it
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


def _write_chunk(handle: Any, chunk: bytes) -> None:
    handle.write(chunk)


def _finish(handle: Any, part: Path, target: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(part, target)


def make_track_handler(http: httpx.AsyncClient, *, allow_private: bool) -> JobHandler:
    """The job handler, with the HTTP client it streams through."""

    async def download(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        try:
            spec = msgspec.convert(job.payload, TrackDownload)
        except msgspec.ValidationError as exc:
            raise JobError(f"invalid download payload: {exc}") from exc
        if not spec.url:
            raise JobError(spec.no_source or "no download source for this track")
        target = Path(spec.target)
        part = target.with_name(target.name + ".part")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        handle = await asyncio.to_thread(open, part, "wb")
        started, done = time.monotonic(), 0
        try:
            async with open_http_audio(http, spec.url, allow_private=allow_private) as (
                    stream, chunks):
                async for chunk in chunks:
                    await asyncio.to_thread(_write_chunk, handle, chunk)
                    done += len(chunk)
                    elapsed = max(time.monotonic() - started, 1e-6)
                    progress.update(bytes=done, total=stream.total, speed=int(done / elapsed),
                                    percent=round(100 * done / stream.total, 1)
                                    if stream.total else None, status="downloading")
                if stream.total is not None and done != stream.total:
                    raise RetryableError(f"stream ended after {done} of {stream.total} bytes")
            await asyncio.to_thread(_finish, handle, part, target)
        except SourceError as exc:
            raise (RetryableError(exc.message) if exc.retryable else JobError(exc.message)) \
                from exc
        finally:
            if not handle.closed:
                await asyncio.to_thread(handle.close)
            if part.exists():
                await asyncio.to_thread(part.unlink)
        tagged = await asyncio.to_thread(tag_file, target, spec.tags)
        progress.update(bytes=done, percent=100.0, status="done")
        return {"file_path": str(target), "bytes": done, "tagged": tagged}

    return download
