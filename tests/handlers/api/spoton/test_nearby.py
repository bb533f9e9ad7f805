"""Spot On's GET /api/most-shared-nearby-things over HTTP: a radius in km, links ranked by how
often they were shared, pagination, and the document's exact validation error."""

from __future__ import annotations

import pytest

from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import insert_member, post

PARIS = (48.8566, 2.3522)
INVALID = {"error": "Invalid input for latitude, longitude, radius, page, or size."}
POST_KEYS = {"id", "user_id", "comment", "image", "link", "created_at", "total_likes",
             "total_dislikes", "content", "tags", "latitude", "longitude", "share_count"}


def north_of_paris(km: float) -> tuple[float, float]:
    return PARIS[0] + km / 111.2, PARIS[1]


async def nearby(client, who, **params):
    query = {"latitude": str(PARIS[0]), "longitude": str(PARIS[1]), "radius": "5", **params}
    resp = await client.get("/api/most-shared-nearby-things", params=query,
                            headers=who.auth if who else {})
    return resp.status, await resp.json()


async def test_signing_in_is_required(client):
    status, body = await nearby(client, None)
    assert (status, body) == (401, {"error": "User not authenticated"})
    status, body = await nearby(client, None, latitude="north")
    assert (status, body) == (401, {"error": "User not authenticated"})


async def test_only_posts_within_the_radius_in_km_count(client):
    ada = await insert_member(client, "ada")
    inside = await post(client, ada, "Near", at=north_of_paris(3))
    await post(client, ada, "Far", at=north_of_paris(7))
    # inside the bounding box, but 6.3 km away diagonally
    await post(client, ada, "Corner", at=(PARIS[0] + 0.04, PARIS[1] + 0.0608))
    await post(client, ada, "Nowhere")
    status, body = await nearby(client, ada)
    assert status == 200
    assert [s["id"] for s in body["songs"]] == [inside.id]
    assert body["pagination"] == {"page": 1, "size": 10, "total_pages": 1, "total_songs": 1}
    _, wider = await nearby(client, ada, radius="7.5")
    assert {s["link"].rsplit("=", 1)[1] for s in wider["songs"]} == {"Near", "Far", "Corner"}


async def test_links_are_ranked_by_shares_one_post_each_the_latest(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    item = await ctx_of(client).store.catalog.upsert(
        "youtube", "video", "hit", url="https://www.youtube.com/watch?v=hit", eid="/yt/hit",
        name="The hit", description="The hit by Someone")
    for who in (ada, bob, ada):
        latest_hit = await post(client, who, "hit", at=PARIS, catalog_id=item.id,
                                text=f"by {who.name}")
    for who in (bob, ada):
        await post(client, who, "second", at=north_of_paris(1))
    await post(client, bob, "third", at=north_of_paris(2))
    _, body = await nearby(client, ada)
    assert [(s["link"].rsplit("=", 1)[1], s["share_count"]) for s in body["songs"]] == [
        ("hit", 3), ("second", 2), ("third", 1)]
    top = body["songs"][0]
    assert set(top) == POST_KEYS and top["id"] == latest_hit.id and top["comment"] == "by Ada"
    assert top["content"] == {"id": item.id, "link": "https://www.youtube.com/watch?v=hit",
                              "description": "The hit by Someone", "content_type": "video"}
    assert top["total_likes"] == 0 and top["tags"] == [] and top["latitude"] == PARIS[0]


async def test_equal_shares_put_the_most_recently_shared_first(client):
    ada = await insert_member(client, "ada")
    await post(client, ada, "older", at=PARIS)
    await post(client, ada, "newer", at=PARIS)
    _, body = await nearby(client, ada)
    assert [s["link"].rsplit("=", 1)[1] for s in body["songs"]] == ["newer", "older"]


async def test_pages_of_links(client):
    ada = await insert_member(client, "ada")
    for n, shares in enumerate((3, 2, 1)):
        for _ in range(shares):
            await post(client, ada, f"song{n}", at=PARIS)
    pages = []
    for page in (1, 2, 3):
        status, body = await nearby(client, ada, page=str(page), size="2")
        assert status == 200
        assert body["pagination"] == {"page": page, "size": 2, "total_pages": 2,
                                      "total_songs": 3}
        pages.append([s["link"].rsplit("=", 1)[1] for s in body["songs"]])
    assert pages == [["song0", "song1"], ["song2"], []]


async def test_nothing_nearby_is_an_empty_first_page(client):
    ada = await insert_member(client, "ada")
    assert await nearby(client, ada) == (200, {"songs": [], "pagination": {
        "page": 1, "size": 10, "total_pages": 0, "total_songs": 0}})


async def test_the_search_crosses_the_antimeridian(client):
    ada = await insert_member(client, "ada")
    east = await post(client, ada, "east", at=(0.0, 179.99))
    await post(client, ada, "far", at=(0.0, 178.0))
    status, body = await nearby(client, ada, latitude="0", longitude="-179.99", radius="10")
    assert status == 200 and [s["id"] for s in body["songs"]] == [east.id]


@pytest.mark.parametrize("params", [
    {"latitude": ""}, {"latitude": "north"}, {"latitude": "91"}, {"latitude": "nan"},
    {"longitude": "181"}, {"longitude": "-inf"}, {"radius": ""}, {"radius": "0"},
    {"radius": "-3"}, {"radius": "501"}, {"radius": "nan"}, {"page": "0"}, {"page": "x"},
    {"page": "1.5"}, {"size": "0"}, {"size": "101"}, {"size": "ten"},
])
async def test_any_bad_input_gets_the_documented_error(client, params):
    ada = await insert_member(client, "ada")
    await post(client, ada, "Near", at=PARIS)
    assert await nearby(client, ada, **params) == (400, INVALID)


async def test_missing_coordinates_get_the_documented_error(client):
    ada = await insert_member(client, "ada")
    resp = await client.get("/api/most-shared-nearby-things", headers=ada.auth)
    assert (resp.status, await resp.json()) == (400, INVALID)
