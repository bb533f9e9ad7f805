"""Spotizerr's metadata routes against the fake Spotify, and the local catalog without it."""

from __future__ import annotations

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.fakes.spotify import make_spotify_app, spotify_settings
from tests.fakes.spotify_data import (
    DAFT_PUNK,
    DISCOVERY,
    GET_LUCKY,
    ONE_MORE_TIME,
    PICKS,
)


async def signed_in(client) -> dict[str, str]:
    await client.post("/api/auth/register", json={
        "username": "ada", "password": STRONG_PASSWORD, "email": "ada@example.com"})
    resp = await client.post("/api/auth/login",
                             json={"username": "ada", "password": STRONG_PASSWORD})
    return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


@pytest.fixture
async def spotify_client(aiohttp_server, make_client):
    fake = await aiohttp_server(make_spotify_app())
    client = await make_client(allow_private_urls=True, **spotify_settings(fake.make_url("")))
    return client, await signed_in(client)


async def test_metadata_needs_a_token(client):
    resp = await client.get("/api/track/info", params={"id": ONE_MORE_TIME})
    assert resp.status == 401
    assert set(await resp.json()) == {"error", "details", "detail"}


async def test_track_info_has_the_documented_fields(spotify_client):
    client, auth = spotify_client
    resp = await client.get("/api/track/info", params={"id": ONE_MORE_TIME}, headers=auth)
    body = await resp.json()
    assert resp.status == 200 and body["id"] == ONE_MORE_TIME
    assert body["name"] == "One More Time"
    assert [a["name"] for a in body["artists"]] == ["Daft Punk"]
    assert body["album"]["name"] == "Discovery" and body["duration_ms"] > 0
    assert body["explicit"] is False
    assert body["external_urls"]["spotify"].endswith(f"/track/{ONE_MORE_TIME}")


async def test_unknown_and_missing_ids(spotify_client):
    client, auth = spotify_client
    resp = await client.get("/api/track/info", params={"id": "nope"}, headers=auth)
    assert resp.status == 404 and "error" in await resp.json()
    resp = await client.get("/api/album/info", headers=auth)
    body = await resp.json()
    assert resp.status == 400 and "id" in body["details"]


async def test_album_info_pages_its_tracks(spotify_client):
    client, auth = spotify_client
    resp = await client.get("/api/album/info", params={"id": DISCOVERY, "limit": 2,
                                                       "offset": 1}, headers=auth)
    body = await resp.json()
    assert body["name"] == "Discovery" and body["tracks"]["limit"] == 2
    assert body["tracks"]["offset"] == 1 and len(body["tracks"]["items"]) <= 2
    resp = await client.get("/api/album/info", params={"id": DISCOVERY, "limit": 0},
                            headers=auth)
    assert resp.status == 400


async def test_playlist_info_metadata_and_tracks(spotify_client):
    client, auth = spotify_client
    info = await (await client.get("/api/playlist/info", params={"id": PICKS},
                                   headers=auth)).json()
    assert info["name"] == "Chorus Picks" and "items" not in info["tracks"]
    full = await (await client.get("/api/playlist/info", params={
        "id": PICKS, "include_tracks": "true"}, headers=auth)).json()
    assert [i["track"]["id"] for i in full["tracks"]["items"]][:1] == [ONE_MORE_TIME]
    meta = await (await client.get("/api/playlist/metadata", params={"id": PICKS},
                                   headers=auth)).json()
    assert len(meta["tracks"]["items"]) == 4
    tracks = await (await client.get("/api/playlist/tracks", params={"id": PICKS},
                                     headers=auth)).json()
    assert tracks["total"] == 4 and GET_LUCKY in [i["track"]["id"] for i in tracks["items"]]


async def test_artist_info_with_albums(spotify_client):
    client, auth = spotify_client
    resp = await client.get("/api/artist/info", params={"id": DAFT_PUNK, "limit": 1},
                            headers=auth)
    body = await resp.json()
    assert body["name"] == "Daft Punk" and body["albums"]["limit"] == 1
    assert len(body["albums"]["items"]) == 1 and body["albums"]["total"] >= 2


async def test_search_returns_items_of_the_asked_type(spotify_client):
    client, auth = spotify_client
    resp = await client.get("/api/search/", params={"q": "get lucky", "search_type": "track"},
                            headers=auth)
    items = (await resp.json())["items"]
    assert items and all(i["type"] == "track" for i in items)
    assert GET_LUCKY in [i["id"] for i in items]
    resp = await client.get("/api/search/", params={"q": "daft", "type": "artist"},
                            headers=auth)
    assert [i["id"] for i in (await resp.json())["items"]] == [DAFT_PUNK]


async def test_search_refusals(spotify_client):
    client, auth = spotify_client
    for params in ({"q": ""}, {"q": "x", "type": "podcast"}, {"q": "x", "limit": "500"}):
        resp = await client.get("/api/search/", params=params, headers=auth)
        assert resp.status == 400 and set(await resp.json()) == {"error", "details", "detail"}


async def test_spotizerr_and_spot_on_search_are_two_routes(spotify_client):
    client, auth = spotify_client
    spotizerr = await client.get("/api/search/", params={"q": "daft"}, headers=auth)
    spoton = await client.get("/api/search", params={"search": "daft"})
    assert "items" in await spotizerr.json()
    assert "contents" in await spoton.json()


async def test_search_without_the_slash_is_told_apart_by_its_parameters(spotify_client):
    """The web UI calls `/api/search?q=`: `q` is Spotizerr's, `search` Spot On's."""
    client, auth = spotify_client
    resp = await client.get("/api/search", params={"q": "daft", "search_type": "artist",
                                                   "limit": "5"}, headers=auth)
    assert resp.status == 200
    assert [i["id"] for i in (await resp.json())["items"]] == [DAFT_PUNK]
    spoton = await client.get("/api/search", params={"search": "daft", "q": "x"})
    assert spoton.status == 200 and "contents" in await spoton.json()
    # a Spotizerr refusal is in Spotizerr's shape, a Spot On one in Spot On's
    bad = await client.get("/api/search", params={"q": "x", "type": "podcast"}, headers=auth)
    assert bad.status == 400 and set(await bad.json()) == {"error", "details", "detail"}
    unsigned = await client.get("/api/search", params={"q": "daft"})
    assert unsigned.status == 401 and "detail" in await unsigned.json()
    spoton_bad = await client.get("/api/search", params={"search": "daft", "page": "x"})
    assert spoton_bad.status == 400 and "detail" not in await spoton_bad.json()


async def test_without_spotify_the_local_catalog_answers(make_client):
    client = await make_client()
    auth = await signed_in(client)
    from tests.conftest import ctx_of

    await ctx_of(client).store.catalog.upsert(
        "youtube", "video", "dQw4w9WgXcQ", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        eid="/yt/dQw4w9WgXcQ", name="Never Gonna Give You Up", artist_names=["Rick Astley"])
    resp = await client.get("/api/search/", params={"q": "never gonna"}, headers=auth)
    items = (await resp.json())["items"]
    assert [i["name"] for i in items] == ["Never Gonna Give You Up"]
    resp = await client.get("/api/track/info", params={"id": "dQw4w9WgXcQ"}, headers=auth)
    assert (await resp.json())["artists"][0]["name"] == "Rick Astley"


def _assert_spotify_track(track):
    """The fields of a Spotify track object with values of their types (the UI reads them)."""
    assert isinstance(track["album"], dict) and isinstance(track["album"]["images"], list)
    assert isinstance(track["album"]["release_date"], str)
    assert isinstance(track["album"]["name"], str) and isinstance(track["album"]["id"], str)
    for key, kind in (("duration_ms", int), ("popularity", int), ("explicit", bool),
                      ("track_number", int), ("disc_number", int), ("external_urls", dict),
                      ("external_ids", dict), ("artists", list), ("uri", str), ("href", str)):
        assert isinstance(track[key], kind), key
    assert isinstance(track["external_urls"]["spotify"], str)


async def test_local_catalog_objects_carry_spotify_s_full_shape(make_client):
    """A posted video has no album, a SoundCloud playlist no followers, a local album no
    release date: the UI's track page read `album.images`, its playlist page
    `followers.total` and its album page `new Date(release_date)` (NaN from "")."""
    client = await make_client()
    auth = await signed_in(client)
    from tests.conftest import ctx_of

    catalog = ctx_of(client).store.catalog
    await catalog.upsert("youtube", "video", "dQw4w9WgXcQ",
                         url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", eid="/yt/dQw4w9WgXcQ",
                         name="Never Gonna Give You Up", artist_names=["Rick Astley"],
                         image="https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg")
    await catalog.upsert("deezer", "album", "302127", url="https://www.deezer.com/album/302127",
                         eid="/dz/album/302127", name="Discovery", album_name="Discovery",
                         artist_names=["Daft Punk"])
    await catalog.upsert("soundcloud", "playlist", "chill-set", url="https://soundcloud.com/a/sets/chill-set",
                         eid="/sc/a/sets/chill-set", name="Chill", playlist_name="Chill")
    track = await (await client.get("/api/track/info", params={"id": "dQw4w9WgXcQ"},
                                    headers=auth)).json()
    _assert_spotify_track(track)
    assert track["album"]["images"][0]["url"].endswith("/hqdefault.jpg")
    assert track["external_urls"]["youtube"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    album = await (await client.get("/api/album/info", params={"id": "302127"},
                                    headers=auth)).json()
    assert album["release_date"].isdigit() and len(album["release_date"]) == 4
    assert album["release_date_precision"] == "year"
    assert album["copyrights"] == [] and album["tracks"]["items"] == []
    for path in ("/api/playlist/info", "/api/playlist/metadata"):
        playlist = await (await client.get(path, params={"id": "chill-set"}, headers=auth)).json()
        assert playlist["followers"] == {"href": None, "total": 0}, path
        assert playlist["owner"]["display_name"] == "" and playlist["public"] is False
    search = await (await client.get("/api/search", params={"q": "never", "search_type": "track"},
                                     headers=auth)).json()
    _assert_spotify_track(search["items"][0])


async def test_spotify_objects_keep_their_shape(spotify_client):
    client, auth = spotify_client
    track = await (await client.get("/api/track/info", params={"id": ONE_MORE_TIME},
                                    headers=auth)).json()
    _assert_spotify_track(track)
    assert track["uri"] == f"spotify:track:{ONE_MORE_TIME}"
    artist = await (await client.get("/api/artist/info", params={"id": DAFT_PUNK},
                                     headers=auth)).json()
    assert isinstance(artist["followers"]["total"], int)
    assert all(isinstance(a["release_date"], str) and a["release_date_precision"]
               for a in artist["albums"]["items"])


async def test_an_openwhyd_post_named_artist_dash_title_shows_its_artist(make_client):
    """Openwhyd names posts "Artist - Title"; Spotizerr's track page showed no artist."""
    from tests.handlers.social.helpers import register_member

    client = await make_client(oembed_url="http://127.0.0.1:9/oembed", allow_private_urls=True)
    bob = await register_member(client, "bob")
    resp = await client.post("/api/post", headers=bob.auth, data={
        "action": "insert", "eId": "/dz/3135556", "name": "Daft Punk - Harder Better Faster"})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["name"] == "Daft Punk - Harder Better Faster"  # the post's own
    auth = await signed_in(client)
    track = await (await client.get("/api/track/info", params={"id": "3135556"},
                                    headers=auth)).json()
    assert track["name"] == "Harder Better Faster"
    assert [a["name"] for a in track["artists"]] == ["Daft Punk"]
