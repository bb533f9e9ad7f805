"""EchoStats' `POST /api/v1/history/import` over HTTP: the answer at once, the job that
imports, its pushes, history and overview after it; refused files change nothing; the size
limit; sign-in; one import at a time; each user's jobs their own."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from handlers.errors import NotFound
from handlers.listening.imports import IMPORT_KIND, STALE_AFTER, import_job
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.echostats.helpers import fields_of
from tests.handlers.listening.import_helpers import (
    IMPORT_PATH,
    distinct_plays,
    ended_job,
    export_zip,
    upload,
)
from tests.handlers.social.helpers import register_member

ROWS = 600


def uploads(client: Any) -> list[Path]:
    """The uploaded files waiting for a job."""
    folder = ctx_of(client).config.data_path / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


async def history_total(client: Any, auth: dict[str, str]) -> int:
    resp = await client.get("/api/v1/history", headers=auth)
    assert resp.status == 200
    return int((await resp.json())["total"])


async def test_an_upload_answers_at_once_and_its_job_imports_the_listens(client, tmp_path):
    alice = await register_member(client, "alice")
    export = export_zip(tmp_path, ROWS)
    live = await RawCentrifuge.open(client, alice.token, cookies=False)
    resp = await upload(client, alice.auth, export.read_bytes())
    assert resp.status == 200, await resp.text()
    started = await resp.json()
    assert started == {"job_id": started["job_id"], "status": "pending", "items_processed": 0,
                       "items_total": ROWS}
    job = await ended_job(ctx_of(client).jobs, started["job_id"])
    assert job.status == "completed" and job.kind == IMPORT_KIND and job.owner_id == alice.id
    expected = distinct_plays(export)
    assert job.result == {"rows": ROWS, "added": expected, "duplicates": job.result["duplicates"],
                          "dropped": ROWS - expected - job.result["duplicates"]}
    assert (job.progress["items_processed"], job.progress["items_total"]) == (ROWS, ROWS)
    assert [s["action"] for s in job.progress["steps"]] == ["count_rows", "import"]
    assert job.progress["steps"][1]["status"] == "completed"
    assert uploads(client) == []  # the file is removed when the job ends
    assert await history_total(client, alice.auth) == expected
    overview = await (await client.get("/api/v1/analytics/overview", headers=alice.auth)).json()
    assert overview["total_tracks_played"] == expected  # the rollups are current
    # the owner hears the job's progress and its end on user:#<id>
    while (push := (await live.next_push(f"user:#{alice.id}"))["pub"]["data"])["type"] != "job" \
            or push["job"]["status"] != "completed":
        pass
    assert push["job"]["id"] == started["job_id"] and push["job"]["result"]["added"] == expected
    await live.close()

    again = await (await upload(client, alice.auth, export.read_bytes())).json()
    job = await ended_job(ctx_of(client).jobs, again["job_id"])
    assert job.status == "completed" and job.result["added"] == 0
    assert await history_total(client, alice.auth) == expected


ZIP = b"PK\x03\x04"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty (0 bytes)"),
    (json.dumps({"items": [{"ts": "2024-01-01T00:00:00Z"}]}).encode(), "not a Spotify streaming"),
    (json.dumps([{"played": "2024-01-01", "track": "x"}]).encode(), "its rows have the keys"),
    (b'[{"ts": "2024-01-01T00:00:00Z", "ms_played": 60000', "not a Spotify streaming"),
    ("truncated zip", "damaged or truncated zip"),
])
async def test_a_file_that_is_not_an_export_is_refused_and_nothing_is_imported(
        client, tmp_path, data, message):
    alice = await register_member(client, "alice")
    if data == "truncated zip":
        whole = export_zip(tmp_path, 200).read_bytes()
        data = whole[: len(whole) // 2]
    resp = await upload(client, alice.auth, data)
    assert resp.status == 422, await resp.text()
    [(loc, msg, kind)] = fields_of(await resp.json())
    assert loc == ("body", "file") and message in msg and kind == "value_error.spotify_export"
    assert (await ctx_of(client).jobs.list(owner_id=alice.id)).total == 0
    assert uploads(client) == []
    assert await history_total(client, alice.auth) == 0


async def test_an_upload_over_the_limit_is_refused_with_413(make_client, tmp_path):
    client = await make_client(import_max_bytes=4096)
    alice = await register_member(client, "alice")
    export = export_zip(tmp_path, 300)
    assert export.stat().st_size > 4096
    resp = await upload(client, alice.auth, export.read_bytes())
    assert resp.status == 413
    assert await resp.json() == {"detail": "File too large. Maximum size is 4096 bytes"}
    assert uploads(client) == [] and (await ctx_of(client).jobs.list(owner_id=alice.id)).total == 0


async def test_a_request_without_the_file_field_is_a_422(client):
    alice = await register_member(client, "alice")
    resp = await client.post(IMPORT_PATH, data={"other": "x"}, headers=alice.auth)
    assert resp.status == 422
    assert fields_of(await resp.json()) == [(("body", "file"), "Field required", "missing")]


async def test_sign_in_is_required(client, tmp_path):
    resp = await upload(client, {}, export_zip(tmp_path, 50).read_bytes())
    assert resp.status == 401
    assert await resp.json() == {"detail": "Not authenticated"}
    assert uploads(client) == []


async def test_imports_run_one_at_a_time_the_next_one_waits_pending(client, tmp_path):
    alice = await register_member(client, "alice")
    jobs = ctx_of(client).jobs
    jobs.set_concurrency(IMPORT_KIND, 0)  # hold the first one in the queue
    first = await (await upload(client, alice.auth, export_zip(tmp_path, 100).read_bytes())).json()
    second = await (await upload(client, alice.auth,
                                 export_zip(tmp_path, 100, seed=1).read_bytes())).json()
    assert first["status"] == second["status"] == "pending"
    assert (await import_job(ctx_of(client), alice.id, second["job_id"])).status == "pending"
    assert len(uploads(client)) == 2
    jobs.set_concurrency(IMPORT_KIND, 1)
    assert jobs.concurrency(IMPORT_KIND) == 1
    for started in (first, second):
        assert (await ended_job(jobs, started["job_id"])).status == "completed"
    assert uploads(client) == []


async def test_a_user_cannot_see_another_users_import_job(client, tmp_path):
    alice, bob = await register_member(client, "alice"), await register_member(client, "bob")
    started = await (await upload(client, alice.auth, export_zip(tmp_path, 100).read_bytes())).json()
    await ended_job(ctx_of(client).jobs, started["job_id"])
    mine = await import_job(ctx_of(client), alice.id, started["job_id"])
    assert mine.status == "completed" and mine.items_processed == mine.items_total == 100
    with pytest.raises(NotFound):
        await import_job(ctx_of(client), bob.id, started["job_id"])
    assert await history_total(client, bob.auth) == 0


async def test_the_upload_of_an_import_cancelled_before_it_ran_is_swept(client, tmp_path):
    alice = await register_member(client, "alice")
    jobs = ctx_of(client).jobs
    jobs.set_concurrency(IMPORT_KIND, 0)
    started = await (await upload(client, alice.auth, export_zip(tmp_path, 100).read_bytes())).json()
    assert len(uploads(client)) == 1
    assert (await jobs.cancel(started["job_id"])).status == "cancelled"  # never ran
    [left] = uploads(client)
    hour_ago = time.time() - STALE_AFTER - 1
    os.utime(left, (hour_ago, hour_ago))
    waiting = await (await upload(client, alice.auth, export_zip(tmp_path, 100).read_bytes())).json()
    [kept] = uploads(client)  # the next upload sweeps the one no job wants
    assert kept != left and kept.exists()
    os.utime(kept, (hour_ago, hour_ago))
    await upload(client, alice.auth, export_zip(tmp_path, 100).read_bytes())
    assert kept.exists()  # a queued job's upload stays, however old
    jobs.set_concurrency(IMPORT_KIND, 1)
    assert (await ended_job(jobs, waiting["job_id"])).status == "completed"
