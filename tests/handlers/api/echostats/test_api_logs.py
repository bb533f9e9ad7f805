"""EchoStats' /api/v1/api-logs and /stats over HTTP: the documented shapes and filters, and who
reads which calls (a user their own, an admin every one)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fakes.spotify_data import ONE_MORE_TIME
from tests.fakes.spotify_me import add_device, start_playing
from tests.handlers.api.echostats.helpers import fields_of, person, start_chorus

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
async def chorus(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_chorus(make_client, aiohttp_server)


async def seed_calls(chorus: Any) -> tuple[Any, Any]:
    """Ada: three calls (current, devices, a refused pause); Bob: one; the app: catalog calls."""
    ada = await person(chorus, "ada", spotify_id="ada-sp")
    bob = await person(chorus, "bob", spotify_id="bob-sp")
    add_device(chorus.spotify, "ada-sp", "mac", "Mac")
    start_playing(chorus.spotify, "ada-sp", ONE_MORE_TIME, [])
    client = chorus.client
    await client.get("/api/v1/player/current", headers=ada.headers)
    await client.get("/api/v1/player/devices", headers=ada.headers)
    await client.post("/api/v1/player/pause", headers=ada.headers)
    await client.post("/api/v1/player/pause", headers=ada.headers)  # 403: already paused
    await client.get("/api/v1/player/devices", headers=bob.headers)
    await client.get(f"/api/v1/tracks/{ONE_MORE_TIME}")  # app token + catalog call
    return ada, bob


async def test_a_user_lists_their_own_calls_newest_first(chorus):
    ada, _ = await seed_calls(chorus)
    resp = await chorus.client.get("/api/v1/api-logs", headers=ada.headers)
    assert resp.status == 200
    body = await resp.json()
    assert (body["total"], body["page"], body["limit"], body["pages"]) == (4, 1, 50, 1)
    assert [(i["method"], i["endpoint"], i["status_code"]) for i in body["items"]] == [
        ("PUT", "/v1/me/player/pause", 403), ("PUT", "/v1/me/player/pause", 204),
        ("GET", "/v1/me/player/devices", 200), ("GET", "/v1/me/player", 200)]
    first = body["items"][0]
    assert set(first) == {"id", "service", "method", "endpoint", "status_code", "latency_ms",
                          "error", "timestamp"}
    assert first["service"] == "spotify" and ISO_Z.match(first["timestamp"])
    assert first["error"] == "Player command failed: Restriction violated"
    assert isinstance(first["latency_ms"], float) and first["id"].isdigit()


async def test_filters_and_paging(chorus):
    ada, _ = await seed_calls(chorus)
    client = chorus.client

    async def listed(query: str) -> Any:
        return await (await client.get(f"/api/v1/api-logs?{query}", headers=ada.headers)).json()

    assert (await listed("method=put"))["total"] == 2
    assert (await listed("status_min=400"))["total"] == 1
    assert (await listed("status_min=200&status_max=299"))["total"] == 3
    assert (await listed("endpoint_contains=devices"))["total"] == 1
    assert (await listed("service=youtube"))["total"] == 0
    page2 = await listed("page=2&limit=3")
    assert (page2["total"], page2["pages"], len(page2["items"])) == (4, 2, 1)
    assert page2["items"][0]["endpoint"] == "/v1/me/player"


async def test_an_admin_reads_every_call(chorus):
    await seed_calls(chorus)
    root = await person(chorus, "root", role="admin")
    body = await (await chorus.client.get("/api/v1/api-logs?limit=200",
                                          headers=root.headers)).json()
    assert body["total"] == 7  # Ada's 4, Bob's 1, the app's token request and track lookup
    assert {i["endpoint"] for i in body["items"]} >= {"/api/token", "/v1/tracks/"
                                                      + ONE_MORE_TIME}


async def test_stats_over_the_readers_calls(chorus):
    ada, bob = await seed_calls(chorus)
    resp = await chorus.client.get("/api/v1/api-logs/stats", headers=ada.headers)
    assert resp.status == 200
    stats = await resp.json()
    assert {k: stats[k] for k in ("total_calls", "error_count", "rate_limit_count",
                                  "success_rate", "status_distribution", "top_endpoints")} == {
        "total_calls": 4, "error_count": 1, "rate_limit_count": 0, "success_rate": 75.0,
        "status_distribution": {"2xx": 3, "4xx": 1, "5xx": 0},
        "top_endpoints": [{"endpoint": "PUT /v1/me/player/pause", "count": 2},
                          {"endpoint": "GET /v1/me/player", "count": 1},
                          {"endpoint": "GET /v1/me/player/devices", "count": 1}]}
    assert isinstance(stats["avg_latency_ms"], float) and stats["avg_latency_ms"] >= 0
    bobs = await (await chorus.client.get("/api/v1/api-logs/stats", headers=bob.headers)).json()
    assert bobs["total_calls"] == 1 and bobs["success_rate"] == 100.0


async def test_no_calls_yet(chorus):
    eve = await person(chorus, "eve")
    stats = await (await chorus.client.get("/api/v1/api-logs/stats", headers=eve.headers)).json()
    assert stats == {"total_calls": 0, "error_count": 0, "rate_limit_count": 0,
                     "success_rate": 100.0, "avg_latency_ms": 0.0,
                     "status_distribution": {"2xx": 0, "4xx": 0, "5xx": 0},
                     "top_endpoints": []}


@pytest.mark.parametrize("query, loc", [("limit=201", "limit"), ("limit=0", "limit"),
                                        ("page=0", "page"), ("status_min=abc", "status_min"),
                                        ("status_max=1000", "status_max")])
async def test_bad_parameters_are_422(chorus, query, loc):
    eve = await person(chorus, "eve")
    resp = await chorus.client.get(f"/api/v1/api-logs?{query}", headers=eve.headers)
    assert resp.status == 422
    assert fields_of(await resp.json())[0][0] == ("query", loc)


async def test_signed_out_is_401(chorus):
    for path in ("/api/v1/api-logs", "/api/v1/api-logs/stats"):
        resp = await chorus.client.get(path)
        assert (resp.status, await resp.json()) == (401, {"detail": "Not authenticated"})
