"""EchoStats' playlists, browse and library routes over HTTP against the fake Spotify: the
documented shapes, defaults and limits, and the answer without a linked account."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.spotify import add_playlist, state_of
from tests.fakes.spotify_data import (
    DAFT_PUNK,
    DISCOVERY,
    GET_LUCKY_SINGLE,
    ONE_MORE_TIME,
    OPERA,
    PHARRELL,
    PICKS,
    QUEEN,
    RAM,
)
from tests.fakes.spotify_me import follow_artists, own_playlists, save_albums
from tests.handlers.api.echostats.helpers import fields_of, person, start_chorus


@pytest.fixture
async def chorus(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_chorus(make_client, aiohttp_server)


@pytest.fixture
async def ada(chorus: Any) -> Any:
    return await person(chorus, "ada", spotify_id="ada-sp")


def playlist_id(n: int) -> str:
    return f"{n:0>22}"


async def get(chorus: Any, who: Any, path: str) -> tuple[int, Any]:
    resp = await chorus.client.get(path, headers=who.headers)
    return resp.status, await resp.json()


async def test_playlists_in_the_documented_shape(chorus, ada):
    own_playlists(chorus.spotify, "ada-sp", [PICKS])
    status, body = await get(chorus, ada, "/api/v1/playlists")
    assert status == 200
    assert body == {"items": [{
        "id": PICKS, "user_id": str(ada.user_id), "spotify_id": PICKS, "name": "Chorus Picks",
        "description": "Songs Chorus likes", "image_url": f"https://i.scdn.co/image/{PICKS}-640",
        "tracks_total": 4, "owner": "Chorus", "public": True, "collaborative": False,
        "external_url": f"https://open.spotify.com/playlist/{PICKS}"}],
        "total": 1, "page": 1, "limit": 50}


async def test_playlists_page_past_spotifys_page_size(chorus, ada):
    ids = [playlist_id(n) for n in range(130)]
    for n, pid in enumerate(ids):
        add_playlist(chorus.spotify, pid, f"List {n}", [ONE_MORE_TIME])
    own_playlists(chorus.spotify, "ada-sp", ids)
    status, body = await get(chorus, ada, "/api/v1/playlists?page=2&limit=100")
    assert status == 200 and body["total"] == 130 and (body["page"], body["limit"]) == (2, 100)
    assert [p["name"] for p in body["items"]] == [f"List {n}" for n in range(100, 130)]
    _, full = await get(chorus, ada, "/api/v1/playlists?limit=100")
    assert [p["spotify_id"] for p in full["items"]] == ids[:100]  # two Spotify pages of 50
    assert state_of(chorus.spotify).calls_to("/v1/me/playlists")[-2:] == [
        "GET /v1/me/playlists?limit=50&offset=0", "GET /v1/me/playlists?offset=50&limit=50"]


@pytest.mark.parametrize("query, loc, msg", [
    ("limit=0", "limit", "ensure this value is greater than or equal to 1"),
    ("limit=101", "limit", "ensure this value is less than or equal to 100"),
    ("page=0", "page", "ensure this value is greater than or equal to 1"),
    ("page=two", "page", "value is not a valid integer"),
])
async def test_playlists_parameters_outside_their_range_are_422(chorus, ada, query, loc, msg):
    before = len(state_of(chorus.spotify).calls)
    status, body = await get(chorus, ada, f"/api/v1/playlists?{query}")
    assert status == 422
    assert [(f[0], f[1]) for f in fields_of(body)] == [(("query", loc), msg)]
    assert len(state_of(chorus.spotify).calls) == before  # Spotify was not asked


async def test_every_bad_parameter_is_listed_at_once(chorus, ada):
    status, body = await get(chorus, ada, "/api/v1/playlists?page=0&limit=500")
    assert status == 422
    assert [f[0] for f in fields_of(body)] == [("query", "page"), ("query", "limit")]


async def test_new_releases(chorus, ada):
    status, body = await get(chorus, ada, "/api/v1/browse/new-releases?limit=2")
    assert status == 200
    assert body == {"items": [
        {"id": RAM, "name": "Random Access Memories", "artists": "Daft Punk",
         "image": f"https://i.scdn.co/image/{RAM}-640", "release_date": "2013-05-17",
         "total_tracks": 2, "type": "album"},
        {"id": GET_LUCKY_SINGLE, "name": "Get Lucky", "artists": "Daft Punk, Pharrell Williams",
         "image": f"https://i.scdn.co/image/{GET_LUCKY_SINGLE}-640",
         "release_date": "2013-04-19", "total_tracks": 1, "type": "single"}]}
    _, default = await get(chorus, ada, "/api/v1/browse/new-releases")
    assert len(default["items"]) == 4
    assert state_of(chorus.spotify).calls_to("/v1/browse/new-releases")[-1] \
        == "GET /v1/browse/new-releases?limit=20&offset=0"


async def test_featured_playlists_and_categories(chorus, ada):
    status, body = await get(chorus, ada, "/api/v1/browse/featured-playlists")
    assert status == 200
    assert body == {"message": "Good afternoon", "items": [{
        "id": PICKS, "name": "Chorus Picks", "description": "Songs Chorus likes",
        "image": f"https://i.scdn.co/image/{PICKS}-640", "tracks_total": 4,
        "owner": "Chorus"}]}
    status, cats = await get(chorus, ada, "/api/v1/browse/categories?limit=2")
    assert status == 200
    assert cats == {"items": [
        {"id": "toplists", "name": "Top Lists", "image": "https://t.scdn.co/media/toplists.jpg"},
        {"id": "pop", "name": "Pop", "image": "https://t.scdn.co/media/pop.jpg"}]}
    assert state_of(chorus.spotify).calls_to("/v1/browse/categories")[-1] \
        == "GET /v1/browse/categories?limit=2&offset=0"


@pytest.mark.parametrize("path", ["/api/v1/browse/new-releases?limit=51",
                                  "/api/v1/browse/featured-playlists?limit=0",
                                  "/api/v1/browse/categories?limit=x",
                                  "/api/v1/library/followed-artists?limit=51",
                                  "/api/v1/library/saved-albums?offset=-1"])
async def test_browse_and_library_limits_are_422(chorus, ada, path):
    status, body = await get(chorus, ada, path)
    assert status == 422 and fields_of(body)[0][0][0] == "query"


async def test_followed_artists(chorus, ada):
    follow_artists(chorus.spotify, "ada-sp", [QUEEN, DAFT_PUNK, PHARRELL])
    status, body = await get(chorus, ada, "/api/v1/library/followed-artists?limit=2")
    assert status == 200
    assert body == {"items": [
        {"id": QUEEN, "name": "Queen", "image": f"https://i.scdn.co/image/{QUEEN}-640",
         "followers": 50_000_000, "genres": ["classic rock", "glam rock", "rock"]},
        {"id": DAFT_PUNK, "name": "Daft Punk",
         "image": f"https://i.scdn.co/image/{DAFT_PUNK}-640", "followers": 9_000_000,
         "genres": ["french house", "electro"]}], "total": 3}
    assert state_of(chorus.spotify).calls_to("/v1/me/following")[-1] \
        == "GET /v1/me/following?type=artist&limit=2"


async def test_saved_albums(chorus, ada):
    save_albums(chorus.spotify, "ada-sp", [(OPERA, "2024-06-15T10:30:00Z"),
                                           (DISCOVERY, "2024-01-02T08:00:00Z")])
    status, body = await get(chorus, ada, "/api/v1/library/saved-albums?limit=1&offset=1")
    assert status == 200
    assert body == {"items": [{
        "id": DISCOVERY, "name": "Discovery", "artists": "Daft Punk",
        "image": f"https://i.scdn.co/image/{DISCOVERY}-640", "release_date": "2001-03-12",
        "total_tracks": 3, "added_at": "2024-01-02T08:00:00Z"}],
        "total": 2, "limit": 1, "offset": 1}
    _, default = await get(chorus, ada, "/api/v1/library/saved-albums")
    assert (default["limit"], default["offset"], len(default["items"])) == (50, 0, 2)


@pytest.mark.parametrize("path", ["/api/v1/playlists", "/api/v1/browse/new-releases",
                                  "/api/v1/browse/featured-playlists",
                                  "/api/v1/browse/categories",
                                  "/api/v1/library/followed-artists",
                                  "/api/v1/library/saved-albums"])
async def test_without_a_linked_account_each_route_says_so(chorus, path):
    dan = await person(chorus, "dan")
    status, body = await get(chorus, dan, path)
    assert status == 401 and body["detail"].startswith("No Spotify account is linked")
    signed_out = await chorus.client.get(path)
    assert signed_out.status == 401 and await signed_out.json() == {"detail": "Not authenticated"}


async def test_an_unknown_path_under_these_prefixes_answers_in_echostats_shape(chorus, ada):
    status, body = await get(chorus, ada, "/api/v1/library/nothing-here")
    assert (status, body) == (404, {"detail": "Not Found"})
