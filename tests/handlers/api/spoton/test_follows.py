"""Spot On follows: `POST api/follow/<id>` and `POST api/unfollow/<id>` with the documented
messages, and every failure as `{"error"}` changing nothing."""

from __future__ import annotations

from tests.conftest import ctx_of
from tests.handlers.social.helpers import register_member


async def test_follow_answers_the_documented_message_and_follows(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    resp = await client.post(f"/api/follow/{bob.id}", headers=ann.auth)
    assert resp.status == 200
    assert await resp.json() == {"message": "You are now following bob"}
    assert await ctx_of(client).store.follows.counts(bob.id) == (1, 0)


async def test_following_twice_keeps_one_follow(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    for _ in range(2):
        resp = await client.post(f"/api/follow/{bob.id}", headers=ann.auth)
        assert await resp.json() == {"message": "You are now following bob"}
    assert await ctx_of(client).store.follows.counts(ann.id) == (0, 1)


async def test_unfollow_answers_the_documented_message_and_unfollows(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    await client.post(f"/api/follow/{bob.id}", headers=ann.auth)
    resp = await client.post(f"/api/unfollow/{bob.id}", headers=ann.auth)
    assert resp.status == 200
    assert await resp.json() == {"message": "You have unfollowed bob"}
    assert await ctx_of(client).store.follows.get(ann.id, bob.id) is None
    resp = await client.post(f"/api/unfollow/{bob.id}", headers=ann.auth)  # not following
    assert resp.status == 200 and await resp.json() == {"message": "You have unfollowed bob"}


async def test_follow_and_unfollow_need_a_signed_in_user(client):
    bob = await register_member(client, "bob")
    for verb in ("follow", "unfollow"):
        resp = await client.post(f"/api/{verb}/{bob.id}")
        assert resp.status == 401
        assert await resp.json() == {"error": "User not authenticated"}
    assert await ctx_of(client).store.follows.counts(bob.id) == (0, 0)


async def test_following_an_unknown_user_is_not_found(client):
    ann = await register_member(client, "ann")
    for verb in ("follow", "unfollow"):
        resp = await client.post(f"/api/{verb}/999999", headers=ann.auth)
        assert resp.status == 404
        assert await resp.json() == {"error": "User not found"}


async def test_nobody_follows_themselves(client):
    ann = await register_member(client, "ann")
    resp = await client.post(f"/api/follow/{ann.id}", headers=ann.auth)
    assert resp.status == 400
    assert await resp.json() == {"error": "You cannot follow yourself"}
    resp = await client.post(f"/api/unfollow/{ann.id}", headers=ann.auth)
    assert resp.status == 400
    assert await resp.json() == {"error": "You cannot unfollow yourself"}
    assert await ctx_of(client).store.follows.counts(ann.id) == (0, 0)


async def test_unfollowing_only_ends_the_callers_own_follow(client):
    ann, bob, cid = [await register_member(client, n) for n in ("ann", "bob", "cid")]
    await client.post(f"/api/follow/{cid.id}", headers=ann.auth)
    resp = await client.post(f"/api/unfollow/{cid.id}", headers=bob.auth)
    assert resp.status == 200
    assert await ctx_of(client).store.follows.get(ann.id, cid.id) is not None
