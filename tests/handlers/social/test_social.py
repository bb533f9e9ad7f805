"""The social core's domain and live pushes: posts, reactions, comments, reposts and shares
reach the right channels (raw websocket clients and the real centrifuge-python SDK), and the
RPC methods call the same operations as REST."""

from __future__ import annotations

import asyncio
from typing import Any

import centrifuge
import pytest

from handlers.geo import geohash
from handlers.identity.auth import principal_from_access_token
from handlers.social import posts
from hub.keys import node_key
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.social.helpers import (
    VIDEO,
    Member,
    register_member,
    spoton_post,
    start_with_fake_oembed,
)
from tests.sdk_events import SdkEvents
from tests.waiting import TIMEOUT

PARIS = (48.8566, 2.3522)


@pytest.fixture
async def client(make_client: Any, aiohttp_server: Any) -> Any:
    return await start_with_fake_oembed(make_client, aiohttp_server)


async def user_channel(client: Any, who: Member) -> RawCentrifuge:
    """A live connection of `who` (server-side subscribed to `user:#<id>`)."""
    return await RawCentrifuge.open(client, who.token, cookies=False)


async def principal_of(client: Any, who: Member) -> Any:
    return await principal_from_access_token(ctx_of(client), who.token)


async def no_push(conn: RawCentrifuge, channel: str) -> None:
    """Nothing arrives on `channel` before a ping round-trip (pushes come in order)."""
    await conn.call("rpc", {"method": "no.such.method", "data": {}})
    assert [p for p in conn.pushes if p.get("channel") == channel] == []


# ---- domain helpers ------------------------------------------------------------------------


def test_hashtags_are_lowercased_once_each_and_ignore_anchors_and_entities():
    text = "#Jazz night &#39; #jazz at http://x.example/#frag #late-show #"
    assert posts.hashtags(text) == ["jazz", "late-show"]


def test_mentions_are_read_from_openwhyd_syntax():
    text = "hi @[Ada L](user:12) and @[Bob](user:7) and @[Ada](user:12) @[x](user:abc)"
    assert posts.mentioned_ids(text) == [12, 7]


# ---- feed, posts channel, nearby -----------------------------------------------------------


async def test_a_connected_follower_receives_the_new_post_as_a_feed_item(client):
    ada, bob, cid = [await register_member(client, n) for n in ("ada", "bob", "cid")]
    await ctx_of(client).store.follows.follow(bob.id, ada.id)
    follower, stranger = await user_channel(client, bob), await user_channel(client, cid)
    post_id = await spoton_post(client, ada, comment="listen #jazz")
    push = await follower.next_push(f"user:#{bob.id}")
    item = push["pub"]["data"]
    assert item["type"] == "feed.item"
    assert item["post"]["id"] == post_id and item["post"]["user_id"] == ada.id
    assert item["post"]["user_name"] == "Ada" and item["post"]["link"] == VIDEO
    assert item["post"]["eid"] == "/yt/XdJVWSqb4Ck" and item["post"]["tags"] == ["jazz"]
    await no_push(stranger, f"user:#{cid.id}")
    await follower.close()
    await stranger.close()


async def test_the_authors_channel_hears_created_updated_and_deleted_posts(client):
    ada = await register_member(client, "ada")
    watcher = await RawCentrifuge.open(client, cookies=False)  # anonymous: posts are public
    assert "error" not in await watcher.call("subscribe", {"channel": f"posts:{ada.id}"})
    ctx = ctx_of(client)
    principal = await principal_of(client, ada)
    view = await posts.create_post(ctx, principal, posts.NewPost(eid="/yt/XdJVWSqb4Ck",
                                                                 name="Lullaby"))
    created = (await watcher.next_push(f"posts:{ada.id}"))["pub"]["data"]
    assert created["type"] == "post.created" and created["post"]["name"] == "Lullaby"
    await posts.edit_post(ctx, principal, view.post.id, posts.PostChanges(name="Lullaby (live)"))
    updated = (await watcher.next_push(f"posts:{ada.id}"))["pub"]["data"]
    assert updated["type"] == "post.updated" and updated["post"]["name"] == "Lullaby (live)"
    await posts.delete_post(ctx, principal, view.post.id)
    deleted = (await watcher.next_push(f"posts:{ada.id}"))["pub"]["data"]
    assert deleted == {"type": "post.deleted", "post": {"id": view.post.id, "user_id": ada.id}}
    await watcher.close()


async def test_a_located_post_reaches_its_nearby_cell(client):
    ada = await register_member(client, "ada")
    watcher = await RawCentrifuge.open(client, cookies=False)
    cell = geohash(*PARIS)
    assert "error" not in await watcher.call("subscribe", {"channel": f"nearby:{cell}"})
    post_id = await spoton_post(client, ada, latitude=str(PARIS[0]), longitude=str(PARIS[1]))
    data = (await watcher.next_push(f"nearby:{cell}"))["pub"]["data"]
    assert data["type"] == "post.created" and data["post"]["id"] == post_id
    assert data["post"]["geohash"] == cell
    await watcher.close()


async def test_a_located_post_in_a_private_playlist_stays_off_its_nearby_cell(client):
    ada = await register_member(client, "ada")
    ctx = ctx_of(client)
    hidden = await ctx.store.collections.create(ada.id, "diary", is_public=False)
    watcher = await RawCentrifuge.open(client, cookies=False)
    cell = geohash(*PARIS)
    assert "error" not in await watcher.call("subscribe", {"channel": f"nearby:{cell}"})
    principal = await principal_of(client, ada)
    await posts.create_post(ctx, principal, posts.NewPost(
        eid="/yt/XdJVWSqb4Ck", name="Secret", coordinates=PARIS,
        playlist=posts.PlaylistRef(number=hidden.number)))
    public_id = await spoton_post(client, ada, latitude=str(PARIS[0]), longitude=str(PARIS[1]))
    data = (await watcher.next_push(f"nearby:{cell}"))["pub"]["data"]  # the first to arrive
    assert data["post"]["id"] == public_id
    reply = await watcher.call("history", {"channel": f"nearby:{cell}", "limit": -1})
    assert [p["data"]["post"]["id"] for p in reply["history"]["publications"]] == [public_id]
    await watcher.close()


# ---- reactions, comments, mentions, reposts, shares ----------------------------------------


async def test_the_liked_posts_author_receives_the_like(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    post_id = await spoton_post(client, ada)
    author = await user_channel(client, ada)
    resp = await client.post(f"/api/posts/{post_id}/like", headers=bob.auth)
    assert (await resp.json())["message"] == "Post liked"
    like = (await author.next_push(f"user:#{ada.id}"))["pub"]["data"]
    assert like["type"] == "post.liked" and like["post_id"] == post_id
    assert like["by"] == {"id": bob.id, "name": "Bob"} and like["like_count"] == 1
    await client.post(f"/api/posts/{post_id}/like", headers=ada.auth)  # one's own: no notice
    await no_push(author, f"user:#{ada.id}")
    await author.close()


async def test_a_comment_reaches_the_author_and_a_mention_the_named_user(client):
    ada, bob, cid = [await register_member(client, n) for n in ("ada", "bob", "cid")]
    post_id = await spoton_post(client, ada)
    author, named = await user_channel(client, ada), await user_channel(client, cid)
    text = f"ask @[Cid](user:{cid.id}) about it"
    resp = await client.post("/api/post", data={"action": "addComment", "pId": str(post_id),
                                                "text": text}, headers=bob.auth)
    assert resp.status == 200
    comment = (await author.next_push(f"user:#{ada.id}"))["pub"]["data"]
    assert comment["type"] == "comment" and comment["comment"]["text"] == text
    assert comment["comment"]["user"] == {"id": bob.id, "name": "Bob"}
    mention = (await named.next_push(f"user:#{cid.id}"))["pub"]["data"]
    assert mention["type"] == "mention" and mention["by"]["id"] == bob.id
    assert mention["post_id"] == post_id and mention["comment"]["text"] == text
    await author.close()
    await named.close()


async def test_a_repost_reaches_the_original_author_and_the_reposters_followers(client):
    ada, bob, cid = [await register_member(client, n) for n in ("ada", "bob", "cid")]
    await ctx_of(client).store.follows.follow(cid.id, bob.id)
    post_id = await spoton_post(client, ada)
    author, follower = await user_channel(client, ada), await user_channel(client, cid)
    resp = await client.post("/api/post", data={"action": "insert", "pId": str(post_id)},
                             headers=bob.auth)
    repost_id = int((await resp.json())["_id"])
    notice = (await author.next_push(f"user:#{ada.id}"))["pub"]["data"]
    assert notice["type"] == "repost" and notice["repost"]["id"] == repost_id
    assert notice["repost_count"] == 1 and notice["by"]["id"] == bob.id
    item = (await follower.next_push(f"user:#{cid.id}"))["pub"]["data"]
    assert item["type"] == "feed.item" and item["post"]["repost_of"] == post_id
    await author.close()
    await follower.close()


async def test_sending_a_post_to_users_reaches_each_of_them(client):
    ada, bob, cid = [await register_member(client, n) for n in ("ada", "bob", "cid")]
    post_id = await spoton_post(client, ada)
    bob_conn, cid_conn = await user_channel(client, bob), await user_channel(client, cid)
    resp = await client.post(f"/api/post/{post_id}/sendToUsers",
                             data=[("uidList[]", str(bob.id)), ("uidList[]", str(cid.id))],
                             headers=ada.auth)
    assert await resp.json() == {"ok": 1}
    for conn, who in ((bob_conn, bob), (cid_conn, cid)):
        share = (await conn.next_push(f"user:#{who.id}"))["pub"]["data"]
        assert share["type"] == "share" and share["post"]["id"] == post_id
        assert share["by"] == {"id": ada.id, "name": "Ada"}
        await conn.close()


# ---- RPC -----------------------------------------------------------------------------------


async def test_rpc_posts_create_and_like_call_the_rest_operations(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    conn = await user_channel(client, ada)
    reply = await conn.call("rpc", {"method": "posts.create", "data": {
        "eId": "/yt/XdJVWSqb4Ck", "name": "Lullaby", "text": "#calm",
        "latitude": PARIS[0], "longitude": PARIS[1]}})
    created = reply["rpc"]["data"]
    assert created["name"] == "Lullaby" and created["link"] == VIDEO
    assert created["tags"] == ["calm"] and created["geohash"] == geohash(*PARIS)
    assert (await ctx_of(client).store.posts.get(created["id"])).user_id == ada.id
    liker = await user_channel(client, bob)
    for kind, outcome, likes, dislikes in (("like", "added", 1, 0), ("like", "already", 1, 0),
                                           ("dislike", "changed", 0, 1),
                                           ("unlike", "removed", 0, 0)):
        reply = await liker.call("rpc", {"method": "posts.like",
                                         "data": {"post_id": created["id"], "kind": kind}})
        assert reply["rpc"]["data"] == {"post_id": created["id"], "kind": kind,
                                        "outcome": outcome, "like_count": likes,
                                        "dislike_count": dislikes}
    reply = await liker.call("rpc", {"method": "posts.like", "data": {"post_id": 999999}})
    assert reply["error"]["code"] == 404
    reply = await liker.call("rpc", {"method": "posts.create", "data": {"link": "nope"}})
    assert reply["error"]["code"] == 400
    await conn.close()
    await liker.close()


# ---- the real SDK --------------------------------------------------------------------------


class CountingBroker:
    """The node's broker, counting the publishing calls that pass through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, list[str]]] = []

    async def publish(self, channel: str, data: bytes, **options: Any) -> Any:
        self.calls.append(("publish", [channel]))
        return await self.inner.publish(channel, data, **options)

    async def publish_many(self, channels: Any, data: bytes, **options: Any) -> Any:
        self.calls.append(("publish_many", list(channels)))
        return await self.inner.publish_many(channels, data, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_post_reaches_a_thousand_followers_in_one_broker_call(client):
    """Per-user fan-out is one many-channel publish, not an await per follower."""
    ada, bob = [await register_member(client, n) for n in ("ada", "bob")]
    store = ctx_of(client).store
    followers = [bob.id]
    for n in range(999):
        followers.append((await store.users.create(username=f"fan{n}", email=None)).id)
    for follower_id in followers:
        await store.follows.follow(follower_id, ada.id)
    node = client.server.app[node_key]
    counting = node.broker = CountingBroker(node.broker)
    live = await user_channel(client, bob)
    post_id = await spoton_post(client, ada, comment="for everyone")
    push = await live.next_push(f"user:#{bob.id}")
    assert push["pub"]["data"]["post"]["id"] == post_id
    to_users = [(kind, chans) for kind, chans in counting.calls
                if any(c.startswith("user:#") for c in chans)]
    assert len(to_users) == 1 and to_users[0][0] == "publish_many"
    assert sorted(to_users[0][1]) == sorted(f"user:#{f}" for f in followers)
    await live.close()


async def test_a_follower_connected_with_the_sdk_receives_the_feed_item(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    await ctx_of(client).store.follows.follow(bob.id, ada.id)
    url = str(client.make_url("/connection/websocket")).replace("http://", "ws://", 1)
    events = SdkEvents()
    sdk = centrifuge.Client(url, events=events, token=bob.token, proxy=None)
    try:
        await sdk.connect()
        channels = {(await asyncio.wait_for(events.subscribed.get(), TIMEOUT)).channel
                    for _ in range(2)}
        assert f"user:#{bob.id}" in channels
        post_id = await spoton_post(client, ada)
        pub = await asyncio.wait_for(events.publications.get(), TIMEOUT)
        assert pub.channel == f"user:#{bob.id}"
        assert pub.pub.data["type"] == "feed.item" and pub.pub.data["post"]["id"] == post_id
    finally:
        await sdk.disconnect()


async def test_a_new_post_and_a_like_reach_the_hot_channel(client):
    ada, bob = await register_member(client, "hotada"), await register_member(client, "hotbob")
    watcher = await RawCentrifuge.open(client, cookies=False)  # `hot` is public
    assert "error" not in await watcher.call("subscribe", {"channel": "hot"})
    post_id = await spoton_post(client, ada)
    push = await watcher.next_push("hot")
    assert push["pub"]["data"]["type"] == "hot"
    assert [t["post_id"] for t in push["pub"]["data"]["tracks"]] == [post_id]
    resp = await client.post(f"/api/posts/{post_id}/like", headers=bob.auth)
    assert (await resp.json())["message"] == "Post liked"
    await watcher.close()


async def test_openwhyd_user_counts_follows_posts_and_likes(client):
    ada, bob = await register_member(client, "cntada"), await register_member(client, "cntbob")
    post_id = await spoton_post(client, ada)
    await client.post(f"/api/posts/{post_id}/like", headers=ada.auth)
    await client.post(f"/api/follow/{ada.id}", headers=bob.auth)
    resp = await client.get("/api/user", params={
        "id": str(ada.id), "includeSubscr": "true", "countPosts": "true",
        "countLikes": "true", "isSubscr": "true"}, headers=bob.auth)
    body = await resp.json()
    assert (body["nbPosts"], body["nbLikes"]) == (1, 1)
    assert (body["nbSubscribers"], body["nbSubscriptions"]) == (1, 0)
    assert body["isSubscribing"] is True
