"""Follows live and over RPC: the followed user hears of a new follower on `user:#<uid>`,
followers may watch what the followed user plays now, and `follow.set` / `feed.page` call the
same operations as REST."""

from __future__ import annotations

from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.social.helpers import register_member


async def test_the_followed_user_hears_of_each_new_follow_once(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    bob_live = await RawCentrifuge.open(client, bob.token)
    resp = await client.post(f"/api/follow/{bob.id}", headers=ann.auth)
    assert resp.status == 200
    push = await bob_live.next_push(f"user:#{bob.id}")
    data = push["pub"]["data"]
    assert data["type"] == "follow" and data["by"] == {"id": ann.id, "name": "Ann"}
    assert data["user_id"] == bob.id
    await client.post(f"/api/follow/{bob.id}", headers=ann.auth)  # already following
    await client.post(f"/api/unfollow/{bob.id}", headers=ann.auth)
    await client.post(f"/api/follow/{bob.id}", headers=ann.auth)  # a new follow again
    cid = await register_member(client, "cid")
    await client.post(f"/api/follow/{bob.id}", headers=cid.auth)
    followers = [(await bob_live.next_push(f"user:#{bob.id}"))["pub"]["data"]["by"]["id"]
                 for _ in range(2)]
    assert followers == [ann.id, cid.id]  # nothing for the repeated follow
    await bob_live.close()


async def test_a_follower_may_watch_now_playing_and_a_stranger_may_not(client):
    ann, bob, cid = [await register_member(client, n) for n in ("ann", "bob", "cid")]
    channel = f"nowplaying:{bob.id}"
    ann_live = await RawCentrifuge.open(client, ann.token)
    assert (await ann_live.call("subscribe", {"channel": channel}))["error"]["code"] == 103
    await client.post(f"/api/follow/{bob.id}", headers=ann.auth)
    assert "error" not in await ann_live.call("subscribe", {"channel": channel})
    resp = await client.post("/api/save-now-playing", headers=bob.auth,
                             json={"link": "https://www.youtube.com/watch?v=XdJVWSqb4Ck"})
    assert resp.status == 200
    push = await ann_live.next_push(channel)
    assert push["pub"]["data"]["type"] == "nowplaying" and push["pub"]["data"]["user_id"] == bob.id
    cid_live = await RawCentrifuge.open(client, cid.token)
    assert (await cid_live.call("subscribe", {"channel": channel}))["error"]["code"] == 103
    anonymous = await RawCentrifuge.open(client, cookies=False)
    assert (await anonymous.call("subscribe", {"channel": channel}))["error"]["code"] == 103
    for conn in (ann_live, cid_live, anonymous):
        await conn.close()


async def test_rpc_follow_set_follows_and_unfollows(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    conn = await RawCentrifuge.open(client, ann.token)
    reply = await conn.call("rpc", {"method": "follow.set",
                                    "data": {"user_id": bob.id, "follow": True}})
    assert reply["rpc"]["data"] == {"user_id": bob.id, "following": True}
    follows = ctx_of(client).store.follows
    assert await follows.get(ann.id, bob.id) is not None
    reply = await conn.call("rpc", {"method": "follow.set",
                                    "data": {"user_id": bob.id, "follow": False}})
    assert reply["rpc"]["data"] == {"user_id": bob.id, "following": False}
    assert await follows.get(ann.id, bob.id) is None
    await conn.close()


async def test_rpc_follow_set_refuses_bad_input_and_changes_nothing(client):
    ann = await register_member(client, "ann")
    conn = await RawCentrifuge.open(client, ann.token)
    for data, code in (({"user_id": ann.id}, 400), ({"user_id": "2"}, 400),
                       ({"user_id": 999}, 404), ({"user_id": ann.id, "follow": "yes"}, 400)):
        reply = await conn.call("rpc", {"method": "follow.set", "data": data})
        assert reply["error"]["code"] == code, data
    assert await ctx_of(client).store.follows.counts(ann.id) == (0, 0)
    await conn.close()


async def test_rpc_feed_page_returns_the_callers_stream(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    store = ctx_of(client).store
    await store.follows.follow(ann.id, bob.id)
    ids = [(await store.posts.create(user_id=uid, link=f"https://www.youtube.com/watch?v=v{i}",
                                     eid=f"/yt/v{i}", name=f"song {i}")).id
           for i, uid in enumerate((ann.id, bob.id, bob.id))]
    conn = await RawCentrifuge.open(client, ann.token)
    reply = await conn.call("rpc", {"method": "feed.page", "data": {"limit": 2}})
    posts = reply["rpc"]["data"]["posts"]
    assert [p["id"] for p in posts] == [ids[2], ids[1]] and posts[0]["user_name"] == "Bob"
    reply = await conn.call("rpc", {"method": "feed.page", "data": {"after": ids[1]}})
    assert [p["id"] for p in reply["rpc"]["data"]["posts"]] == [ids[0]]
    reply = await conn.call("rpc", {"method": "feed.page", "data": {"limit": 0}})
    assert reply["error"]["code"] == 400
    await conn.close()
