"""Exports to import and the plays they hold, an upload over HTTP, and waiting for an import
job to end: shared by the import tests (HTTP, job restarts, command line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import FormData

from bench.listening_data import write_extended_zip
from handlers.listening.spotify_export import read_plays
from store.records import Job
from tests.waiting import until

__all__ = ["export_zip", "distinct_plays", "upload", "ended_job", "IMPORT_PATH"]

IMPORT_PATH = "/api/v1/history/import"


def export_zip(folder: Path, rows: int, *, files: int = 2, seed: int = 0) -> Path:
    """A zip shaped like Spotify's delivery with `rows` extended-history rows."""
    return write_extended_zip(folder / f"my_spotify_data_{seed}.zip", rows, files=files, seed=seed)


def distinct_plays(path: Path) -> int:
    """How many listens the export is: its plays, one per (played_at, track)."""
    return len({(p.played_at, p.track.spotify_uri) for batch in read_plays(path) for p in batch})


async def upload(client: Any, headers: dict[str, str], data: bytes,
                 filename: str = "my_spotify_data.zip") -> Any:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return await client.post(IMPORT_PATH, data=form, headers=headers)


async def ended_job(jobs: Any, job_id: str) -> Job:
    """The job once it has ended (any terminal status)."""
    async def ended() -> Job | None:
        job = await jobs.get(job_id)
        return job if job is not None and job.status not in ("queued", "running") else None

    return await until(ended, failure=f"import job {job_id} did not end")
