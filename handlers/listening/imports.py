"""Importing a Spotify export: an uploaded file checked and counted at once, then read into
listens by the durable job "listening.import"; the same read for the command line.

The job reads the export in batches one batch ahead (in a worker thread, or for a large export
in a child process: handlers.listening.export_child), stores each batch with
`record_plays` (which keeps the rollups current) and reports `items_processed` (rows read)
against `items_total` (rows counted), with steps. The rows read are kept in the job's
progress: a job interrupted by a stop resumes there (`skip_rows`); a batch read twice adds
nothing (a listen is unique on user, played_at, track). The uploaded file is removed when the
job ends (completed, failed or cancelled), kept across a restart. Import jobs run one at a
time: a second one waits, queued ("pending").
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import NotFound, Unavailable
from handlers.listening.export_child import read_in_child
from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn
from handlers.listening.spotify_export import ExportError, ReadStats, count_rows, read_plays, sniff
from store.records import Job, JobStatus
from workers.jobs import CancelSignal, JobError, JobHandler, JobSubmitter, ProgressReporter
from workers.payloads import payload_of

__all__ = ["IMPORT_KIND", "IMPORT_BATCH", "CHILD_READ_BYTES", "STALE_AFTER", "ImportJob",
           "ImportStarted", "ImportTally", "ImportView", "upload_dir", "new_upload_path",
           "start_import", "import_job", "import_export", "make_import_handler"]

IMPORT_KIND = "listening.import"
IMPORT_BATCH = 1000
# an export this large is read in a child process (handlers.listening.export_child): starting
# one costs a few hundred milliseconds, reading a 12 MB export file here about two seconds
CHILD_READ_BYTES = 4 * 1000 * 1000
UPLOADS = "imports"  # under the data dir
STALE_AFTER = 3600.0  # seconds: an upload file no job wants, untouched this long, is removed


class ImportJob(msgspec.Struct, frozen=True, kw_only=True):
    """The payload of a "listening.import" job: whose, the uploaded file, its name as sent, and
    its row count."""

    user_id: int
    path: str
    filename: str
    total: int


class ImportStarted(msgspec.Struct, frozen=True, kw_only=True):
    """EchoStats' answer to an upload."""

    job_id: str
    status: str
    items_processed: int
    items_total: int


class ImportTally(msgspec.Struct, kw_only=True):
    """What an import did so far: rows read, listens added, plays repeating a listen (or a row
    of the same file), and rows dropped by a rule (short, incognito, not music, unreadable)."""

    rows: int = 0
    added: int = 0
    duplicates: int = 0
    dropped: int = 0


class ImportView(msgspec.Struct, frozen=True, kw_only=True):
    """An import job as its owner sees it."""

    job_id: str
    status: str
    items_processed: int
    items_total: int
    tally: ImportTally
    error: str | None


def upload_dir(ctx: Context) -> Path:
    """Where uploads wait for their import job (created on demand)."""
    path = ctx.config.data_path / UPLOADS
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_upload_path(ctx: Context) -> Path:
    """A fresh file name in the upload folder for one upload."""
    return upload_dir(ctx) / f"{uuid.uuid4().hex}.upload"


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def _sweep(ctx: Context, jobs: JobSubmitter) -> None:
    """Remove uploads no job will read: those of jobs cancelled while queued (their handler
    never ran), or of a process stopped between upload and submit. An upload under way is
    recent: only files untouched for STALE_AFTER seconds go."""
    page = await jobs.list(kinds=[IMPORT_KIND], statuses=["queued", "running"], limit=1000)
    wanted = {str(job.payload.get("path")) for job in page.jobs}
    before = ctx.clock() - STALE_AFTER
    for path in upload_dir(ctx).glob("*.upload"):
        with contextlib.suppress(FileNotFoundError):
            if str(path) not in wanted and path.stat().st_mtime < before:
                path.unlink()


def _count(path: Path) -> int:
    sniff(path)  # ExportError: not an export
    return count_rows(path)


async def start_import(ctx: Context, user_id: int, upload: Path, filename: str) -> ImportStarted:
    """Check the uploaded export (ExportError when it is not one: the file is removed and
    nothing is imported), count its rows and queue its import; takes ownership of `upload`."""
    try:
        if ctx.jobs is None:
            raise Unavailable("Jobs are not running", code="jobs_unavailable")
        await _sweep(ctx, ctx.jobs)
        total = await asyncio.to_thread(_count, upload)
        payload = ImportJob(user_id=user_id, path=str(upload), filename=filename, total=total)
        submitted = await ctx.jobs.submit(
            IMPORT_KIND, payload, owner_id=user_id,
            progress=_progress(ImportTally(), total, "queued"))
    except BaseException:
        _remove(upload)
        raise
    return ImportStarted(job_id=submitted.job.id, status="pending", items_processed=0,
                         items_total=total)


async def import_job(ctx: Context, user_id: int, job_id: str) -> ImportView:
    """The user's import job `job_id`; NotFound when there is none (or it is someone else's)."""
    job = await ctx.jobs.get(job_id) if ctx.jobs is not None else None
    if job is None or job.kind != IMPORT_KIND or job.owner_id != user_id:
        raise NotFound("Import job not found", code="job_not_found")
    tally = msgspec.convert(job.progress.get("tally", {}), ImportTally)
    status = {JobStatus.QUEUED: "pending"}.get(JobStatus(job.status), str(job.status))
    return ImportView(job_id=job.id, status=status, items_processed=tally.rows,
                      items_total=int(job.progress.get("items_total", 0)), tally=tally,
                      error=job.error)


def _steps(tally: ImportTally, total: int, state: str) -> list[dict[str, Any]]:
    """EchoStats' sync-job steps: the count (done with the upload), then the read."""
    return [
        {"action": "count_rows", "status": "completed", "detail": f"Counted {total} rows",
         "items": total, "error": None},
        {"action": "import", "status": state,
         "detail": f"Read {tally.rows} of {total} rows: {tally.added} listens added, "
                   f"{tally.duplicates} duplicates, {tally.dropped} dropped",
         "items": tally.rows, "error": None},
    ]


def _progress(tally: ImportTally, total: int, state: str) -> dict[str, Any]:
    return {"step": "import", "items_processed": tally.rows, "items_total": total,
            "tally": msgspec.to_builtins(tally), "steps": _steps(tally, total, state)}


def _batches(path: Path, stats: ReadStats, skip_rows: int, batch: int, child_from: int
             ) -> Generator[list[PlayIn], None, None]:
    """The export's batches: read in a child process from `child_from` bytes on, else here."""
    if path.stat().st_size >= child_from:
        yield from read_in_child(path, batch=batch, stats=stats, skip_rows=skip_rows)
    else:
        yield from read_plays(path, batch=batch, stats=stats, skip_rows=skip_rows)


def _read_next(batches: Generator[list[PlayIn], None, None], stats: ReadStats
               ) -> tuple[list[PlayIn] | None, ReadStats]:
    """The next batch (None at the end) and the read's counts just after it: the read goes on
    while the batch is stored, and a tally must count only the rows of the batches stored."""
    plays = next(batches, None)
    return plays, msgspec.structs.replace(stats)


async def import_export(ctx: Context, user_id: int, path: Path, *, start: ImportTally | None = None,
                        report: Callable[[ImportTally], None] = lambda tally: None,
                        batch: int = IMPORT_BATCH, child_from: int = CHILD_READ_BYTES
                        ) -> ImportTally:
    """Read the export at `path` into the user's listens, `batch` plays at a time (the reading
    one batch ahead of the storing: in a child process for a file of `child_from` bytes or
    more, else in a worker thread), resuming after `start.rows` rows;
    `report` hears the tally after each batch stored. ExportError when the file turns out
    malformed (the batches before it stay)."""
    base = start or ImportTally()
    stats = ReadStats()
    added = duplicates = record_dropped = 0
    batches = _batches(path, stats, base.rows, batch, child_from)
    reading: asyncio.Future[tuple[list[PlayIn] | None, ReadStats]] | None = None
    try:
        reading = asyncio.ensure_future(asyncio.to_thread(_read_next, batches, stats))
        while True:
            # shielded: a cancel stops the import, never a read under way in the thread
            plays, read = await asyncio.shield(reading)
            if plays is None:
                break
            # the next batch is read while this one is stored (SQLite lets go of the GIL)
            reading = asyncio.ensure_future(asyncio.to_thread(_read_next, batches, stats))
            result = await record_plays(ctx, user_id, plays)
            added += result.inserted
            duplicates += result.duplicates
            record_dropped += result.dropped
            report(_tally(base, read, added, duplicates, record_dropped))
    finally:
        if reading is not None and not reading.done():
            with contextlib.suppress(Exception):
                await reading
        batches.close()  # the export file
    tally = _tally(base, stats, added, duplicates, record_dropped)
    tally.rows = max(tally.rows, base.rows)
    return tally


def _tally(base: ImportTally, stats: ReadStats, added: int, duplicates: int,
           record_dropped: int) -> ImportTally:
    rules = stats.unreadable + stats.incognito + stats.not_music + stats.short
    return ImportTally(rows=stats.rows, added=base.added + added,
                       duplicates=base.duplicates + stats.duplicates + duplicates,
                       dropped=base.dropped + rules + record_dropped)


def make_import_handler(ctx: Context) -> JobHandler:
    """The job handler of "listening.import" (hub.app registers it)."""

    async def handle(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        request = payload_of(job, ImportJob, "import")
        path, total = Path(request.path), request.total
        tally = msgspec.convert(progress.data.get("tally", {}), ImportTally)
        ended = "failed"

        def report(now: ImportTally) -> None:
            nonlocal tally
            tally = now
            progress.update(**_progress(now, total, "running"))

        try:
            if not path.exists():
                raise JobError("The uploaded file is gone; upload the export again")
            report(tally)
            try:
                tally = await import_export(ctx, request.user_id, path, start=tally, report=report)
            except ExportError as exc:
                raise JobError(str(exc)) from exc
            ended = "completed"
            return msgspec.to_builtins(tally)
        except asyncio.CancelledError:
            ended = "cancelled" if cancel.is_set() else ""  # a stop: resumed at the next start
            raise
        finally:
            if ended:
                progress.update(**_progress(tally, total, ended))
                _remove(path)

    return handle
