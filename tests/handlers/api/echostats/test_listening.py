"""EchoStats' analytics, history and top endpoints over HTTP, on listens stored through
record_plays: shapes, defaults, 422s, sign-in required, each user seeing only their own."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn, TrackRef
from handlers.listening.rollups import ROLLUP_BUILD_KIND
from store.records import UserPatch
from tests.conftest import ctx_of
from tests.handlers.social.helpers import register_member
from tests.waiting import until

NOW = time.time()
HOUR = 3600.0
KID_A = TrackRef(spotify_uri="spotify:track:2kRFrWaLWifQkBFasAWgMo",
                 name="Everything In Its Right Place", artist="Radiohead", album="Kid A",
                 duration_ms=250_000)
IDIOTEQUE = TrackRef(spotify_uri="spotify:track:6LgJvl0Xdtc73RJ1mZoUnj", name="Idioteque",
                     artist="Radiohead", album="Kid A")
LOCAL = TrackRef(name="Hoppípolla", artist="Sigur Rós")
ROUTES = [("GET", "/api/v1/analytics/overview"), ("POST", "/api/v1/analytics/refresh"),
          ("GET", "/api/v1/analytics/trend"), ("GET", "/api/v1/analytics/rollup-status"),
          ("POST", "/api/v1/analytics/rollup-build"), ("GET", "/api/v1/history"),
          ("GET", "/api/v1/tracks/top"), ("GET", "/api/v1/artists/top"),
          ("GET", "/api/v1/albums/top"), ("GET", "/api/v1/genres/distribution")]


def play(ref: TrackRef, ago_hours: float) -> PlayIn:
    return PlayIn(played_at=NOW - ago_hours * HOUR, ms_played=200_000, track=ref,
                  source="import", context_type="album", context_uri="spotify:album:kid")


@pytest.fixture
async def seeded(client: Any) -> Any:
    """alice: 3 Kid A plays and 1 Idioteque in the last day, 1 local play 40 days ago, and
    a Spotify artist item for Radiohead; bob: 1 play."""
    ctx = ctx_of(client)
    alice, bob = await register_member(client, "alice"), await register_member(client, "bob")
    await ctx.store.catalog.upsert("spotify", "artist", "4Z8W4fKeB5YxbusRsdQVPb", url="u",
                                   eid="/sp/artist/4Z8W4fKeB5YxbusRsdQVPb", name="Radiohead",
                                   image="https://img/rh.jpg", genres=["art rock"])
    await record_plays(ctx, alice.id, [play(KID_A, 1), play(KID_A, 2), play(KID_A, 3),
                                       play(IDIOTEQUE, 4), play(LOCAL, 24 * 40)])
    await record_plays(ctx, bob.id, [play(IDIOTEQUE, 1)])
    return client, alice, bob


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_needs_a_signed_in_user(client, method, path):
    resp = await client.request(method, path)
    assert resp.status == 401
    assert await resp.json() == {"detail": "Not authenticated"}


async def test_overview_in_the_documented_shape(seeded):
    client, alice, _ = seeded
    resp = await client.get("/api/v1/analytics/overview", headers=alice.auth)
    assert resp.status == 200
    body = await resp.json()
    assert body["period"] == "all_time"
    assert (body["total_tracks_played"], body["total_ms_played"]) == (5, 1_000_000)
    assert body["total_hours"] == 0.3
    assert (body["unique_tracks"], body["unique_artists"], body["unique_albums"]) == (3, 2, 1)
    assert body["top_artists"][0] == {"name": "Radiohead", "play_count": 4,
                                      "spotify_id": "4Z8W4fKeB5YxbusRsdQVPb",
                                      "image_url": "https://img/rh.jpg", "rank": 1}
    assert body["top_tracks"][0] == {"name": "Everything In Its Right Place", "play_count": 3,
                                     "spotify_id": "2kRFrWaLWifQkBFasAWgMo", "rank": 1}
    assert body["top_albums"][0]["name"] == "Kid A" and body["top_albums"][0]["play_count"] == 4
    assert len(body["hourly_distribution"]) == 24 and len(body["daily_distribution"]) == 7
    assert sum(h["plays"] for h in body["hourly_distribution"]) == 5
    assert body["daily_distribution"][0]["day"] == "Monday"
    assert body["listening_streak_days"] >= 1
    assert body["avg_audio_features"] is None
    assert body["computed_at"].endswith("Z")
    week = await (await client.get("/api/v1/analytics/overview?period=week",
                                   headers=alice.auth)).json()
    assert week["total_tracks_played"] == 4 and week["unique_artists"] == 1


async def test_distributions_follow_the_users_time_zone(seeded):
    client, alice, _ = seeded
    ctx = ctx_of(client)
    utc = await (await client.get("/api/v1/analytics/overview", headers=alice.auth)).json()
    # all_time in UTC reads the all-time weekday-hour rollup, a quarter the daily hours: every
    # play is within the quarter, so both give the same distributions
    quarter = await (await client.get("/api/v1/analytics/overview?period=quarter",
                                      headers=alice.auth)).json()
    for key in ("hourly_distribution", "daily_distribution"):
        assert utc[key] == quarter[key]
    assert sum(d["plays"] for d in utc["daily_distribution"]) == 5
    user = await ctx.store.users.get(alice.id)
    await ctx.store.users.update(alice.id, UserPatch(extra={**user.extra,
                                                            "timezone": "Asia/Tokyo"}))
    tokyo = await (await client.get("/api/v1/analytics/overview", headers=alice.auth)).json()
    hours = {h["hour"]: h["plays"] for h in utc["hourly_distribution"]}
    shifted = {h["hour"]: h["plays"] for h in tokyo["hourly_distribution"]}
    assert shifted == {(h + 9) % 24: n for h, n in hours.items()}


async def test_a_period_not_among_the_five_is_a_422(seeded):
    client, alice, _ = seeded
    for path in ("/api/v1/analytics/overview", "/api/v1/analytics/trend",
                 "/api/v1/tracks/top", "/api/v1/genres/distribution"):
        resp = await client.get(f"{path}?period=decade", headers=alice.auth)
        assert resp.status == 422
        assert (await resp.json())["detail"][0]["loc"] == ["query", "period"]


async def test_refresh_answers_the_periods(seeded):
    client, alice, _ = seeded
    resp = await client.post("/api/v1/analytics/refresh", headers=alice.auth)
    body = await resp.json()
    assert resp.status == 200 and body["status"] == "refreshed"
    assert body["periods"] == ["week", "month", "quarter", "year", "all_time"]
    one = await (await client.post("/api/v1/analytics/refresh?period=week",
                                   headers=alice.auth)).json()
    assert one["periods"] == ["week"]


async def test_trend_granularity_per_period(seeded):
    client, alice, _ = seeded
    today = datetime.fromtimestamp(NOW, UTC)
    week = await (await client.get("/api/v1/analytics/trend?period=week",
                                   headers=alice.auth)).json()
    assert week["granularity"] == "%Y-%m-%d" and len(week["points"]) == 7
    assert week["points"][-1]["label"] == today.strftime("%Y-%m-%d")
    assert sum(p["plays"] for p in week["points"]) == 4
    quarter = await (await client.get("/api/v1/analytics/trend?period=quarter",
                                      headers=alice.auth)).json()
    assert quarter["granularity"] == "%G-W%V"
    assert quarter["points"][-1]["label"] == today.strftime("%G-W%V")
    assert sum(p["plays"] for p in quarter["points"]) == 5
    everything = await (await client.get("/api/v1/analytics/trend", headers=alice.auth)).json()
    assert everything["granularity"] == "%Y-%m"
    assert set(everything["points"][0]) == {"label", "plays", "ms", "hours"}


async def test_tops_in_the_documented_shapes(seeded):
    client, alice, _ = seeded
    tracks = await (await client.get("/api/v1/tracks/top", headers=alice.auth)).json()
    assert tracks["period"] == "all_time" and tracks["total"] == 3
    first = tracks["items"][0]
    assert first["spotify_id"] == "2kRFrWaLWifQkBFasAWgMo" and isinstance(first["id"], str)
    assert first["artists"] == [{"spotify_id": "4Z8W4fKeB5YxbusRsdQVPb", "name": "Radiohead"}]
    assert first["album"]["name"] == "Kid A" and first["duration_ms"] == 250_000
    assert first["external_url"] == "https://open.spotify.com/track/2kRFrWaLWifQkBFasAWgMo"
    local = tracks["items"][-1]
    assert local["name"] == "Hoppípolla" and local["spotify_id"] is None
    artists = await (await client.get("/api/v1/artists/top?limit=1", headers=alice.auth)).json()
    assert artists["total"] == 2 and len(artists["items"]) == 1
    assert artists["items"][0]["genres"] == ["art rock"]
    albums = await (await client.get("/api/v1/albums/top", headers=alice.auth)).json()
    assert albums["items"][0]["artists"] == ["Radiohead"] and albums["total"] == 1
    genres = await (await client.get("/api/v1/genres/distribution", headers=alice.auth)).json()
    assert genres == {"genres": [], "period": "all_time", "total_genres": 0}


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
async def test_a_limit_outside_1_to_100_is_a_422(seeded, limit):
    client, alice, _ = seeded
    for path in ("/api/v1/tracks/top", "/api/v1/artists/top", "/api/v1/albums/top",
                 "/api/v1/history"):
        resp = await client.get(f"{path}?limit={limit}", headers=alice.auth)
        assert resp.status == 422
        assert (await resp.json())["detail"][0]["loc"] == ["query", "limit"]


async def test_history_pages_and_filters(seeded):
    client, alice, _ = seeded
    resp = await client.get("/api/v1/history?limit=2", headers=alice.auth)
    body = await resp.json()
    assert (body["total"], body["page"], body["limit"], body["pages"]) == (5, 1, 2, 3)
    entry = body["items"][0]
    assert entry["user_id"] == str(alice.id) and entry["ms_played"] == 200_000
    assert entry["track"]["spotify_id"] == "2kRFrWaLWifQkBFasAWgMo"
    assert entry["track"]["artist_name"] == "Radiohead" and entry["source"] == "import"
    assert entry["context_uri"] == "spotify:album:kid"
    assert entry["played_at"] == datetime.fromtimestamp(NOW - HOUR, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    idioteque = await (await client.get("/api/v1/history?track=idiot",
                                        headers=alice.auth)).json()
    assert idioteque["total"] == 1
    old_day = datetime.fromtimestamp(NOW - 40 * 24 * HOUR, UTC).strftime("%Y-%m-%d")
    old = await (await client.get(f"/api/v1/history?start_date={old_day}&end_date={old_day}",
                                  headers=alice.auth)).json()
    assert old["total"] == 1 and old["items"][0]["track"]["artist_name"] == "Sigur Rós"


async def test_history_dates_in_the_wrong_format_are_a_422(seeded):
    client, alice, _ = seeded
    resp = await client.get("/api/v1/history?start_date=15/01/2025", headers=alice.auth)
    assert resp.status == 422
    assert (await resp.json())["detail"][0]["loc"] == ["query", "start_date"]


async def test_every_bad_query_parameter_is_listed_in_one_422(seeded):
    # one reader for every EchoStats route: all bad parameters at once, blank ones refused
    client, alice, _ = seeded
    resp = await client.get("/api/v1/history?page=0&limit=%2B5&start_date=yesterday&end_date=",
                            headers=alice.auth)
    assert resp.status == 422
    assert [(d["loc"][1], d["type"]) for d in (await resp.json())["detail"]] == [
        ("page", "value_error"), ("limit", "type_error.integer"),
        ("start_date", "value_error.datetime")]
    for path in ("/api/v1/analytics/overview?period=", "/api/v1/tracks/top?period=&limit=500"):
        detail = (await (await client.get(path, headers=alice.auth)).json())["detail"]
        assert detail[0]["loc"] == ["query", "period"] and detail[0]["type"] == "type_error.enum"
    detail = (await (await client.get("/api/v1/tracks/top?period=&limit=500",
                                      headers=alice.auth)).json())["detail"]
    assert [d["loc"][1] for d in detail] == ["period", "limit"]


async def test_one_user_sees_only_their_own(seeded):
    client, _, bob = seeded
    history = await (await client.get("/api/v1/history", headers=bob.auth)).json()
    assert history["total"] == 1 and history["items"][0]["user_id"] == str(bob.id)
    overview = await (await client.get("/api/v1/analytics/overview", headers=bob.auth)).json()
    assert overview["total_tracks_played"] == 1
    tracks = await (await client.get("/api/v1/tracks/top", headers=bob.auth)).json()
    assert [t["name"] for t in tracks["items"]] == ["Idioteque"]


async def test_rollup_status_and_build(seeded):
    client, alice, _ = seeded
    ctx = ctx_of(client)
    status = await (await client.get("/api/v1/analytics/rollup-status",
                                     headers=alice.auth)).json()
    assert status["complete"] is True and status["coverage"] == 100.0
    assert status["total_days"] >= 2 and len(status["last_date"]) == 10
    ctx.jobs.set_concurrency(ROLLUP_BUILD_KIND, 0)  # the first build stays queued
    started = await (await client.post("/api/v1/analytics/rollup-build",
                                       headers=alice.auth)).json()
    assert started["status"] == "started" and started["job_id"]
    again = await (await client.post("/api/v1/analytics/rollup-build",
                                     headers=alice.auth)).json()
    assert again == {"status": "already_running", "job_id": started["job_id"]}
    ctx.jobs.set_concurrency(ROLLUP_BUILD_KIND, 1)
    job = await until(lambda: _finished(ctx, started["job_id"]))
    assert job.result == {"days": status["total_days"]}


async def _finished(ctx: Any, job_id: str) -> Any:
    job = await ctx.store.jobs.get(job_id)
    return job if job.status == "completed" else None
