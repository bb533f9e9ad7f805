"""Changes made with the session cookie must come from this site (CSRF): Openwhyd's GET actions,
Spotizerr's GET downloads and any POST, over HTTP as a browser on another site would send them;
bearer clients and same-origin pages keep working."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.handlers.social.helpers import register_member, start_with_fake_oembed

EID = "/yt/XdJVWSqb4Ck"
NAME = "Lullaby - Jack Johnson and Matt Costa"
EVIL = "https://evil.example"
CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
REFUSED = ("Cross-site request refused: a change made with the session cookie must come from "
           "this site")


@pytest.fixture
async def client(make_client, aiohttp_server):
    return await start_with_fake_oembed(make_client, aiohttp_server)


def own_origin(client) -> str:
    return str(client.make_url("/")).rstrip("/")


async def openwhyd_cookie_login(client, email: str) -> None:
    """Sign in as Openwhyd's web page does: the client keeps the session cookie."""
    md5 = hashlib.md5(STRONG_PASSWORD.encode()).hexdigest()
    resp = await client.get("/login", params={"action": "login", "ajax": "true",
                                              "email": email, "md5": md5})
    assert resp.status == 200 and "chorus_session" in resp.cookies, await resp.text()


async def test_a_cross_site_get_action_with_the_cookie_changes_nothing(client):
    ada = await register_member(client, "ada")
    bob = await register_member(client, "bob")
    store = ctx_of(client).store
    post = await client.post("/api/post", data={"action": "insert", "eId": EID, "name": NAME},
                             headers=bob.auth)
    bobs_post = int((await post.json())["_id"])
    own = (await (await client.post("/api/post", data={"action": "insert", "eId": EID},
                                    headers=ada.auth)).json())["_id"]
    await openwhyd_cookie_login(client, "ada@example.com")
    attempts = [
        ("/api/post", {"action": "insert", "eId": EID, "name": NAME}),
        ("/api/post", {"action": "delete", "_id": own}),
        ("/api/post", {"action": "toggleLovePost", "pId": str(bobs_post)}),
        ("/api/post", {"action": "addComment", "pId": str(bobs_post), "text": "pwned"}),
        ("/api/follow", {"action": "insert", "tId": str(bob.id)}),
    ]
    for path, params in attempts:
        for headers in (CROSS_SITE, {"Referer": f"{EVIL}/trap.html"}):
            resp = await client.get(path, params=params, headers=headers)
            assert (resp.status, await resp.json()) == (403, {"error": REFUSED}), (path, params)
    assert await store.posts.count_by_user(ada.id) == 1 and await store.posts.get(int(own))
    assert (await store.posts.lovers([bobs_post])).get(bobs_post, []) == []
    assert (await store.posts.comments([bobs_post])).get(bobs_post, []) == []
    assert await store.follows.get(ada.id, bob.id) is None


async def test_a_cross_site_follow_delete_and_comment_delete_change_nothing(client):
    ada = await register_member(client, "ada")
    bob = await register_member(client, "bob")
    store = ctx_of(client).store
    await client.get("/api/follow", params={"action": "insert", "tId": str(bob.id)},
                     headers=ada.auth)
    post = await (await client.post("/api/post", data={"action": "insert", "eId": EID},
                                    headers=ada.auth)).json()
    comment = await (await client.post("/api/post", data={
        "action": "addComment", "pId": post["_id"], "text": "mine"}, headers=ada.auth)).json()
    await openwhyd_cookie_login(client, "ada@example.com")
    for path, params in (("/api/follow", {"action": "delete", "tId": str(bob.id)}),
                         ("/api/post", {"action": "deleteComment", "_id": comment["_id"]})):
        resp = await client.get(path, params=params, headers=CROSS_SITE)
        assert resp.status == 403, path
    assert await store.follows.get(ada.id, bob.id) is not None
    assert len((await store.posts.comments([int(post["_id"])]))[int(post["_id"])]) == 1


async def test_the_same_actions_from_this_site_or_without_browser_headers_work(client):
    ada = await register_member(client, "ada")
    bob = await register_member(client, "bob")
    await openwhyd_cookie_login(client, "ada@example.com")
    same_origin = {"Sec-Fetch-Site": "same-origin", "Referer": f"{own_origin(client)}/stream"}
    resp = await client.get("/api/post", params={"action": "insert", "eId": EID, "name": NAME},
                            headers=same_origin)
    assert resp.status == 200 and (await resp.json())["uId"] == str(ada.id)
    resp = await client.post("/api/follow", data={"action": "insert", "tId": str(bob.id)},
                             headers={"Origin": own_origin(client)})
    assert resp.status == 200 and (await resp.json())["tId"] == str(bob.id)
    # no Sec-Fetch-Site, Origin or Referer: curl, old browsers, Openwhyd's mobile app
    resp = await client.get("/api/follow", params={"action": "delete", "tId": str(bob.id)})
    assert resp.status == 200
    assert await ctx_of(client).store.follows.get(ada.id, bob.id) is None
    # reading is no change: a cross-site `get` still answers
    resp = await client.get("/api/follow", params={"action": "get", "tId": str(bob.id)},
                            headers=CROSS_SITE)
    assert (resp.status, await resp.json()) == (200, {})


async def test_an_origin_in_the_cors_allow_list_may_change_things_with_the_cookie(
        make_client, aiohttp_server):
    client = await start_with_fake_oembed(
        lambda **kw: make_client(cors_origins="https://app.example,*", **kw), aiohttp_server)
    await register_member(client, "ada")
    bob = await register_member(client, "bob")
    await openwhyd_cookie_login(client, "ada@example.com")
    listed = await client.post("/api/follow", data={"action": "insert", "tId": str(bob.id)},
                               headers={"Origin": "https://app.example",
                                        "Sec-Fetch-Site": "cross-site"})
    assert listed.status == 200
    starred = await client.post("/api/follow", data={"action": "delete", "tId": str(bob.id)},
                                headers={"Origin": EVIL})  # `*` opens reads, not changes
    assert (starred.status, await starred.json()) == (403, {"error": REFUSED})


async def test_a_bearer_client_from_another_origin_is_not_concerned(client):
    ada = await register_member(client, "ada")
    bob = await register_member(client, "bob")
    await openwhyd_cookie_login(client, "ada@example.com")  # a cookie is there too
    resp = await client.get("/api/follow", params={"action": "insert", "tId": str(bob.id)},
                            headers={**ada.auth, **CROSS_SITE, "Origin": EVIL})
    assert resp.status == 200 and (await resp.json())["tId"] == str(bob.id)
    resp = await client.post("/api/create-post", data=json.dumps({"link": EID}),
                             headers={**ada.auth, "Origin": EVIL, "Content-Type": "text/plain"})
    assert resp.status == 201, await resp.text()


async def test_a_text_plain_json_post_with_the_cookie_from_another_origin_is_refused(client):
    ada = await register_member(client, "ada")
    resp = await client.post("/api/login", json={"username": "ada", "password": STRONG_PASSWORD})
    assert resp.status == 200 and "chorus_session" in resp.cookies
    body = json.dumps({"link": EID, "comment": "posted by another site"})
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/form.html"},
                    {"Origin": "http://127.0.0.1.evil.example"}):
        resp = await client.post("/api/create-post", data=body,
                                 headers={**headers, "Content-Type": "text/plain"})
        assert (resp.status, await resp.json()) == (403, {"error": REFUSED}), headers
    assert await ctx_of(client).store.posts.count_by_user(ada.id) == 0
    resp = await client.post("/api/create-post", json={"link": EID},
                             headers={"Origin": own_origin(client)})
    assert resp.status == 201, await resp.text()
    assert await ctx_of(client).store.posts.count_by_user(ada.id) == 1


async def test_a_cross_site_spotizerr_download_with_the_cookie_queues_nothing(make_client):
    client = await make_client()
    await client.post("/api/register", json={"username": "ada", "email": "ada@example.com",
                                             "password": STRONG_PASSWORD, "name": "Ada"})
    await client.post("/api/login", json={"username": "ada", "password": STRONG_PASSWORD})
    resp = await client.get("/api/track/download/song1", headers=CROSS_SITE)
    assert (resp.status, await resp.json()) == (403, {"error": REFUSED,
                                                      "details": REFUSED, "detail": REFUSED})
    listing = await (await client.get("/api/prgs/list")).json()
    assert listing["tasks"] == []
