"""EchoStats' /api/v1/sync-jobs over HTTP against the fake Spotify: a sync pulls the linked
account's recently-played into listens (started at played_at - duration, no duplicates, the
cursor advancing), trigger / already_running / not linked, the listing's filters, 422s and
stats, each user seeing only their own jobs, and the periodic tick."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from handlers.listening.rollups import start_rollup_build
from handlers.listening.sync import SPOTIFY_SYNC_KIND, queue_spotify_syncs
from tests.fakes.spotify import fail_next, state_of
from tests.fakes.spotify_data import BOHEMIAN, DIGITAL_LOVE, ONE_MORE_TIME
from tests.fakes.spotify_me import finish_plays
from tests.handlers.api.echostats.helpers import fields_of, person, start_chorus
from tests.waiting import until

RECENT = "/v1/me/player/recently-played"


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@pytest.fixture
async def chorus(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_chorus(make_client, aiohttp_server, spotify_sync_interval=0)


@pytest.fixture
async def ada(chorus: Any) -> Any:
    """Ada, linked to Spotify "ada-sp", who finished two tracks."""
    ada = await person(chorus, "ada", spotify_id="ada-sp")
    finish_plays(chorus.spotify, "ada-sp", [(ONE_MORE_TIME, "2025-01-15T14:00:00Z"),
                                            (BOHEMIAN, "2025-01-15T14:10:00Z")])
    return ada


async def finished(chorus: Any, job_id: str) -> Any:
    async def done() -> Any:
        job = await chorus.ctx.jobs.get(job_id)
        return job if job.status in ("completed", "failed") else None
    return await until(done)


async def trigger(chorus: Any, who: Any) -> dict[str, Any]:
    resp = await chorus.client.post("/api/v1/sync-jobs/trigger", headers=who.headers)
    assert resp.status == 200
    return await resp.json()


async def listing(chorus: Any, who: Any, **params: Any) -> Any:
    return await chorus.client.get("/api/v1/sync-jobs", params=params, headers=who.headers)


async def test_a_sync_stores_recently_played_as_listens_from_their_start(chorus, ada):
    started = await trigger(chorus, ada)
    assert started["status"] == "started" and started["message"] == "Sync job started"
    job = await finished(chorus, started["job_id"])
    assert job.status == "completed"
    listens, total = await chorus.ctx.store.listens.page(ada.user_id)
    assert total == 2
    tracks = await chorus.ctx.store.catalog.many([x.track_id for x in listens])
    # played_at is when Spotify says the play ended: a listen starts duration_ms earlier
    assert [(tracks[x.track_id].provider_id, x.played_at, x.ms_played, x.source)
            for x in listens] == [
        (BOHEMIAN, epoch("2025-01-15T14:10:00Z") - 354.32, 354320, "spotify_sync"),
        (ONE_MORE_TIME, epoch("2025-01-15T14:00:00Z") - 320.357, 320357, "spotify_sync")]


async def test_a_second_sync_asks_after_the_cursor_and_adds_only_new_plays(chorus, ada):
    await finished(chorus, (await trigger(chorus, ada))["job_id"])
    assert state_of(chorus.spotify).calls_to(RECENT)[-1] == f"GET {RECENT}?limit=50"
    finish_plays(chorus.spotify, "ada-sp", [(DIGITAL_LOVE, "2025-01-15T14:20:00Z")])
    job = await finished(chorus, (await trigger(chorus, ada))["job_id"])
    cursor = int(epoch("2025-01-15T14:10:00Z") * 1000)
    assert state_of(chorus.spotify).calls_to(RECENT)[-1] == \
        f"GET {RECENT}?limit=50&after={cursor}"
    assert job.result["inserted"] == 1
    assert job.result["cursor_ms"] == int(epoch("2025-01-15T14:20:00Z") * 1000)
    assert await chorus.ctx.store.listens.count(ada.user_id) == 3
    # the same plays again (Spotify ignoring the cursor) are no new listens
    state_of(chorus.spotify).played["ada-sp"].append((BOHEMIAN, "2025-01-15T14:30:00Z"))
    third = await finished(chorus, (await trigger(chorus, ada))["job_id"])
    assert third.result["inserted"] == 1 and third.result["duplicates"] == 0
    assert await chorus.ctx.store.listens.count(ada.user_id) == 4


async def test_the_listing_shows_steps_types_and_times(chorus, ada):
    first = (await trigger(chorus, ada))["job_id"]
    await finished(chorus, first)
    second = (await trigger(chorus, ada))["job_id"]
    await finished(chorus, second)
    body = await (await listing(chorus, ada)).json()
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    newest, oldest = body["items"]
    assert (newest["id"], newest["job_type"], oldest["id"], oldest["job_type"]) == \
        (second, "periodic", first, "initial")
    assert oldest["status"] == "completed" and oldest["error_message"] is None
    assert (oldest["items_processed"], oldest["items_total"]) == (2, 2)
    assert oldest["created_at"].endswith("Z") and oldest["completed_at"].endswith("Z")
    assert oldest["steps"][0] == {"action": "recently_played", "status": "completed",
                                  "detail": "Fetched 2 recent tracks, 2 new", "items": 2,
                                  "error": None}
    assert [(s["action"], s["status"]) for s in oldest["steps"][1:]] == [
        ("audio_features", "skipped"), ("playlists", "skipped"), ("top_items", "skipped"),
        ("analytics_refresh", "skipped")]
    assert "audio-features" in oldest["steps"][1]["detail"]
    initial = await (await listing(chorus, ada, job_type="initial")).json()
    assert [j["id"] for j in initial["items"]] == [first]
    periodic = await (await listing(chorus, ada, job_type="periodic", limit=1)).json()
    assert [j["id"] for j in periodic["items"]] == [second] and periodic["total"] == 1
    paged = await (await listing(chorus, ada, limit=1, page=2)).json()
    assert [j["id"] for j in paged["items"]] == [first] and paged["pages"] == 2
    stats = await (await chorus.client.get("/api/v1/sync-jobs/stats",
                                           headers=ada.headers)).json()
    assert {k: v for k, v in stats.items() if k != "last_sync_at"} == {
        "total_jobs": 2, "completed": 2, "failed": 0, "running": 0, "total_items_synced": 2}
    assert stats["last_sync_at"].endswith("Z")


async def test_a_refused_call_fails_the_job_with_the_step_saying_so(chorus, ada):
    fail_next(chorus.spotify, 403)
    job = await finished(chorus, (await trigger(chorus, ada))["job_id"])
    assert job.status == "failed"
    body = await (await listing(chorus, ada, status="failed")).json()
    assert body["total"] == 1 and body["items"][0]["error_message"]
    assert body["items"][0]["steps"][0]["status"] == "failed"
    assert (await (await listing(chorus, ada, status="completed")).json())["total"] == 0
    assert await chorus.ctx.store.listens.count(ada.user_id) == 0


async def test_a_second_trigger_while_one_waits_is_already_running(chorus, ada):
    chorus.ctx.jobs.set_concurrency(SPOTIFY_SYNC_KIND, 0)
    first, again = await trigger(chorus, ada), await trigger(chorus, ada)
    assert again == {"status": "already_running", "job_id": first["job_id"],
                     "message": "A sync is already in progress"}
    body = await (await listing(chorus, ada, status="pending")).json()
    assert [(j["id"], j["status"]) for j in body["items"]] == [(first["job_id"], "pending")]


async def test_trigger_without_a_linked_spotify_account_is_409(chorus):
    bob = await person(chorus, "bob")
    resp = await chorus.client.post("/api/v1/sync-jobs/trigger", headers=bob.headers)
    assert resp.status == 409 and "Spotify" in (await resp.json())["detail"]
    assert (await chorus.ctx.store.jobs.list(owner_id=bob.user_id)).total == 0


async def test_each_user_sees_only_their_own_jobs(chorus, ada):
    bob = await person(chorus, "bob")
    build = await start_rollup_build(chorus.ctx, bob.user_id)
    await finished(chorus, build.job_id)
    await finished(chorus, (await trigger(chorus, ada))["job_id"])
    bobs = await (await listing(chorus, bob)).json()
    assert [(j["id"], j["job_type"]) for j in bobs["items"]] == [(build.job_id, "rollup_build")]
    adas = await (await listing(chorus, ada, job_type="rollup_build")).json()
    assert adas == {"items": [], "total": 0, "page": 1, "pages": 0}
    stats = await (await chorus.client.get("/api/v1/sync-jobs/stats",
                                           headers=bob.headers)).json()
    assert stats == {"total_jobs": 1, "completed": 1, "failed": 0, "running": 0,
                     "total_items_synced": 0, "last_sync_at": None}


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "done"}, "status"), ({"job_type": "weekly"}, "job_type"),
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"page": "0"}, "page")])
async def test_bad_filters_are_422(chorus, ada, params, field):
    resp = await listing(chorus, ada, **params)
    assert resp.status == 422
    assert [f[0] for f in fields_of(await resp.json())] == [("query", field)]


async def test_the_listing_needs_a_user(chorus):
    assert (await chorus.client.get("/api/v1/sync-jobs")).status == 401


async def test_the_periodic_tick_queues_a_sync_per_linked_user(chorus, ada):
    carol = await person(chorus, "carol", spotify_id="carol-sp")
    bob = await person(chorus, "bob")
    chorus.ctx.jobs.set_concurrency(SPOTIFY_SYNC_KIND, 0)
    assert await queue_spotify_syncs(chorus.ctx) == "queued 2 Spotify syncs"
    page = await chorus.ctx.store.jobs.list(kinds=[SPOTIFY_SYNC_KIND])
    assert sorted(j.owner_id for j in page.jobs) == sorted([ada.user_id, carol.user_id])
    assert bob.user_id not in {j.owner_id for j in page.jobs}
    assert await queue_spotify_syncs(chorus.ctx) == ""  # one at a time per user
    assert (await chorus.ctx.store.jobs.list(kinds=[SPOTIFY_SYNC_KIND])).total == 2
