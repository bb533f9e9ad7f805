"""The "listening.import" job across a stop: the process stops mid-import, the upload stays,
and the next start resumes after the rows already read (not from the start)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from handlers.listening import imports
from handlers.listening.imports import IMPORT_BATCH, import_export
from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn
from handlers.listening.spotify_export import read_plays
from tests.conftest import ctx_of, stored_job
from tests.handlers.listening.import_helpers import distinct_plays, ended_job, export_zip, upload
from tests.handlers.social.helpers import register_member
from tests.waiting import TIMEOUT, until

ROWS = 3 * IMPORT_BATCH + 500


async def test_a_stopped_import_resumes_where_it_stopped(make_client, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    export = export_zip(tmp_path, ROWS)
    client = await make_client(data_dir=data_dir)
    alice = await register_member(client, "alice")
    one_batch_stored = asyncio.Event()

    async def stall_after_one_batch(ctx: Any, user_id: int, plays: list[PlayIn]) -> Any:
        if one_batch_stored.is_set():
            await asyncio.Event().wait()  # the process stops here
        result = await record_plays(ctx, user_id, plays)
        one_batch_stored.set()
        return result

    monkeypatch.setattr(imports, "record_plays", stall_after_one_batch)
    started = await (await upload(client, alice.auth, export.read_bytes())).json()
    await asyncio.wait_for(one_batch_stored.wait(), TIMEOUT)
    jobs = ctx_of(client).jobs

    async def first_batch_kept() -> Any:
        job = await jobs.get(started["job_id"])
        return job if job.progress["items_processed"] > 0 else None

    read_before = (await until(first_batch_kept)).progress["items_processed"]
    await client.close()

    stopped = await stored_job(data_dir, started["job_id"])
    assert stopped.status == "queued" and stopped.progress["items_processed"] == read_before
    upload_file = Path(stopped.payload["path"])
    assert upload_file.exists()  # kept for the next start

    handed_in: list[int] = []

    async def counting(ctx: Any, user_id: int, plays: list[PlayIn]) -> Any:
        handed_in.append(len(plays))
        return await record_plays(ctx, user_id, plays)

    monkeypatch.setattr(imports, "record_plays", counting)
    client = await make_client(data_dir=data_dir)
    job = await ended_job(ctx_of(client).jobs, started["job_id"])
    assert job.status == "completed" and job.progress["items_processed"] == ROWS
    all_plays = sum(len(batch) for batch in read_plays(export))
    assert 0 < sum(handed_in) < all_plays  # the rows read before the stop were not read again
    resp = await client.get("/api/v1/history", headers=alice.auth)
    assert (await resp.json())["total"] == distinct_plays(export) == job.result["added"]
    assert not upload_file.exists()


async def test_import_export_reports_after_each_batch_and_resumes_from_a_tally(client, tmp_path):
    ctx = ctx_of(client)
    alice = await register_member(client, "alice")
    export = export_zip(tmp_path, ROWS, files=1)
    seen: list[int] = []
    whole = await import_export(ctx, alice.id, export, report=lambda t: seen.append(t.rows))
    assert len(seen) >= 3 and seen == sorted(seen) and whole.rows == ROWS
    assert whole.added == distinct_plays(export)
    assert whole.added + whole.duplicates + whole.dropped == ROWS
    half = await import_export(ctx, alice.id, export, start=imports.ImportTally(rows=ROWS - 100))
    assert half.rows == ROWS and half.added == 0 and half.duplicates + half.dropped == 100
