"""EchoStats' /api/v1/recommendations over HTTP: Chorus's own recommender — tracks played or
posted by the people who play the user's top tracks, their top artists' other tracks, genre
seeds, the reasons, the shapes, what the user already plays a lot left out, the empty answer
and the 422s."""

from __future__ import annotations

import time
from typing import Any

import pytest

from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn, TrackRef
from tests.conftest import ctx_of
from tests.handlers.api.echostats.helpers import fields_of
from tests.handlers.social.helpers import register_member

NOW = time.time() - 30 * 86400  # a month ago: no streak pushes in the way
CREEP, NUDE, KARMA = "70LcF31zb1H0PyJoS1Sx1r", "1XB1QBkxW3lHMpLBpCBCQk", "63OQupATfueTdZMWTxW03A"
TEARDROP, GLORY_BOX = "67Hna13dNDkZvBpTXRIaOJ", "3Ty7OTBNSigGEpeW2PqcsC"
TRACKS = {  # id -> (name, artist, album, genres)
    CREEP: ("Creep", "Radiohead", "Pablo Honey", ["alternative rock"]),
    NUDE: ("Nude", "Radiohead", "In Rainbows", ["art rock"]),
    KARMA: ("Karma Police", "Radiohead", "OK Computer", ["art rock", "alternative rock"]),
    TEARDROP: ("Teardrop", "Massive Attack", "Mezzanine", ["trip hop"]),
    GLORY_BOX: ("Glory Box", "Portishead", "Dummy", ["trip hop"]),
}


async def listen(ctx: Any, user_id: int, track: str, times: int) -> None:
    await record_plays(ctx, user_id, [
        PlayIn(played_at=NOW - 3600 * i, ms_played=200_000, source="manual",
               track=TrackRef(spotify_uri=f"spotify:track:{track}")) for i in range(times)])


@pytest.fixture
async def people(client: Any) -> dict[str, Any]:
    """Ada plays Creep; Bob plays Creep, Nude and Teardrop and posted Glory Box; Carol plays
    only Teardrop; Karma Police is in the catalog, played by nobody."""
    ctx = ctx_of(client)
    for track_id, (name, artist, album, genres) in TRACKS.items():
        await ctx.store.catalog.upsert(
            "spotify", "track", track_id, name=name, artist_names=[artist], album_name=album,
            genres=genres, duration_ms=200_000, image=f"https://i.scdn.co/image/{track_id}",
            url=f"https://open.spotify.com/track/{track_id}", eid=f"/sp/{track_id}")
    ada, bob, carol, dan = [await register_member(client, n) for n in
                            ("ada", "bob", "carol", "dan")]
    await listen(ctx, ada.id, CREEP, 5)
    for track, times in ((CREEP, 2), (NUDE, 4), (TEARDROP, 2)):
        await listen(ctx, bob.id, track, times)
    glory = await ctx.store.catalog.find("spotify", "track", GLORY_BOX)
    await ctx.store.posts.create(user_id=bob.id, link=glory.url, eid=glory.eid,
                                 catalog_id=glory.id, name="Glory Box")
    await listen(ctx, carol.id, TEARDROP, 3)
    return {"ada": ada, "bob": bob, "carol": carol, "dan": dan}


async def recommended(client: Any, who: Any, **params: Any) -> dict[str, Any]:
    resp = await client.get("/api/v1/recommendations", params=params, headers=who.auth)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def named(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i["name"], i["reason"]) for i in body["items"]]


async def test_tracks_come_from_the_people_who_play_the_same(client, people):
    body = await recommended(client, people["ada"], seed_type="tracks")
    # Bob plays Creep too: his Nude (4 plays), the Glory Box he posted (3), Teardrop (2)
    because = "Listened by people who play Creep"
    assert named(body) == [("Nude", because), ("Glory Box", because), ("Teardrop", because)]
    assert body["seed_info"] == {"type": "tracks", "top_artist": "Radiohead",
                                 "top_genre": "alternative rock"}
    assert body["total"] == 3


async def test_artists_give_the_top_artists_other_tracks(client, people):
    body = await recommended(client, people["ada"], seed_type="artists")
    assert named(body) == [("Nude", "Because you listen to Radiohead"),
                           ("Karma Police", "Because you listen to Radiohead")]


async def test_mixed_alternates_and_shows_the_documented_shape(client, people):
    body = await recommended(client, people["ada"])
    assert [i["name"] for i in body["items"]] == ["Nude", "Glory Box", "Karma Police",
                                                  "Teardrop"]
    assert body["items"][2] == {
        "id": KARMA, "name": "Karma Police", "artists": ["Radiohead"], "artist": "Radiohead",
        "album": "OK Computer", "album_image": f"https://i.scdn.co/image/{KARMA}",
        "duration_ms": 200_000, "popularity": None, "audio_features": None,
        "external_url": f"https://open.spotify.com/track/{KARMA}",
        "reason": "Because you listen to Radiohead"}
    assert body["seed_info"]["type"] == "mixed"
    assert len((await recommended(client, people["ada"], limit=2))["items"]) == 2


async def test_genres_keep_the_tracks_of_the_top_genres(client, people):
    body = await recommended(client, people["ada"], seed_type="genres")
    assert named(body) == [("Karma Police", "Because you like alternative rock")]


async def test_what_the_user_plays_a_lot_is_no_recommendation(client, people):
    await listen(ctx_of(client), people["ada"].id, NUDE, 3)
    body = await recommended(client, people["ada"], seed_type="tracks")
    assert "Nude" not in [i["name"] for i in body["items"]]
    assert [i["name"] for i in body["items"]] == ["Glory Box", "Teardrop"]


async def test_no_listening_history_is_the_empty_answer(client, people):
    assert await recommended(client, people["dan"]) == {"items": [], "seed_info": {}}


@pytest.mark.parametrize(("params", "field"), [
    ({"seed_type": "moods"}, "seed_type"), ({"limit": "0"}, "limit"), ({"limit": "51"}, "limit")])
async def test_bad_parameters_are_422(client, people, params, field):
    resp = await client.get("/api/v1/recommendations", params=params,
                            headers=people["ada"].auth)
    assert resp.status == 422
    assert [f[0] for f in fields_of(await resp.json())] == [("query", field)]
