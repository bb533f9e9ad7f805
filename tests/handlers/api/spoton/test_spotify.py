"""Spot On's Spotify endpoints over HTTP, with the fake Spotify configured and without it."""

from __future__ import annotations

from typing import Any

import pytest
from yarl import URL

from handlers.api._auth import OAUTH_STATE_COOKIE
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.spotify import (
    add_user,
    make_spotify_app,
    oauth_config,
    rate_limit_next,
    spotify_settings,
    state_of,
)
from tests.fakes.spotify_data import (
    BOHEMIAN,
    DAFT_PUNK,
    DISCOVERY,
    GET_LUCKY,
    GET_LUCKY_EDIT,
    LOVE_OF_MY_LIFE,
)

__all__: list[str] = []

FRONTEND = "https://spoton.example"
TRACK_KEYS = {"id", "name", "artists", "album", "preview_url", "external_url", "image_url"}


@pytest.fixture
def with_spotify(make_client: Any, aiohttp_server: Any) -> Any:
    """Chorus whose catalog and Spotify connect both use the fake; (client, fake app)."""

    async def start(**overrides: Any) -> tuple[Any, Any]:
        fake = await aiohttp_server(make_spotify_app())
        settings = {**spotify_settings(fake.make_url("")), "frontend_url": FRONTEND,
                    "oauth": (oauth_config(fake.make_url("")),), **overrides}
        return await make_client(**settings), fake.app

    return start


async def sign_in(client: Any, username: str = "ada") -> None:
    """Register and log in through Spot On: the session cookie lands in the client's jar."""
    resp = await client.post("/api/register", json={
        "name": "Ada", "surname": "L", "username": username, "email": f"{username}@example.com",
        "password": STRONG_PASSWORD, "labels": ""})
    assert resp.status == 201
    resp = await client.post("/api/login", json={"username": username,
                                                 "password": STRONG_PASSWORD})
    assert resp.status == 200


async def get(client: Any, path: str, **params: Any) -> tuple[int, Any]:
    resp = await client.get(path, params=params)
    return resp.status, await resp.json()


# -- search_spotify ---------------------------------------------------------------------------


async def test_search_spotify_answers_in_the_documented_shapes(with_spotify):
    client, fake = await with_spotify()
    status, body = await get(client, "/api/search_spotify", q="daft punk",
                             type="track,album,artist", limit="2")
    assert status == 200 and body["query"] == "daft punk"
    results = body["results"]
    assert set(results) == {"tracks", "albums", "artists"}
    assert len(results["tracks"]) == 2 and all(set(t) == TRACK_KEYS for t in results["tracks"])
    first = results["tracks"][0]
    assert first["artists"] == ["Daft Punk"] and first["album"] == "Discovery"
    assert first["external_url"] == f"https://open.spotify.com/track/{first['id']}"
    assert first["image_url"] == f"https://i.scdn.co/image/{DISCOVERY}-640"
    assert first["preview_url"].startswith("https://p.scdn.co/")
    assert results["albums"][0] == {
        "id": DISCOVERY, "name": "Discovery", "artists": ["Daft Punk"],
        "release_date": "2001-03-12", "external_url": f"https://open.spotify.com/album/{DISCOVERY}",
        "image_url": f"https://i.scdn.co/image/{DISCOVERY}-640"}
    assert results["artists"] == [{
        "id": DAFT_PUNK, "name": "Daft Punk", "genres": ["french house", "electro"],
        "external_url": f"https://open.spotify.com/artist/{DAFT_PUNK}",
        "image_url": f"https://i.scdn.co/image/{DAFT_PUNK}-640"}]
    asked = state_of(fake).calls_to("/v1/search")[0]
    assert "limit=2" in asked and "type=track%2Calbum%2Cartist" in asked


async def test_search_spotify_types_default_to_all_and_can_be_narrowed(with_spotify):
    client, _ = await with_spotify()
    _, everything = await get(client, "/api/search_spotify", q="queen")
    assert everything["results"]["artists"][0]["name"] == "Queen"
    assert len(everything["results"]["tracks"]) == 2 and everything["results"]["albums"]
    _, tracks = await get(client, "/api/search_spotify", q="queen", type="track")
    assert tracks["results"]["albums"] == [] and tracks["results"]["artists"] == []
    assert {t["id"] for t in tracks["results"]["tracks"]} == {BOHEMIAN, LOVE_OF_MY_LIFE}


@pytest.mark.parametrize("params, error", [
    ({}, "Query parameter 'q' is required"),
    ({"q": "  "}, "Query parameter 'q' is required"),
    ({"q": "x", "limit": "0"}, "limit must be a whole number between 1 and 50"),
    ({"q": "x", "limit": "51"}, "limit must be a whole number between 1 and 50"),
    ({"q": "x", "limit": "ten"}, "limit must be a whole number between 1 and 50"),
    ({"q": "x", "type": "track,song"}, "Invalid type 'song': use track, album or artist"),
    ({"q": "x", "type": "playlist"}, "Invalid type 'playlist': use track, album or artist"),
])
async def test_search_spotify_refuses_bad_input(with_spotify, params, error):
    client, fake = await with_spotify()
    status, body = await get(client, "/api/search_spotify", **params)
    assert (status, body) == (400, {"error": error})
    assert state_of(fake).calls == []


async def test_search_spotify_passes_a_long_rate_limit_on(with_spotify):
    client, fake = await with_spotify()
    rate_limit_next(fake, retry_after="300")
    resp = await client.get("/api/search_spotify", params={"q": "queen"})
    assert resp.status == 429 and resp.headers["Retry-After"] == "300"
    assert "rate limiting" in (await resp.json())["error"]


async def test_search_spotify_without_spotify_searches_the_local_catalog(client):
    ctx = ctx_of(client)
    await ctx.store.catalog.upsert(
        "youtube", "video", "fJ9rUzIMcZQ", url="https://www.youtube.com/watch?v=fJ9rUzIMcZQ",
        eid="/yt/fJ9rUzIMcZQ", name="Bohemian Rhapsody", artist_names=["Queen"],
        image="https://i.ytimg.com/vi/fJ9rUzIMcZQ/hqdefault.jpg")
    await ctx.store.catalog.upsert(
        "spotify", "artist", "1dfeR4HaWDbWqFHLkxsg1d",
        url="https://open.spotify.com/artist/1dfeR4HaWDbWqFHLkxsg1d",
        eid="/sp/artist/1dfeR4HaWDbWqFHLkxsg1d", name="Queen", genres=["rock"])
    status, body = await get(client, "/api/search_spotify", q="queen")
    assert status == 200
    assert body["results"]["tracks"] == [{
        "id": "fJ9rUzIMcZQ", "name": "Bohemian Rhapsody", "artists": ["Queen"], "album": "",
        "preview_url": None, "external_url": "https://www.youtube.com/watch?v=fJ9rUzIMcZQ",
        "image_url": "https://i.ytimg.com/vi/fJ9rUzIMcZQ/hqdefault.jpg"}]
    assert [a["name"] for a in body["results"]["artists"]] == ["Queen"]
    assert body["results"]["albums"] == []
    status, body = await get(client, "/api/search_spotify", q="nothing like it")
    assert status == 200 and body["results"] == {"tracks": [], "albums": [], "artists": []}


# -- random-songs -----------------------------------------------------------------------------


async def test_random_songs_from_spotify_keep_to_genre_and_query(with_spotify):
    client, _ = await with_spotify()
    status, body = await get(client, "/api/random-songs", genre="rock", limit="5")
    assert status == 200 and body["count"] == 2
    assert sorted(s["name"] for s in body["songs"]) == ["Bohemian Rhapsody", "Love Of My Life"]
    assert all(s["artist"] == "Queen" for s in body["songs"])
    _, lucky = await get(client, "/api/random-songs", q="lucky")
    assert {s["link"] for s in lucky["songs"]} == {
        f"https://open.spotify.com/track/{GET_LUCKY}",
        f"https://open.spotify.com/track/{GET_LUCKY_EDIT}"}
    assert {s["artist"] for s in lucky["songs"]} == {"Daft Punk, Pharrell Williams"}
    _, three = await get(client, "/api/random-songs", limit="3")
    assert three["count"] == len(three["songs"]) == 3


async def test_random_songs_refuse_a_bad_limit(client):
    for limit in ("0", "51", "-1", "x"):
        status, body = await get(client, "/api/random-songs", limit=limit)
        assert (status, body) == (400, {"error": "limit must be a whole number between 1 and 50"})


async def test_random_songs_without_spotify_come_from_the_local_catalog(client):
    ctx = ctx_of(client)
    for n in range(12):
        await ctx.store.catalog.upsert(
            "youtube", "video", f"vid{n:08d}", url=f"https://www.youtube.com/watch?v=vid{n:08d}",
            eid=f"/yt/vid{n:08d}", name=f"Song {n}", artist_names=["Band"],
            genres=["jazz"] if n < 3 else ["pop"])
    status, body = await get(client, "/api/random-songs")
    assert status == 200 and body["count"] == 10
    assert len({s["link"] for s in body["songs"]}) == 10
    _, jazz = await get(client, "/api/random-songs", genre="jazz")
    assert sorted(s["name"] for s in jazz["songs"]) == ["Song 0", "Song 1", "Song 2"]
    assert jazz["songs"][0]["artist"] == "Band"


# -- connecting Spotify -----------------------------------------------------------------------


async def connect(client: Any, fake: Any) -> Any:
    """auth -> consent at the fake -> callback; the callback's answer."""
    status, body = await get(client, "/api/spotify/auth/")
    assert status == 200, body
    add_user(fake, "ada-on-spotify", "Ada")
    async with client.session.get(body["auth_url"], allow_redirects=False) as consent:
        assert consent.status == 302
        callback = URL(consent.headers["Location"])
    assert callback.path == "/api/spotify/callback/"
    return await client.get(callback.path_qs, allow_redirects=False)


async def test_connecting_spotify_links_the_account_with_encrypted_tokens(with_spotify):
    client, fake = await with_spotify()
    await sign_in(client)
    assert await get(client, "/api/spotify/status/") == (200, {"connected": False})
    resp = await connect(client, fake)
    assert resp.status == 302
    assert resp.headers["Location"] == f"{FRONTEND}/view-playlist?connected=true"
    assert await get(client, "/api/spotify/status/") == (200, {"connected": True})
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username("ada")
    link = await ctx.store.oauth.user_account(user.id, "spotify")
    assert link.subject == "ada-on-spotify"
    access = ctx.vault.decrypt(link.access_token_enc)
    assert access in state_of(fake).user_tokens and access not in link.access_token_enc


async def test_auth_url_points_at_spotify_with_the_callback(with_spotify):
    client, fake = await with_spotify(public_url="https://chorus.example")
    await sign_in(client)
    resp = await client.get("/api/spotify/auth/")
    assert resp.status == 200 and OAUTH_STATE_COOKIE in resp.cookies
    url = URL((await resp.json())["auth_url"])
    assert url.path == "/authorize" and url.query["response_type"] == "code"
    assert url.query["redirect_uri"] == "https://chorus.example/api/spotify/callback/"
    assert url.query["state"] == resp.cookies[OAUTH_STATE_COOKIE].value


async def test_without_a_frontend_url_the_callback_goes_to_the_public_url(with_spotify):
    client, fake = await with_spotify(frontend_url="", public_url="https://chorus.example")
    await sign_in(client)
    resp = await connect(client, fake)
    assert resp.headers["Location"] == "https://chorus.example/view-playlist?connected=true"


async def test_auth_needs_a_session_and_a_configured_spotify(with_spotify, client):
    spotify_client, _ = await with_spotify()
    assert await get(spotify_client, "/api/spotify/auth/") == (
        401, {"error": "User not authenticated"})
    await sign_in(client)
    assert await get(client, "/api/spotify/auth/") == (
        503, {"error": "Spotify is not configured on this server"})


async def test_status_is_false_when_signed_out(client):
    assert await get(client, "/api/spotify/status/") == (200, {"connected": False})


async def test_the_callback_refuses_denials_replays_and_other_browsers(with_spotify):
    client, fake = await with_spotify()
    await sign_in(client)
    status, body = await get(client, "/api/spotify/callback/", error="access_denied", state="x")
    assert (status, body) == (400, {"error": "Spotify refused the connection: access_denied"})
    status, body = await get(client, "/api/spotify/auth/")
    add_user(fake, "ada-on-spotify")
    async with client.session.get(body["auth_url"], allow_redirects=False) as consent:
        callback = URL(consent.headers["Location"])
    client.session.cookie_jar.clear(lambda cookie: cookie.key == OAUTH_STATE_COOKIE)
    status, body = await get(client, callback.path_qs)
    assert (status, body) == (400, {"error": "This sign-in was started in another browser"})
    status, body = await get(client, callback.path_qs)
    assert (status, body) == (400, {"error": "Invalid or expired OAuth state"})
    assert await get(client, "/api/spotify/status/") == (200, {"connected": False})
