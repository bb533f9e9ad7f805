"""Openwhyd's /api/post over HTTP, as its clients call it (forms with jQuery brackets, query
strings, JSON), with the answers its own API tests check."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.handlers.social.helpers import register_member, spoton_post, start_with_fake_oembed

EID = "/yt/XdJVWSqb4Ck"
NAME = "Lullaby - Jack Johnson and Matt Costa"
DELETED = {"acknowledged": True, "deletedCount": 1}
LOGIN_FIRST = {"error": "Please login first"}



@pytest.fixture
async def client(make_client, aiohttp_server):
    return await start_with_fake_oembed(make_client, aiohttp_server)


async def call(client, who, method="POST", path="/api/post", **params):
    """Call the API as `who` (None: anonymous) with a form (POST) or a query (GET)."""
    headers = who.auth if who else {}
    if method == "GET":
        resp = await client.get(path, params=params, headers=headers)
    else:
        resp = await client.post(path, data=params, headers=headers)
    return resp.status, await resp.json()


async def add(client, who, **params):
    status, body = await call(client, who, action="insert", eId=EID, name=NAME, **params)
    assert status == 200, body
    return body


async def test_posting_needs_a_login_but_lovers_and_reposts_are_public(client):
    ada = await register_member(client, "ada")
    post = await add(client, ada)
    for action in ("insert", "delete", "toggleLovePost", "incrPlayCounter", "addComment",
                   "deleteComment", "scrobble", "sendToUsers"):
        status, body = await call(client, None, action=action, pId=post["_id"], eId=EID)
        assert (status, body) == (401, LOGIN_FIRST), action
    for action in ("lovers", "reposts"):
        status, body = await call(client, None, "GET", action=action, pId=post["_id"])
        assert (status, body) == (200, []), action


async def test_adding_a_track_returns_the_stored_post_without_a_playlist(client):
    ada = await register_member(client, "ada")
    body = await add(client, ada, ctx="bk", **{"pl[id]": "", "pl[name]": "full stream"})
    assert body["name"] == NAME and body["eId"] == EID and body["ctx"] == "bk"
    assert body["isNew"] is True and body["uId"] == str(ada.id) and body["uNm"] == "Ada"
    assert body["_id"] and isinstance(body["_id"], str) and "pl" not in body
    assert body["lov"] == [] and body["nbP"] == 0 and body["nbR"] == 0 and body["text"] == ""
    stored = await ctx_of(client).store.posts.get(int(body["_id"]))
    assert stored.link == "https://www.youtube.com/watch?v=XdJVWSqb4Ck" and stored.catalog_id


async def test_a_login_cookie_from_openwhyd_login_works_too(client):
    await register_member(client, "ada")
    md5 = hashlib.md5(STRONG_PASSWORD.encode()).hexdigest()
    await client.get("/login", params={"action": "login", "ajax": "true",
                                       "email": "ada@example.com", "md5": md5})
    resp = await client.get("/api/post", params={"action": "insert", "eId": EID, "name": NAME,
                                                 "src[id]": "https://blog.example/post",
                                                 "src[name]": "A blog"})
    body = await resp.json()
    assert resp.status == 200 and body["src"] == {"id": "https://blog.example/post",
                                                  "name": "A blog"}


async def test_adding_into_new_and_existing_playlists(client):
    ada = await register_member(client, "ada")
    first = await add(client, ada, **{"pl[id]": "create", "pl[name]": "Chill"})
    assert first["pl"] == {"id": 0, "name": "Chill"} and first["isNew"] is True
    second = await add(client, ada, pl=json.dumps({"id": "create", "name": "Party"}))
    assert second["pl"] == {"id": 1, "name": "Party"}
    resp = await client.post("/api/post", headers=ada.auth, json={
        "action": "insert", "eId": EID, "name": NAME, "pl": {"id": 0, "name": "Chill"}})
    assert (await resp.json())["pl"] == {"id": 0, "name": "Chill"}
    status, body = await call(client, ada, action="insert", eId=EID, name=NAME,
                              **{"pl[id]": "7", "pl[name]": "Nope"})
    assert (status, body) == (400, {"error": "playlist not found"})
    status, body = await call(client, ada, action="insert", eId=EID, name=NAME,
                              **{"pl[id]": "create"})
    assert (status, body) == (400, {"error": "playlist name is required"})
    ctx = ctx_of(client)
    assert [c.title for c in await ctx.store.collections.of_owner(ada.id)] == ["Chill", "Party"]
    assert await ctx.store.posts.count_by_user(ada.id) == 3


async def test_editing_changes_what_is_sent_on_ones_own_post_only(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    post = await add(client, ada, text="first take", **{"pl[id]": "create", "pl[name]": "Mix"})
    status, edited = await call(client, ada, action="insert", _id=post["_id"], name="coucou",
                                **{"pl[id]": "0", "pl[name]": "Mix"})
    assert status == 200 and edited["isNew"] is False and edited["_id"] == post["_id"]
    assert edited["name"] == "coucou" and edited["eId"] == EID and edited["text"] == "first take"
    assert edited["pl"] == {"id": 0, "name": "Mix"}
    status, edited = await call(client, ada, action="insert", _id=post["_id"], text="#new",
                                **{"pl[id]": "", "pl[name]": "full stream"})
    assert edited["text"] == "#new" and "pl" not in edited and edited["name"] == "coucou"
    status, body = await call(client, bob, action="insert", _id=post["_id"], name="mine now")
    assert (status, body) == (400, {"error": "updating another user's post is not allowed"})
    stored = await ctx_of(client).store.posts.get(int(post["_id"]))
    assert stored.name == "coucou" and stored.user_id == ada.id
    assert (await ctx_of(client).store.posts.tags([stored.id]))[stored.id] == ["new"]
    status, body = await call(client, ada, action="insert", _id="424242", name="x")
    assert (status, body) == (400, {"error": "post not found"})


async def test_a_repost_copies_the_track_and_resets_its_counters(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    post = await add(client, ada, text="mine", img="https://img.example/a.jpg")
    await call(client, bob, action="toggleLovePost", pId=post["_id"])
    status, repost = await call(client, bob, action="insert", pId=post["_id"],
                                **{"pl[id]": "create", "pl[name]": "Re"})
    assert status == 200 and repost["_id"] != post["_id"]
    assert repost["repost"] == {"pId": post["_id"], "uId": str(ada.id), "uNm": "Ada"}
    assert repost["name"] == NAME and repost["eId"] == EID and repost["text"] == ""
    assert repost["img"] == "https://img.example/a.jpg" and repost["uId"] == str(bob.id)
    assert repost["lov"] == [] and repost["nbP"] == 0 and repost["nbR"] == 0
    assert repost["pl"] == {"id": 0, "name": "Re"}
    posts = ctx_of(client).store.posts
    assert (await posts.get(int(post["_id"]))).repost_count == 1
    await call(client, ada, action="insert", pId=post["_id"])  # one's own: not counted
    assert (await posts.get(int(post["_id"]))).repost_count == 1
    status, people = await call(client, ada, "GET", action="reposts", pId=post["_id"])
    assert people == [{"id": str(bob.id), "name": "Bob", "subscribed": False},
                      {"id": str(ada.id), "name": "Ada", "subscribed": False}]
    status, body = await call(client, bob, action="insert", pId="424242")
    assert (status, body) == (400, {"error": "post not found"})


async def test_insert_without_eid_pid_or_id_is_refused(client):
    ada = await register_member(client, "ada")
    for params in ({"name": NAME}, {"eId": "", "name": NAME}):
        status, body = await call(client, ada, action="insert", **params)
        assert (status, body) == (400, {"error": "invalid parameter: eId or pId"})
    status, body = await call(client, ada, action="insert", eId="/zz/nothing", name=NAME)
    assert status == 400 and set(body) == {"error"}
    status, body = await call(client, ada, action="frobnicate")
    assert (status, body) == (400, {"error": "invalid parameter: action"})
    assert await ctx_of(client).store.posts.count_by_user(ada.id) == 0


async def test_delete_removes_ones_own_post_and_refuses_anothers(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    post, kept = await add(client, ada), await add(client, ada)
    assert await call(client, ada, action="delete", _id=post["_id"]) == (200, DELETED)
    assert await call(client, bob, action="delete", _id=kept["_id"]) == (
        400, {"error": "can't delete another user's post"})
    assert await call(client, ada, action="delete", _id=post["_id"]) == (
        400, {"error": "post not found"})
    assert await call(client, ada, action="delete", _id="abc") == (
        400, {"error": "invalid parameter: _id"})
    assert await ctx_of(client).store.posts.count_by_user(ada.id) == 1


async def test_toggle_love_and_the_lovers_list(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    await ctx_of(client).store.follows.follow(ada.id, bob.id)
    post = await add(client, ada)
    status, loved = await call(client, bob, action="toggleLovePost", pId=post["_id"])
    assert status == 200 and loved["loved"] is True and loved["lovers"] == 1
    assert loved["post"]["lov"] == [str(bob.id)]
    assert await call(client, ada, "GET", action="lovers", pId=post["_id"]) == (
        200, [{"id": str(bob.id), "name": "Bob", "subscribed": True}])
    status, unloved = await call(client, bob, "GET", path=f"/api/post/{post['_id']}/toggleLovePost")
    assert unloved == {"loved": False, "lovers": 0}
    assert await call(client, bob, action="toggleLovePost", pId="424242") == (
        200, {"loved": False, "lovers": 0})
    assert await call(client, bob, action="toggleLovePost", pId="x") == (
        400, {"error": "invalid parameter: pId"})


async def test_incr_play_counter_counts_one_play(client):
    ada = await register_member(client, "ada")
    post = await add(client, ada)
    status, body = await call(client, ada, action="incrPlayCounter", pId=post["_id"])
    assert status == 200 and body["result"]["nbP"] == 1 and body["result"]["_id"] == post["_id"]
    assert await call(client, ada, action="incrPlayCounter", pId="(null)") == (
        400, {"error": "invalid pId"})
    assert await call(client, ada, action="incrPlayCounter", pId="424242") == (
        400, {"error": "post not found"})


async def test_comments_anyone_adds_and_only_the_commenter_or_the_author_deletes(client):
    ada, bob, cid = [await register_member(client, n) for n in ("ada", "bob", "cid")]
    post = await add(client, ada)
    status, comment = await call(client, bob, action="addComment", pId=post["_id"],
                                 text='"hello world"')
    assert status == 200 and isinstance(comment["_id"], str) and comment["_id"]
    assert comment["pId"] == post["_id"] and comment["text"] == '"hello world"'
    assert comment["uId"] == str(bob.id) and comment["uNm"] == "Bob"
    assert await call(client, cid, action="deleteComment", _id=comment["_id"]) == (
        400, {"error": "you are not allowed to delete this comment"})
    assert await call(client, bob, action="deleteComment", _id=comment["_id"]) == (200, DELETED)
    assert await call(client, bob, action="deleteComment", _id=comment["_id"]) == (
        400, {"error": "comment not found"})
    _, other = await call(client, cid, action="addComment", pId=post["_id"], text="nice")
    assert await call(client, ada, action="deleteComment", _id=other["_id"]) == (200, DELETED)
    assert (await ctx_of(client).store.posts.comments([int(post["_id"])])) == {
        int(post["_id"]): []}


async def test_bad_comments_are_refused(client):
    ada = await register_member(client, "ada")
    post = await add(client, ada)
    assert await call(client, ada, action="addComment", pId=post["_id"], text="  ") == (
        400, {"error": "missing field: text"})
    assert await call(client, ada, action="addComment", text="hi") == (
        400, {"error": "missing field: pId"})
    assert await call(client, ada, action="addComment", pId="424242", text="hi") == (
        400, {"error": "post not found"})
    await call(client, ada, action="addComment", pId=post["_id"], text="one")
    status, body = await call(client, ada, action="addComment", pId=post["_id"], text="two")
    assert (status, body) == (400, {
        "error": "You're commenting too quickly! Please try again in a few seconds."})


async def test_scrobble_answers_a_clear_error_without_a_last_fm_account(client):
    ada = await register_member(client, "ada")
    post = await add(client, ada)
    status, body = await call(client, ada, action="scrobble", pId=post["_id"],
                              timestamp="1700000000")
    assert status == 400 and "Last.fm" in body["error"]
    assert await call(client, ada, action="scrobble", pId="424242") == (
        400, {"error": "missing track"})


async def test_send_to_users_accepts_every_array_spelling(client):
    ada, bob, cid = [await register_member(client, n) for n in ("ada", "bob", "cid")]
    post = await add(client, ada)
    path = f"/api/post/{post['_id']}/sendToUsers"
    resp = await client.post(path, data=[("uidList", str(bob.id)), ("uidList", str(cid.id))],
                             headers=ada.auth)
    assert await resp.json() == {"ok": 1}
    resp = await client.post(path, json={"uidList": [str(bob.id)]}, headers=ada.auth)
    assert await resp.json() == {"ok": 1}
    assert await call(client, ada, path=path, **{"uidList[0]": str(cid.id)}) == (200, {"ok": 1})
    assert await call(client, ada, path=path) == (400, {"error": "missing field: uidList"})
    assert await call(client, ada, path=path, uidList="bob") == (
        400, {"error": "mistyped field: uidList"})
    assert await call(client, ada, path=path, uidList="424242") == (
        400, {"error": "user not found: 424242"})
    assert await call(client, ada, path="/api/post/424242/sendToUsers", uidList=str(bob.id)) == (
        400, {"error": "post not found"})


async def test_posts_from_spot_on_show_in_openwhyd_shape(client):
    ada = await register_member(client, "ada")
    post_id = await spoton_post(client, ada, comment="from Spot On")
    status, body = await call(client, ada, action="incrPlayCounter", pId=str(post_id))
    assert body["result"]["eId"] == "/yt/XdJVWSqb4Ck" and body["result"]["text"] == "from Spot On"
