"""EchoStats' /api/v1/player/* over HTTP against the fake Spotify: the documented shapes, each
user's own player and token, refresh on expiry, and Spotify's refusals in EchoStats' shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.spotify import expire_tokens, fail_next, rate_limit_next, state_of
from tests.fakes.spotify_data import BOHEMIAN, DIGITAL_LOVE, DISCOVERY, HARDER, ONE_MORE_TIME
from tests.fakes.spotify_me import add_device, player_of, start_playing
from tests.handlers.api.echostats.helpers import fields_of, person, start_chorus


@pytest.fixture
async def chorus(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_chorus(make_client, aiohttp_server)


@pytest.fixture
async def ada(chorus: Any) -> Any:
    """Ada, linked to Spotify "ada-sp", playing One More Time on her MacBook."""
    ada = await person(chorus, "ada", spotify_id="ada-sp")
    add_device(chorus.spotify, "ada-sp", "mac-1", "MacBook Pro")
    add_device(chorus.spotify, "ada-sp", "phone-1", "Pixel", kind="Smartphone", volume=30)
    start_playing(chorus.spotify, "ada-sp", ONE_MORE_TIME, [DIGITAL_LOVE, HARDER],
                  progress_ms=120000)
    return ada


async def test_current_shows_the_track_playing(chorus, ada):
    resp = await chorus.client.get("/api/v1/player/current", headers=ada.headers)
    assert resp.status == 200
    assert await resp.json() == {
        "is_playing": True, "track_name": "One More Time", "artist_name": "Daft Punk",
        "album_name": "Discovery",
        "album_image": f"https://i.scdn.co/image/{DISCOVERY}-640",
        "track_id": ONE_MORE_TIME, "duration_ms": 320357, "progress_ms": 120000,
        "device": "MacBook Pro", "shuffle": False, "repeat": "off"}


async def test_nothing_playing_is_is_playing_false(chorus):
    bob = await person(chorus, "bob", spotify_id="bob-sp")
    resp = await chorus.client.get("/api/v1/player/current", headers=bob.headers)
    assert resp.status == 200
    assert await resp.json() == {"is_playing": False}
    assert state_of(chorus.spotify).calls_to("/v1/me/player")[-1] == "GET /v1/me/player"


async def test_devices_and_queue_in_the_documented_shapes(chorus, ada):
    devices = await (await chorus.client.get("/api/v1/player/devices",
                                             headers=ada.headers)).json()
    assert devices == {"devices": [
        {"id": "mac-1", "name": "MacBook Pro", "type": "Computer", "is_active": True,
         "volume_percent": 65},
        {"id": "phone-1", "name": "Pixel", "type": "Smartphone", "is_active": False,
         "volume_percent": 30}]}
    queue = await (await chorus.client.get("/api/v1/player/queue", headers=ada.headers)).json()
    assert queue["currently_playing"] == {
        "id": ONE_MORE_TIME, "name": "One More Time", "artist": "Daft Punk",
        "album": "Discovery", "image": f"https://i.scdn.co/image/{DISCOVERY}-640",
        "duration_ms": 320357}
    assert [t["id"] for t in queue["queue"]] == [DIGITAL_LOVE, HARDER]


async def test_the_queue_shows_at_most_twenty(chorus, ada):
    start_playing(chorus.spotify, "ada-sp", ONE_MORE_TIME, [DIGITAL_LOVE, HARDER] * 15)
    queue = await (await chorus.client.get("/api/v1/player/queue", headers=ada.headers)).json()
    assert len(queue["queue"]) == 20


async def test_commands_move_the_users_own_player(chorus, ada):
    client, player = chorus.client, player_of(chorus.spotify, "ada-sp")
    pause = await client.post("/api/v1/player/pause", headers=ada.headers)
    assert (pause.status, await pause.json()) == (200, {"status": "paused"})
    assert not player.is_playing
    play = await client.post("/api/v1/player/play", headers=ada.headers)
    assert (play.status, await play.json()) == (200, {"status": "playing"})
    assert player.is_playing and player.track == ONE_MORE_TIME
    nxt = await client.post("/api/v1/player/next", headers=ada.headers)
    assert await nxt.json() == {"status": "skipped"} and player.track == DIGITAL_LOVE
    back = await client.post("/api/v1/player/previous", headers=ada.headers)
    assert await back.json() == {"status": "skipped_back"} and player.track == ONE_MORE_TIME


async def test_play_starts_what_the_body_names_on_the_device_asked(chorus, ada):
    resp = await chorus.client.post("/api/v1/player/play", headers=ada.headers, json={
        "context_uri": f"spotify:album:{DISCOVERY}", "device_id": "phone-1"})
    assert (resp.status, await resp.json()) == (200, {"status": "playing"})
    player = player_of(chorus.spotify, "ada-sp")
    assert (player.active, player.track, player.queue) == ("phone-1", ONE_MORE_TIME,
                                                           [DIGITAL_LOVE, HARDER])
    call = state_of(chorus.spotify).calls_to("/v1/me/player/play")[-1]
    assert call == "PUT /v1/me/player/play?device_id=phone-1"
    uris = await chorus.client.post("/api/v1/player/play", headers=ada.headers,
                                    json={"uris": [f"spotify:track:{BOHEMIAN}"]})
    assert uris.status == 200 and player.track == BOHEMIAN and player.queue == []


async def test_a_play_body_of_the_wrong_shape_is_a_422_and_sends_nothing(chorus, ada):
    before = len(state_of(chorus.spotify).calls)
    resp = await chorus.client.post("/api/v1/player/play", headers=ada.headers,
                                    json={"uris": "spotify:track:x"})
    assert resp.status == 422
    assert fields_of(await resp.json())[0][0] == ("body", "uris")
    assert len(state_of(chorus.spotify).calls) == before


async def test_each_user_commands_their_own_player_with_their_own_token(chorus, ada):
    bob = await person(chorus, "bob", spotify_id="bob-sp")
    add_device(chorus.spotify, "bob-sp", "bob-tv", "TV", kind="TV")
    start_playing(chorus.spotify, "bob-sp", BOHEMIAN, [])
    resp = await chorus.client.post("/api/v1/player/pause", headers=bob.headers)
    assert resp.status == 200
    assert not player_of(chorus.spotify, "bob-sp").is_playing
    assert player_of(chorus.spotify, "ada-sp").is_playing  # Ada's player did not move
    current = await (await chorus.client.get("/api/v1/player/current",
                                             headers=ada.headers)).json()
    assert current["track_id"] == ONE_MORE_TIME and current["is_playing"] is True
    calls, _ = await chorus.ctx.store.api_calls.page(user_id=bob.user_id)
    assert [(c.method, c.url.rsplit("/v1", 1)[1]) for c in calls] == [
        ("PUT", "/me/player/pause")]


async def test_an_expired_token_is_refreshed_and_the_call_goes_through(chorus):
    cat = await person(chorus, "cat", spotify_id="cat-sp", expires_in=-10)
    add_device(chorus.spotify, "cat-sp", "cat-mac", "Mac")
    start_playing(chorus.spotify, "cat-sp", HARDER, [])
    resp = await chorus.client.get("/api/v1/player/current", headers=cat.headers)
    assert (await resp.json())["track_id"] == HARDER
    stored = await chorus.ctx.store.oauth.user_account(cat.user_id, "spotify")
    assert chorus.ctx.vault.decrypt(stored.access_token_enc) != cat.access
    assert stored.expires_at > chorus.ctx.clock()
    assert state_of(chorus.spotify).calls_to("/api/token")  # refreshed before the call


async def test_a_token_spotify_refuses_is_refreshed_once(chorus, ada):
    expire_tokens(chorus.spotify)
    resp = await chorus.client.post("/api/v1/player/pause", headers=ada.headers)
    assert resp.status == 200
    calls, _ = await chorus.ctx.store.api_calls.page(user_id=ada.user_id)
    assert [c.status for c in reversed(calls)] == [401, 204]


async def test_without_a_linked_spotify_account_the_answer_says_so(chorus):
    dan = await person(chorus, "dan")
    for method, path in (("GET", "current"), ("GET", "devices"), ("GET", "queue"),
                         ("POST", "play"), ("POST", "pause"), ("POST", "next"),
                         ("POST", "previous")):
        resp = await chorus.client.request(method, f"/api/v1/player/{path}",
                                           headers=dan.headers)
        assert resp.status == 401, path
        assert (await resp.json())["detail"].startswith("No Spotify account is linked")


async def test_signed_out_is_not_authenticated(chorus):
    resp = await chorus.client.get("/api/v1/player/current")
    assert (resp.status, await resp.json()) == (401, {"detail": "Not authenticated"})


async def test_spotify_refusals_are_mapped(chorus, ada):
    client = chorus.client
    eve = await person(chorus, "eve", spotify_id="eve-sp")  # no device at all
    no_device = await client.post("/api/v1/player/next", headers=eve.headers)
    assert no_device.status == 404
    assert await no_device.json() == {
        "detail": "Spotify: Player command failed: No active device found"}
    state_of(chorus.spotify).users["ada-sp"]["product"] = "free"
    free = await client.post("/api/v1/player/pause", headers=ada.headers)
    assert free.status == 403
    assert await free.json() == {"detail": "Spotify: Player command failed: Premium required"}
    rate_limit_next(chorus.spotify, retry_after="120")
    limited = await client.get("/api/v1/player/devices", headers=ada.headers)
    assert limited.status == 429 and limited.headers["Retry-After"] == "120"


async def test_a_post_command_is_not_repeated_after_a_server_error(chorus, ada):
    fail_next(chorus.spotify, 503)
    resp = await chorus.client.post("/api/v1/player/next", headers=ada.headers)
    assert resp.status == 502
    assert len(state_of(chorus.spotify).calls_to("/v1/me/player/next")) == 1
    assert player_of(chorus.spotify, "ada-sp").track == ONE_MORE_TIME
