"""A track filed in a private Sono collection stays private on every surface that reads posts,
over HTTP: hot tracks, Spot On's post lists and post by id, Openwhyd's `/c/<id>`, lovers,
comments, likes, shares, profile counts, search nearby, and the live pushes. Its owner, its
collaborators and admins still see it; a stranger and the signed-out do not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest

from handlers.geo import geohash
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.social_helpers import insert_member, post
from tests.handlers.api.sono.helpers import COLLECTIONS, new_collection, track_item
from tests.handlers.social.helpers import Member, start_with_fake_oembed

PARIS = (48.8566, 2.3522)
TODAY = datetime.now(UTC).date().isoformat()


class Scene(NamedTuple):
    ann: Member  # owns the private collection
    bob: Member  # a stranger
    cid: Member  # a collaborator (view)
    collection_id: int
    secret: int  # the post filed in the private collection
    public: int  # a post of ann's anyone sees


@pytest.fixture
async def client(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_with_fake_oembed(make_client, aiohttp_server)


async def scene(client: Any) -> Scene:
    """ann's private collaborative collection holding one track (added through Sono, placed in
    Paris), cid a view collaborator, and a public post of ann's in Paris."""
    ann, bob, cid = [await insert_member(client, n) for n in ("ann", "bob", "cid")]
    made = await new_collection(client, ann, is_public=False, is_collaborative=True)
    item = await track_item(client, "Secret Song")
    resp = await client.post(f"{COLLECTIONS}/{made['id']}/tracks",
                             json={"audio_file_id": item.id}, headers=ann.auth)
    assert resp.status == 200, await resp.text()
    secret = (await resp.json())["id"]
    resp = await client.post(f"{COLLECTIONS}/{made['id']}/collaborators",
                             json={"user_id": cid.id, "permission": "view"}, headers=ann.auth)
    assert resp.status == 200, await resp.text()
    await ctx_of(client).store.posts.update(secret, latitude=PARIS[0], longitude=PARIS[1],
                                            geohash=geohash(*PARIS))
    public = await post(client, ann, "Open Song", at=PARIS)
    return Scene(ann, bob, cid, made["id"], secret, public.id)


def _auth(who: Member | None) -> dict[str, str]:
    return who.auth if who is not None else {}


async def _ids(resp: Any, key: str = "posts", field: str = "id") -> set[int]:
    assert resp.status == 200, await resp.text()
    return {int(p[field]) for p in (await resp.json())[key]}


async def test_hot_tracks_count_only_posts_anyone_may_see(client):
    s = await scene(client)
    for who in (s.bob, None, s.ann):
        resp = await client.get("/hot", params={"format": "json"}, headers=_auth(who))
        ids = await _ids(resp, "tracks", "pId")
        assert s.public in ids and s.secret not in ids


async def test_spoton_user_posts_and_their_total_follow_the_viewer(client):
    s = await scene(client)
    params = {"user_id": str(s.ann.id)}
    resp = await client.get("/api/get-user-posts", params=params, headers=s.bob.auth)
    body = await resp.json()
    assert {p["id"] for p in body["posts"]} == {s.public} and body["total_posts"] == 1
    for who in (s.ann, s.cid):
        resp = await client.get("/api/get-user-posts", params=params, headers=who.auth)
        body = await resp.json()
        assert {p["id"] for p in body["posts"]} == {s.public, s.secret}
        assert body["total_posts"] == 2


async def test_spoton_post_by_id_is_not_found_for_a_stranger(client):
    s = await scene(client)
    resp = await client.post("/api/get-posts", json={"post_id": s.secret}, headers=s.bob.auth)
    assert resp.status == 404 and await resp.json() == {"error": "Post not found"}
    admin = await insert_member(client, "root", role="admin")
    for who in (s.ann, s.cid, admin):
        resp = await client.post("/api/get-posts", json={"post_id": s.secret},
                                 headers=who.auth)
        assert resp.status == 200 and (await resp.json())["id"] == s.secret


async def test_spoton_posts_by_date_and_by_link_leave_it_out_for_a_stranger(client):
    s = await scene(client)
    link = (await ctx_of(client).store.posts.get(s.secret)).link
    by_date = {"start_date": TODAY, "end_date": TODAY, "page_number": 1, "page_size": 10}
    resp = await client.post("/api/get-posts", json=by_date, headers=s.bob.auth)
    assert await _ids(resp) == {s.public}
    resp = await client.post("/api/get-posts", json={"post_link": link}, headers=s.bob.auth)
    assert await _ids(resp) == set()
    resp = await client.post("/api/get-posts", json=by_date, headers=s.ann.auth)
    assert await _ids(resp) == {s.public, s.secret}
    resp = await client.post("/api/get-posts", json={"post_link": link}, headers=s.ann.auth)
    assert await _ids(resp) == {s.secret}


async def test_most_shared_nearby_leaves_it_out_for_a_stranger(client):
    s = await scene(client)
    query = {"latitude": str(PARIS[0]), "longitude": str(PARIS[1]), "radius": "5"}
    resp = await client.get("/api/most-shared-nearby-things", params=query, headers=s.bob.auth)
    assert await _ids(resp, "songs") == {s.public}
    resp = await client.get("/api/most-shared-nearby-things", params=query, headers=s.ann.auth)
    assert await _ids(resp, "songs") == {s.public, s.secret}


async def test_openwhyd_post_page_is_not_found_for_a_stranger(client):
    s = await scene(client)
    for who in (s.bob, None):
        resp = await client.get(f"/c/{s.secret}", params={"format": "json"},
                                headers=_auth(who))
        assert resp.status == 404
    resp = await client.get(f"/c/{s.secret}", params={"format": "json"}, headers=s.ann.auth)
    assert resp.status == 200 and (await resp.json())["data"]["_id"] == str(s.secret)


async def test_a_stranger_may_not_comment_like_or_read_its_lovers(client):
    s = await scene(client)
    store = ctx_of(client).store
    resp = await client.post("/api/post", data={"action": "addComment", "pId": str(s.secret),
                                                "text": "hi"}, headers=s.bob.auth)
    assert resp.status == 400 and "not found" in (await resp.json())["error"].lower()
    resp = await client.post(f"/api/posts/{s.secret}/like", headers=s.bob.auth)
    assert await resp.json() == {"status": "success", "message": "Post not found"}  # Spot On's
    resp = await client.post("/api/post", data={"action": "toggleLovePost",
                                                "pId": str(s.secret)}, headers=s.bob.auth)
    assert await resp.json() == {"loved": False, "lovers": 0}  # Openwhyd's missing post
    resp = await client.post("/api/post", data={"action": "insert", "pId": str(s.secret)},
                             headers=s.bob.auth)
    assert resp.status == 400  # no repost either
    assert (await store.posts.comments([s.secret]))[s.secret] == []
    assert (await store.posts.get(s.secret)).like_count == 0
    assert await store.posts.count_by_user(s.bob.id) == 0
    resp = await client.post(f"/api/posts/{s.secret}/like", headers=s.ann.auth)
    assert (await resp.json())["message"] == "Post liked"
    resp = await client.get("/api/post", params={"action": "lovers", "pId": str(s.secret)},
                            headers=s.bob.auth)
    assert resp.status == 200 and await resp.json() == []
    resp = await client.get("/api/post", params={"action": "lovers", "pId": str(s.secret)},
                            headers=s.cid.auth)
    assert [p["id"] for p in await resp.json()] == [str(s.ann.id)]
    resp = await client.post("/api/post", data={"action": "addComment", "pId": str(s.secret),
                                                "text": "mine"}, headers=s.cid.auth)
    assert resp.status == 200
    assert len((await store.posts.comments([s.secret]))[s.secret]) == 1


async def test_it_may_not_be_shared_with_someone_who_may_not_see_it(client):
    s = await scene(client)
    resp = await client.post("/api/post", data={"action": "sendToUsers", "pId": str(s.secret),
                                                "uidList[]": [str(s.bob.id)]},
                             headers=s.ann.auth)
    assert resp.status == 400 and "private" in (await resp.json())["error"]
    resp = await client.post("/api/post", data={"action": "sendToUsers", "pId": str(s.secret),
                                                "uidList[]": [str(s.cid.id)]},
                             headers=s.ann.auth)
    assert resp.status == 200, await resp.text()


async def test_profile_counts_and_last_artists_follow_the_viewer(client):
    s = await scene(client)
    await client.post(f"/api/posts/{s.secret}/like", headers=s.ann.auth)
    params = {"id": str(s.ann.id), "countPosts": "true", "countLikes": "true",
              "includeTags": "true"}
    resp = await client.get("/api/user", params=params, headers=s.bob.auth)
    body = await resp.json()
    assert (body["nbPosts"], body["nbLikes"], body["lastArtists"]) == (1, 0, [])
    resp = await client.get("/api/user", params=params, headers=s.ann.auth)
    body = await resp.json()
    assert (body["nbPosts"], body["nbLikes"], body["lastArtists"]) == (2, 1, ["Nina"])


async def test_live_a_private_post_reaches_only_the_collections_members(client):
    s = await scene(client)
    store = ctx_of(client).store
    await store.follows.follow(s.bob.id, s.ann.id)
    number = (await store.collections.get(s.collection_id)).number
    follower = await RawCentrifuge.open(client, s.bob.token, cookies=False)
    member = await RawCentrifuge.open(client, s.cid.token, cookies=False)
    resp = await client.post("/api/post", data={
        "action": "insert", "eId": "/yt/quiet", "name": "Quiet", "pl[id]": str(number)},
        headers=s.ann.auth)
    assert resp.status == 200, await resp.text()
    quiet = int((await resp.json())["_id"])
    push = (await member.next_push(f"user:#{s.cid.id}"))["pub"]["data"]
    assert push["type"] == "post.created" and push["post"]["id"] == quiet
    resp = await client.post("/api/post", data={"action": "insert", "eId": "/yt/loud",
                                                "name": "Loud"}, headers=s.ann.auth)
    loud = int((await resp.json())["_id"])
    item = (await follower.next_push(f"user:#{s.bob.id}"))["pub"]["data"]
    assert item["type"] == "feed.item" and item["post"]["id"] == loud  # the private one never came
    await follower.close()
    await member.close()
