"""Collections under the one collections model, over HTTP: the admin's delete of a user's
collections does what their owner's delete does, the admin's counts agree with the tracks and
collaborators the collections hold, a private playlist is shared with its members only, and a
repost filed in a private collection stays out of the original's public reposts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import insert_member, post
from tests.handlers.api.sono.helpers import COLLECTIONS, new_collection, track_item
from tests.handlers.social.helpers import start_with_fake_oembed

ADMIN = "/api/v1/admin"


@pytest.fixture
async def client(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_with_fake_oembed(make_client, aiohttp_server)


async def test_admin_deletes_a_users_collections_as_the_owner_would(client):
    store = ctx_of(client).store
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    root = await insert_member(client, "root", role="admin")
    made = await new_collection(client, ann, is_collaborative=True)
    item = await track_item(client, "Entry Song")
    resp = await client.post(f"{COLLECTIONS}/{made['id']}/tracks",
                             json={"audio_file_id": item.id}, headers=ann.auth)
    entry = (await resp.json())["id"]
    # a post ann made through Openwhyd, filed in the same playlist
    number = (await store.collections.get(made["id"])).number
    resp = await client.post("/api/post", headers=ann.auth, data={
        "action": "insert", "eId": "/yt/abcdefghijk", "name": "Own Post",
        "pl": json.dumps({"id": str(number), "name": "Mix"})})
    assert resp.status == 200, await resp.text()
    own = int((await resp.json())["_id"])
    assert (await store.posts.get(own)).collection_id == made["id"]
    resp = await client.post(f"{COLLECTIONS}/{made['id']}/collaborators",
                             json={"user_id": bob.id, "permission": "edit"}, headers=ann.auth)
    assert resp.status == 200, await resp.text()

    stats = await (await client.get(f"{ADMIN}/collections/stats", headers=root.auth)).json()
    assert stats["total_tracks"] == 2 and stats["collaborative_collections"] == 1
    assert stats["total_collaborators"] == 1
    mine = await (await client.get(f"{ADMIN}/users/{ann.id}/collections/stats",
                                   headers=root.auth)).json()
    assert (mine["total_collections"], mine["total_tracks"], mine["total_collaborators"]) == (
        1, 2, 1)
    [recent] = await (await client.get(f"{ADMIN}/collections/recent",
                                       headers=root.auth)).json()
    assert recent["track_count"] == 2 and recent["owner_username"] == "ann"

    resp = await client.delete(f"{ADMIN}/users/{ann.id}/collections/all", headers=root.auth)
    assert resp.status == 200 and (await resp.json())["deleted_count"] == 1
    # the entry added in the collection goes with it; the Openwhyd post goes back to ann's
    # profile; the collaborator's place goes
    assert await store.posts.get(entry) is None
    back = await store.posts.get(own)
    assert back is not None and back.collection_id is None and back.track_order is None
    assert await store.collections.collaborators([made["id"]]) in ({}, {made["id"]: []})
    stats = await (await client.get(f"{ADMIN}/collections/stats", headers=root.auth)).json()
    assert (stats["total_collections"], stats["total_tracks"],
            stats["total_collaborators"]) == (0, 0, 0)


async def test_a_private_playlist_is_shared_with_its_members_only(client):
    ann, bob, cid = [await insert_member(client, n) for n in ("ann", "bob", "cid")]
    made = await new_collection(client, ann, is_public=False, is_collaborative=True)
    resp = await client.post(f"{COLLECTIONS}/{made['id']}/collaborators",
                             json={"user_id": cid.id, "permission": "view"}, headers=ann.auth)
    assert resp.status == 200, await resp.text()
    number = (await ctx_of(client).store.collections.get(made["id"])).number
    pl_id = f"{ann.id}_{number}"
    resp = await client.post("/api/playlist", headers=ann.auth, data={
        "action": "sendToUsers", "plId": pl_id, "uidList[]": [str(cid.id), str(bob.id)]})
    # Openwhyd's playlist API answers its errors as {error} (with 200, as its AJAX errors)
    assert "private" in (await resp.json())["error"]
    resp = await client.post("/api/playlist", headers=ann.auth, data={
        "action": "sendToUsers", "plId": pl_id, "uidList[]": [str(cid.id)]})
    assert resp.status == 200 and await resp.json() == {"ok": 1}
    # a public playlist goes to anyone
    public = await new_collection(client, ann, title="Open")
    number = (await ctx_of(client).store.collections.get(public["id"])).number
    resp = await client.post("/api/playlist", headers=ann.auth, data={
        "action": "sendToUsers", "plId": f"{ann.id}_{number}", "uidList[]": [str(bob.id)]})
    assert resp.status == 200, await resp.text()


async def test_a_repost_into_a_private_collection_stays_out_of_the_public_reposts(client):
    store = ctx_of(client).store
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    original = await post(client, ann, "Open Song")
    hidden = await new_collection(client, bob, is_public=False)
    number = (await store.collections.get(hidden["id"])).number
    resp = await client.post("/api/post", headers=bob.auth, data={
        "action": "insert", "pId": str(original.id),
        "pl": json.dumps({"id": str(number), "name": hidden["title"]})})
    assert resp.status == 200, await resp.text()
    repost = int((await resp.json())["_id"])
    assert (await store.posts.get(repost)).collection_id == hidden["id"]

    async def public_reposts() -> tuple[list[str], int]:
        resp = await client.get("/api/post", params={"action": "reposts",
                                                     "pId": str(original.id)})
        return ([p["id"] for p in await resp.json()],
                (await store.posts.get(original.id)).repost_count)

    assert await public_reposts() == ([], 0)
    # the collection made public: the repost counts and shows; private again: it does not
    resp = await client.put(f"{COLLECTIONS}/{hidden['id']}", json={"is_public": True},
                            headers=bob.auth)
    assert resp.status == 200, await resp.text()
    assert await public_reposts() == ([str(bob.id)], 1)
    await client.put(f"{COLLECTIONS}/{hidden['id']}", json={"is_public": False},
                     headers=bob.auth)
    assert await public_reposts() == ([], 0)
    # unfiled (back on bob's profile), it is public
    await store.posts.update(repost, collection_id=None)
    assert await public_reposts() == ([str(bob.id)], 1)
