"""Openwhyd lists and subscriptions: `/api/follow` (insert, delete, get; only one's own),
fetchFollowers/fetchFollowing, and every list page (`/u/<id>`, `/<handle>`, playlists, likes,
the stream, `/hot`, `/c/<id>`) as JSON, links, JSONP and HTML, with paging edges and 404s."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from handlers.identity.auth import start_token_session
from handlers.social import hot
from tests.conftest import STRONG_PASSWORD, ctx_of

VIDEO_ID = "59MdiE1IsBY"
VIDEO_EID = f"/yt/{VIDEO_ID}"
VIDEO_EXPORT = f"//youtube.com/watch?v={VIDEO_ID}"
LOGIN_FIRST = {"error": "Please login first"}


class Member(NamedTuple):
    id: int
    handle: str
    auth: dict[str, str]


async def register_member(client: Any, handle: str) -> Member:
    """Register `handle` over HTTP and open a token session."""
    resp = await client.post("/api/register", json={
        "username": handle, "email": f"{handle}@example.com", "password": STRONG_PASSWORD,
        "name": handle.capitalize()})
    assert resp.status == 201, await resp.text()
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(handle)
    token = (await start_token_session(ctx, user)).access_token
    return Member(user.id, handle, {"Authorization": f"Bearer {token}"})


async def track(client: Any, who: Member, eid: str = VIDEO_EID, name: str = "my first track",
                **fields: Any) -> Any:
    link = f"https://www.youtube.com/watch?v={eid.removeprefix('/yt/')}"
    return await ctx_of(client).store.posts.create(user_id=who.id, link=link, eid=eid,
                                                   name=name, **fields)


async def get_json(client: Any, path: str, status: int = 200, **kwargs: Any) -> Any:
    resp = await client.get(path, **kwargs)
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    return await resp.json()


# ---- /api/follow -----------------------------------------------------------------------------


async def test_insert_stores_exactly_the_subscription_and_get_finds_it(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    doc = {"_id": f"{ann.id}_{bob.id}", "uId": str(ann.id), "uNm": "Ann", "tId": str(bob.id),
           "tNm": "Bob"}
    params = {"action": "insert", "tId": str(bob.id)}
    assert await get_json(client, "/api/follow", params=params, headers=ann.auth) == doc
    params["action"] = "get"
    assert await get_json(client, "/api/follow", params=params, headers=ann.auth) == doc
    params["action"] = "delete"
    assert await get_json(client, "/api/follow", params=params, headers=ann.auth) == {}
    params["action"] = "get"
    assert await get_json(client, "/api/follow", params=params, headers=ann.auth) == {}


async def test_follow_accepts_form_posts(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    resp = await client.post("/api/follow", data={"action": "insert", "tId": str(bob.id)},
                             headers=ann.auth)
    assert resp.status == 200 and (await resp.json())["tId"] == str(bob.id)


async def test_follow_needs_a_signed_in_user(client):
    bob = await register_member(client, "bob")
    body = await get_json(client, "/api/follow", 401,
                          params={"action": "insert", "tId": str(bob.id)})
    assert body == LOGIN_FIRST
    assert await ctx_of(client).store.follows.counts(bob.id) == (0, 0)


@pytest.mark.parametrize(("params", "status", "error"), [
    ({"action": "insert"}, 400, "invalid parameter: tId"),
    ({"action": "insert", "tId": "abc"}, 400, "invalid parameter: tId"),
    ({"action": "subscribe", "tId": "1"}, 400, "invalid parameter: action"),
    ({"tId": "1"}, 400, "invalid parameter: action"),
    ({"action": "insert", "tId": "999999"}, 404, "user not found"),
    ({"action": "insert", "tId": "SELF"}, 400, "You cannot follow yourself"),
])
async def test_bad_follow_requests_get_an_error_and_change_nothing(client, params, status,
                                                                  error):
    ann = await register_member(client, "ann")
    params = {k: str(ann.id) if v == "SELF" else v for k, v in params.items()}
    body = await get_json(client, "/api/follow", status, params=params, headers=ann.auth)
    assert body == {"error": error}
    assert await ctx_of(client).store.follows.counts(ann.id) == (0, 0)


async def test_nobody_follows_or_unfollows_for_someone_else(client):
    ann, bob, cid = [await register_member(client, n) for n in ("ann", "bob", "cid")]
    follows = ctx_of(client).store.follows
    await follows.follow(ann.id, cid.id)
    # bob names ann as the subscriber: the action is still bob's own
    await get_json(client, "/api/follow", headers=bob.auth,
                   params={"action": "delete", "tId": str(cid.id), "uId": str(ann.id)})
    assert await follows.get(ann.id, cid.id) is not None
    doc = await get_json(client, "/api/follow", headers=bob.auth,
                         params={"action": "insert", "tId": str(ann.id), "uId": str(cid.id)})
    assert doc["uId"] == str(bob.id)
    assert await follows.get(cid.id, ann.id) is None


# ---- fetchFollowers / fetchFollowing ---------------------------------------------------------


async def test_fetch_followers_and_following_with_is_subscribing(client):
    ann, bob, cid = [await register_member(client, n) for n in ("ann", "bob", "cid")]
    follows = ctx_of(client).store.follows
    for follower, followee in ((bob.id, ann.id), (cid.id, ann.id), (ann.id, bob.id)):
        await follows.follow(follower, followee)
    body = await get_json(client, f"/api/follow/fetchFollowers/{ann.id}")
    assert {(r["uId"], r["uNm"]) for r in body} == {(str(bob.id), "Bob"), (str(cid.id), "Cid")}
    assert all("isSubscribing" not in r for r in body)
    body = await get_json(client, f"/api/follow/fetchFollowers/{ann.handle}",
                          params={"isSubscr": "true"}, headers=ann.auth)
    assert {r["uId"]: r["isSubscribing"] for r in body} == {str(bob.id): True,
                                                            str(cid.id): False}
    body = await get_json(client, f"/api/follow/fetchFollowing/{ann.id}")
    assert body == [{"tId": str(bob.id), "tNm": "Bob"}]


async def test_fetch_followers_pages_with_skip_and_limit(client):
    ann = await register_member(client, "ann")
    fans = [await register_member(client, f"fan{i}") for i in range(4)]
    for fan in fans:
        await ctx_of(client).store.follows.follow(fan.id, ann.id)
    path = f"/api/follow/fetchFollowers/{ann.id}"
    everyone = [r["uId"] for r in await get_json(client, path)]
    assert len(everyone) == 4
    page = await get_json(client, path, params={"skip": "1", "limit": "2"})
    assert [r["uId"] for r in page] == everyone[1:3]
    assert await get_json(client, path, params={"skip": "10"}) == []
    assert len(await get_json(client, path, params={"limit": "100000"})) == 4


@pytest.mark.parametrize("params", [
    {"skip": "-1"}, {"skip": "abc"}, {"skip": "NaN"}, {"skip": "Infinity"}, {"skip": "1e3"},
    {"skip": "-9223372036854775808"}, {"limit": "0"}, {"limit": "-5"}, {"limit": "NaN"},
    {"limit": "Infinity"}, {"limit": "lots"},
])
async def test_bad_skip_or_limit_falls_back_to_the_defaults_as_in_openwhyd(client, params):
    ann = await register_member(client, "ann")
    fans = [await register_member(client, f"fan{i}") for i in range(3)]
    for fan in fans:
        await ctx_of(client).store.follows.follow(fan.id, ann.id)
        await ctx_of(client).store.follows.follow(ann.id, fan.id)
    for kind in ("fetchFollowers", "fetchFollowing"):
        body = await get_json(client, f"/api/follow/{kind}/{ann.id}", params=params)
        assert len(body) == 3, (kind, params)  # skip 0, limit 50


async def test_the_query_form_of_the_public_lists_as_openwhyds_tests_call_it(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    await ctx_of(client).store.follows.follow(bob.id, ann.id)
    followers = await get_json(client, "/api/follow", params={
        "action": "fetchFollowers", "id": str(ann.id), "skip": "NaN", "limit": "10"})
    assert followers == [{"uId": str(bob.id), "uNm": "Bob"}]
    following = await get_json(client, "/api/follow", params={
        "action": "fetchFollowing", "id": str(bob.id), "skip": "0", "limit": "-1"},
        headers=ann.auth)
    assert following == [{"tId": str(ann.id), "tNm": "Ann"}]
    flagged = await get_json(client, "/api/follow", params={
        "action": "fetchFollowers", "id": "ann", "isSubscr": "true"}, headers=ann.auth)
    assert flagged == [{"uId": str(bob.id), "uNm": "Bob", "isSubscribing": False}]
    body = await get_json(client, "/api/follow", 404, params={"action": "fetchFollowers",
                                                               "id": "nobody"})
    assert body == {"error": "user not found"}


async def test_fetching_followers_of_an_unknown_user_is_not_found(client):
    for kind in ("fetchFollowers", "fetchFollowing"):
        for who in ("999999", "nobody"):
            body = await get_json(client, f"/api/follow/{kind}/{who}", 404)
            assert body == {"error": "user not found"}


# ---- the Data Export API: profiles, playlists, likes -----------------------------------------


async def profile_paths(client: Any) -> tuple[Member, list[str]]:
    """A user with one track in playlist 0 (and liked by themselves); the paths listing it."""
    ann = await register_member(client, "ann")
    store = ctx_of(client).store
    playlist = await store.collections.create(ann.id, "my first playlist")
    post = await track(client, ann, collection_id=playlist.id)
    await store.posts.react(post.id, ann.id, "like")
    return ann, [f"/u/{ann.id}", f"/{ann.handle}", f"/u/{ann.id}/playlist/0",
                 f"/{ann.handle}/playlist/0", f"/u/{ann.id}/likes", f"/{ann.handle}/likes"]


async def test_every_list_exports_its_track_as_json(client):
    ann, paths = await profile_paths(client)
    for path in paths:
        body = await get_json(client, path, params={"format": "json"})
        assert [(p["name"], p["eId"], p["uId"], p["uNm"]) for p in body] == [
            ("my first track", VIDEO_EID, str(ann.id), "Ann")], path
        assert body[0]["pl"] == {"id": 0, "name": "my first playlist"}


async def test_every_list_exports_its_track_as_links(client):
    _, paths = await profile_paths(client)
    for path in paths:
        resp = await client.get(path, params={"format": "links"})
        assert resp.status == 200 and resp.content_type == "text/plain"
        assert await resp.text() == VIDEO_EXPORT, path


async def test_every_list_answers_jsonp_with_a_safe_callback(client):
    _, paths = await profile_paths(client)
    for path in paths:
        plain = await (await client.get(path, params={"format": "json"})).text()
        resp = await client.get(path, params={"format": "json", "callback": "jQuery_1.cb$"})
        assert resp.status == 200 and resp.content_type == "application/javascript"
        assert await resp.text() == f"/**/jQuery_1.cb$({plain});", path


@pytest.mark.parametrize("callback", [
    "alert(1)//", "a b", "1abc", "", "<script>", "a..b", "x" * 100, "a;b",
])
async def test_an_unsafe_callback_is_refused(client, callback):
    ann, _ = await profile_paths(client)
    body = await get_json(client, f"/u/{ann.id}", 400,
                          params={"format": "json", "callback": callback})
    assert body == {"error": "invalid parameter: callback"}


async def test_lists_are_html_pages_for_browsers_with_everything_escaped(client):
    ann = await register_member(client, "ann")
    await track(client, ann, name="<script>alert(1)</script>")
    for path in (f"/u/{ann.id}", f"/{ann.handle}"):
        resp = await client.get(path)
        assert resp.status == 200 and resp.content_type == "text/html"
        html = await resp.text()
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
        assert f'href="https:{VIDEO_EXPORT}"' in html


async def test_soundcloud_tracks_export_with_their_stream_url(client):
    ann = await register_member(client, "ann")
    eid = "/sc/deadoceans/mitski-your-best-american-girl-3#https://api.soundcloud.com/tracks/1"
    await ctx_of(client).store.posts.create(
        user_id=ann.id, link="https://soundcloud.com/deadoceans/mitski-your-best-american-girl-3",
        eid=eid, name="Mitski")
    resp = await client.get(f"/u/{ann.id}", params={"format": "links"})
    assert await resp.text() == ("//soundcloud.com/deadoceans/mitski-your-best-american-girl-3"
                                 "#https://api.soundcloud.com/tracks/1")


async def test_lists_page_with_limit_after_and_before(client):
    ann = await register_member(client, "ann")
    ids = [(await track(client, ann, eid=f"/yt/v{i}", name=f"t{i}")).id for i in range(25)]
    path = f"/u/{ann.id}"
    assert len(await get_json(client, path, params={"format": "json"})) == 20  # the default
    page = await get_json(client, path, params={"format": "json", "limit": "3"})
    assert [p["_id"] for p in page] == [str(i) for i in ids[:-4:-1]]
    older = await get_json(client, path, params={"format": "json", "limit": "2",
                                                 "after": page[-1]["_id"]})
    assert [p["_id"] for p in older] == [str(ids[-4]), str(ids[-5])]
    newer = await get_json(client, path, params={"format": "json", "before": str(ids[-3])})
    assert [p["_id"] for p in newer] == [str(ids[-1]), str(ids[-2])]
    huge = await get_json(client, path, params={"format": "json", "limit": "99999999"})
    assert len(huge) == 25


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "-1"}, {"limit": "x"}, {"after": "5c05b9675b1d901f32b6fe4b"},
    {"before": "-1"}, {"after": "1" * 30},
])
async def test_bad_paging_values_are_refused_on_every_list(client, params):
    ann, paths = await profile_paths(client)
    for path in paths:
        body = await get_json(client, path, 400, params={"format": "json", **params})
        assert body["error"].startswith("invalid parameter: "), path


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "-1"}, {"skip": "-1"}, {"skip": "two"}, {"sinceId": "abc"},
])
async def test_bad_paging_values_are_refused_on_hot_tracks(client, params):
    body = await get_json(client, "/hot", 400, params={"format": "json", **params})
    assert body["error"].startswith("invalid parameter: ")


async def test_unknown_users_and_playlists_are_not_found(client):
    ann = await register_member(client, "ann")
    cases = [("/u/999999", "user not found"), ("/nobody", "user not found"),
             ("/nobody/likes", "user not found"), ("/u/abc", "user not found"),
             (f"/u/{ann.id}/playlist/3", "playlist not found"),
             (f"/{ann.handle}/playlist/x", "playlist not found"),
             ("/u/999999/likes", "user not found")]
    for path, error in cases:
        assert await get_json(client, path, 404, params={"format": "json"}) == {"error": error}
    resp = await client.get("/nobody")
    assert resp.status == 404 and resp.content_type == "text/html"


# ---- the stream ------------------------------------------------------------------------------


async def test_the_stream_needs_a_login_for_json(client):
    for path in ("/", "/stream"):
        assert await get_json(client, path, 401, params={"format": "json"}) == LOGIN_FIRST
        resp = await client.get(path)
        assert resp.status == 200 and resp.content_type == "text/html"


async def test_the_stream_lists_followed_users_and_own_tracks_with_a_session_cookie(client):
    ann, bob, cid = [await register_member(client, n) for n in ("ann", "bob", "cid")]
    await ctx_of(client).store.follows.follow(ann.id, bob.id)
    own = await track(client, ann, eid="/yt/a", name="own")
    followed = await track(client, bob, eid="/yt/b", name="followed")
    await track(client, cid, eid="/yt/c", name="stranger")
    resp = await client.post("/login", data={"action": "login", "email": "ann",
                                             "password": STRONG_PASSWORD, "ajax": "true"})
    assert "redirect" in await resp.json()
    for path in ("/", "/stream"):
        body = await get_json(client, path, params={"format": "json"})
        assert [p["_id"] for p in body] == [str(followed.id), str(own.id)]
    older = await get_json(client, "/stream", params={"format": "json",
                                                      "after": str(followed.id)})
    assert [p["name"] for p in older] == ["own"]
    resp = await client.get("/stream", params={"format": "links"})
    assert await resp.text() == "//youtube.com/watch?v=b\n//youtube.com/watch?v=a"


async def test_jsonp_never_serves_the_signed_in_users_stream(client):
    """Any site may load JSONP in a script tag with the visitor's cookie: it is public data."""
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    await ctx_of(client).store.follows.follow(ann.id, bob.id)
    await track(client, bob, eid="/yt/b", name="followed")
    resp = await client.post("/login", data={"action": "login", "email": "ann",
                                             "password": STRONG_PASSWORD, "ajax": "true"})
    assert "redirect" in await resp.json()
    assert len(await get_json(client, "/stream", params={"format": "json"})) == 1  # signed in
    for path in ("/", "/stream"):
        for params in ({"format": "json", "callback": "cb"}, {"callback": "cb"}):
            resp = await client.get(path, params=params)
            text = await resp.text()
            assert resp.status == 401 and "followed" not in text and "/yt/b" not in text


async def test_jsonp_hot_tracks_do_not_tell_what_the_visitor_loves(client):
    hot.hot_ranking(ctx_of(client)).ttl = 0
    ann = await register_member(client, "ann")
    post = await track(client, ann)
    await ctx_of(client).store.posts.react(post.id, ann.id, "like")
    for headers in (ann.auth, {}):
        resp = await client.get("/hot", params={"format": "json", "callback": "cb"},
                                headers=headers)
        text = await resp.text()
        assert resp.status == 200 and text.startswith("/**/cb(") and '"nbL":1' in text
        assert "isLoved" not in text


# ---- hot tracks ------------------------------------------------------------------------------


async def test_hot_tracks_as_json_with_has_more_and_the_first_poster(client):
    hot.hot_ranking(ctx_of(client)).ttl = 0
    first, late = await register_member(client, "first"), await register_member(client, "late")
    popular = await track(client, first, eid="/yt/B", name="a popular track")
    repost = await track(client, late, eid="/yt/B", name="a popular track")
    await track(client, late, eid="/yt/A", name="a regular track")
    body = await get_json(client, "/hot", params={"format": "json", "limit": "1"})
    assert body["hasMore"] == {"skip": 1}
    [top] = body["tracks"]
    assert (top["name"], top["eId"], top["uId"], top["uNm"]) == (
        "a popular track", "/yt/B", str(first.id), "First")
    assert (top["_id"], top["pId"], top["nbR"], top["nbL"]) == (
        str(popular.id), str(popular.id), 2, 0)
    rest = await get_json(client, "/hot", params={"format": "json", "skip": "1"})
    assert rest["hasMore"] is False
    assert [t["name"] for t in rest["tracks"]] == ["a regular track"]
    since = await get_json(client, "/hot", params={"format": "json",
                                                   "sinceId": str(repost.id)})
    assert [t["name"] for t in since["tracks"]] == ["a regular track"]


async def test_hot_tracks_tell_a_signed_in_user_what_they_love(client):
    hot.hot_ranking(ctx_of(client)).ttl = 0
    ann = await register_member(client, "ann")
    post = await track(client, ann)
    await ctx_of(client).store.posts.react(post.id, ann.id, "like")
    body = await get_json(client, "/hot", params={"format": "json"}, headers=ann.auth)
    assert body["tracks"][0]["isLoved"] is True and body["tracks"][0]["nbL"] == 1
    body = await get_json(client, "/hot", params={"format": "json"})
    assert "isLoved" not in body["tracks"][0]


async def test_hot_tracks_as_links_jsonp_and_html(client):
    hot.hot_ranking(ctx_of(client)).ttl = 0
    ann = await register_member(client, "ann")
    await track(client, ann)
    resp = await client.get("/hot", params={"format": "links"})
    assert await resp.text() == VIDEO_EXPORT
    resp = await client.get("/hot", params={"callback": "cb"})
    assert resp.content_type == "application/javascript"
    assert (await resp.text()).startswith('/**/cb({"hasMore":false,"tracks":[')
    resp = await client.get("/hot")
    assert resp.content_type == "text/html" and "my first track" in await resp.text()


# ---- /c/<postId> -----------------------------------------------------------------------------


async def test_a_post_page_has_the_post_and_its_comments_with_their_authors(client):
    ann, bob = await register_member(client, "ann"), await register_member(client, "bob")
    post = await track(client, ann)
    store = ctx_of(client).store
    await store.posts.add_comment(post.id, bob.id, "great <b>tune</b>")
    body = await get_json(client, f"/c/{post.id}", params={"format": "json"})
    data = body["data"]
    assert (data["_id"], data["name"], data["uNm"]) == (str(post.id), "my first track", "Ann")
    assert [(c["uId"], c["uNm"], c["text"]) for c in data["comments"]] == [
        (str(bob.id), "Bob", "great <b>tune</b>")]
    resp = await client.get(f"/c/{post.id}")
    html = await resp.text()
    assert resp.content_type == "text/html" and "great &lt;b&gt;tune&lt;/b&gt;" in html
    resp = await client.get(f"/c/{post.id}", params={"callback": "show"})
    assert (await resp.text()).startswith('/**/show({"data":{')


async def test_an_unknown_post_page_is_not_found(client):
    for path in ("/c/999999", "/c/abc"):
        assert await get_json(client, path, 404, params={"format": "json"}) == {
            "error": "post not found"}
