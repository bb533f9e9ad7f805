"""Openwhyd's GET /search over HTTP: the add-track list, the quick list, the search page as
JSON and as (escaped) HTML."""

from __future__ import annotations

from store.records import UserPatch
from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import insert_member, post

HIT_KEYS = {"id", "eId", "url", "img", "name", "uId", "uNm", "score"}


async def search(client, who=None, **params):
    resp = await client.get("/search", params=params, headers=who.auth if who else {})
    return resp.status, await resp.json()


async def people(client):
    """Ada follows Bob; Cy is a stranger to her."""
    ada, bob, cy = [await insert_member(client, n) for n in ("ada", "bob", "cy")]
    await ctx_of(client).store.follows.follow(ada.id, bob.id)
    return ada, bob, cy


async def test_add_track_lists_other_peoples_tracks_followed_first(client):
    ada, bob, cy = await people(client)
    await post(client, ada, "Coco Jamboo")
    stranger = await post(client, cy, "Coconut", image="https://img.example/c.jpg")
    followed = await post(client, bob, "Coco Jamboo")
    status, body = await search(client, ada, context="addTrack", q="coc")
    assert status == 200
    assert body == [
        {"id": str(followed.id), "eId": "/yt/Coco_Jamboo",
         "url": "https://www.youtube.com/watch?v=Coco_Jamboo", "img": "", "name": "Coco Jamboo",
         "uId": str(bob.id), "uNm": "Bob", "score": 10},
        {"id": str(stranger.id), "eId": "/yt/Coconut",
         "url": "https://www.youtube.com/watch?v=Coconut", "img": "https://img.example/c.jpg",
         "name": "Coconut", "uId": str(cy.id), "uNm": "Cy", "score": 0}]


async def test_add_track_gives_one_post_per_track_and_at_most_five(client):
    ada, bob, cy = await people(client)
    for n in range(4):
        await post(client, cy, "Lullaby", text=f"again {n}")
    for n in range(7):
        await post(client, bob, f"Lullaby {n}")
    status, body = await search(client, ada, context="addTrack", q="lull")
    assert status == 200 and len(body) == 5 and all(set(h) == HIT_KEYS for h in body)
    assert len({h["eId"] for h in body}) == 5
    assert all(h["score"] == 10 for h in body)  # Bob's tracks first


async def test_add_track_works_for_visitors_and_without_a_query(client):
    _, bob, _ = await people(client)
    await post(client, bob, "Coco")
    status, body = await search(client, context="addTrack", q="coco")
    assert status == 200 and [h["uNm"] for h in body] == ["Bob"] and body[0]["score"] == 0
    assert await search(client, context="addTrack") == (200, [])


async def test_quick_lists_my_tracks_then_others(client):
    ada, bob, cy = await people(client)
    mine = await post(client, ada, "Coco mine")
    theirs = await post(client, cy, "Coco theirs")
    status, body = await search(client, ada, context="quick", q="coco")
    assert status == 200 and body["q"] == "coco"
    assert [h["id"] for h in body["results"]["myPosts"]] == [str(mine.id)]
    assert [h["id"] for h in body["results"]["theirPosts"]] == [str(theirs.id)]
    assert await search(client, ada, context="quick") == (
        200, {"q": "", "results": {"myPosts": [], "theirPosts": []}})


async def test_quick_needs_a_login(client):
    assert await search(client, context="quick", q="coco") == (
        401, {"error": "you must be logged in to use that feature"})


async def test_the_search_page_orders_tracks_mine_followed_others(client):
    ada, bob, cy = await people(client)
    other = await post(client, cy, "Coco")
    followed = await post(client, bob, "Coco")
    mine = await post(client, ada, "Coco")
    status, body = await search(client, ada, q="coco", format="json")
    assert status == 200 and body["q"] == "coco"
    tracks = body["results"]["tracks"]
    assert [t["_id"] for t in tracks] == [str(mine.id), str(followed.id), str(other.id)]
    assert [(t["isSubscribed"], t["score"]) for t in tracks] == [(False, 2), (True, 1),
                                                                  (False, 0)]
    assert tracks[0]["uNm"] == "Ada" and tracks[0]["eId"] == "/yt/Coco"
    assert body["results"]["posts"] == tracks


async def test_the_search_page_finds_people_and_filled_playlists(client):
    ada, bob, cy = await people(client)
    store = ctx_of(client).store
    await store.users.update(cy.id, UserPatch(name="Coco"))
    filled = await store.collections.create(bob.id, "Coco mix")
    await post(client, bob, "Song", collection_id=filled.id)
    await store.collections.create(bob.id, "Coco empty")
    secret = await store.collections.create(cy.id, "Coco secret", is_public=False)
    await post(client, cy, "Hidden", collection_id=secret.id)
    last = await post(client, cy, "Latest")
    status, body = await search(client, ada, q="coco", format="json")
    users = body["results"]["users"]
    assert [(u["_id"], u["name"], u["isSubscribed"]) for u in users] == [
        (str(cy.id), "Coco", False)]
    assert users[0]["lastTrack"]["_id"] == str(last.id)
    assert body["results"]["playlists"] == [{
        "id": f"{bob.id}_0", "plId": "0", "uId": str(bob.id), "uNm": "Bob", "name": "Coco mix",
        "nbTracks": 1, "isSubscribed": True}]
    _, own = await search(client, cy, q="secret", format="json")
    assert [p["name"] for p in own["results"]["playlists"]] == ["Coco secret"]


async def test_tracks_in_a_private_collection_are_found_by_its_owner_only(client):
    ada, bob, cy = await people(client)
    secret = await ctx_of(client).store.collections.create(cy.id, "secret", is_public=False)
    await post(client, cy, "Whisper", collection_id=secret.id)
    for who in (ada, None):
        _, body = await search(client, who, q="whisper", format="json")
        assert body["results"]["tracks"] == [] and body["results"]["posts"] == []
    _, own = await search(client, cy, q="whisper", format="json")
    assert [p["name"] for p in own["results"]["posts"]] == ["Whisper"]


async def test_no_query_gives_empty_results(client):
    assert await search(client, format="json") == (200, {"q": "", "results": {
        "tracks": [], "posts": [], "users": [], "playlists": []}})


async def test_the_html_page_escapes_what_people_typed(client):
    ada = await insert_member(client, "ada", name="<b>Ada</b>")
    await post(client, ada, "<script>alert(1)</script> coco")
    resp = await client.get("/search", params={"q": 'coco"><script>'})
    html = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/html"
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; coco" in html
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html and 'value="coco&quot;&gt;&lt;script&gt;"' in html
    resp = await client.get("/search")
    assert resp.status == 200 and '<form method="get" action="/search">' in await resp.text()
