"""EchoStats' GET /api/v1/tracks/{id} and /api/v1/artists/{id} over HTTP: no sign-in, the
documented shapes through the catalog (the fake Spotify, or the local catalog), 404s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ctx_of
from tests.fakes.spotify import state_of
from tests.fakes.spotify_data import DAFT_PUNK, DISCOVERY, ONE_MORE_TIME
from tests.handlers.api.echostats.helpers import start_chorus


@pytest.fixture
async def chorus(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_chorus(make_client, aiohttp_server)


async def test_a_track_by_its_spotify_id(chorus):
    resp = await chorus.client.get(f"/api/v1/tracks/{ONE_MORE_TIME}")
    assert resp.status == 200
    body = await resp.json()
    item = await chorus.ctx.store.catalog_search.by_provider_id(("track",), ONE_MORE_TIME)
    assert body == {
        "id": str(item.id), "spotify_id": ONE_MORE_TIME, "name": "One More Time",
        "artists": [{"spotify_id": DAFT_PUNK, "name": "Daft Punk"}],
        "album": {"spotify_id": DISCOVERY, "name": "Discovery",
                  "image_url": f"https://i.scdn.co/image/{DISCOVERY}-640",
                  "release_date": "2001-03-12"},
        "duration_ms": 320357, "popularity": 60, "explicit": False,
        "external_url": f"https://open.spotify.com/track/{ONE_MORE_TIME}",
        "audio_features": None}


async def test_an_artist_by_its_spotify_id(chorus):
    resp = await chorus.client.get(f"/api/v1/artists/{DAFT_PUNK}")
    assert resp.status == 200
    body = await resp.json()
    assert body == {
        "id": body["id"], "spotify_id": DAFT_PUNK, "name": "Daft Punk",
        "image_url": f"https://i.scdn.co/image/{DAFT_PUNK}-640",
        "genres": ["french house", "electro"], "popularity": 79, "followers": 9_000_000,
        "external_url": f"https://open.spotify.com/artist/{DAFT_PUNK}"}
    assert body["id"].isdigit()


@pytest.mark.parametrize("path, detail", [
    ("/api/v1/tracks/0000000000000000000000", "Track not found"),
    ("/api/v1/tracks/not-an-id", "Track not found"),
    ("/api/v1/artists/0000000000000000000000", "Artist not found")])
async def test_unknown_ids_are_404(chorus, path, detail):
    resp = await chorus.client.get(path)
    assert (resp.status, await resp.json()) == (404, {"detail": detail})


async def test_without_spotify_the_local_catalog_answers(make_client):
    client = await make_client()
    await ctx_of(client).store.catalog.upsert(
        "spotify", "track", ONE_MORE_TIME, url=f"https://open.spotify.com/track/{ONE_MORE_TIME}",
        eid=f"/sp/{ONE_MORE_TIME}", name="One More Time", artist_names=["Daft Punk"],
        album_name="Discovery", duration_ms=320357)
    body = await (await client.get(f"/api/v1/tracks/{ONE_MORE_TIME}")).json()
    assert (body["name"], body["artists"], body["album"]["name"], body["duration_ms"]) == (
        "One More Time", [{"spotify_id": "", "name": "Daft Punk"}], "Discovery", 320357)
    assert body["popularity"] is None and body["audio_features"] is None
    missing = await client.get(f"/api/v1/artists/{DAFT_PUNK}")
    assert missing.status == 404


async def test_top_is_left_to_the_top_routes(chorus):
    resp = await chorus.client.get("/api/v1/tracks/top")
    assert (await resp.json())["detail"] != "Track not found"  # not looked up as an id
    assert not [c for c in state_of(chorus.spotify).calls if "/v1/tracks/top" in c]
