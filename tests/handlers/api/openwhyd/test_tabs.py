"""Openwhyd's profile tabs over HTTP as its clients call them: `/me`, `/u/<id>/playlists` and
`/<handle>/playlists` (JSON, JSONP, format=list, HTML), subscribers and subscriptions with
Openwhyd's `after` / `limit` rules, and `/<uId>/likes` (a handle first, else an id)."""

from __future__ import annotations

from typing import Any

from store.records import UserPatch
from tests.conftest import ctx_of
from tests.handlers.api.openwhyd.test_lists import (
    Member,
    get_json,
    register_member,
    track,
)

PLAYLIST_NAME = "my first playlist"


async def with_playlists(client: Any) -> Member:
    """Ann with two public playlists (one track in the first) and one private one."""
    ann = await register_member(client, "ann")
    store = ctx_of(client).store
    first = await store.collections.create(ann.id, PLAYLIST_NAME)
    await store.collections.create(ann.id, "<b>second</b>")
    await store.collections.create(ann.id, "secret", is_public=False)
    await track(client, ann, collection_id=first.id)
    return ann


def entry(ann: Member, number: int, name: str, tracks: int) -> dict[str, Any]:
    return {"id": number, "name": name, "url": f"/u/{ann.id}/playlist/{number}",
            "nbTracks": tracks, "img": f"/img/playlist/{ann.id}_{number}"}


async def test_playlists_as_json_by_id_and_by_handle(client):
    ann = await with_playlists(client)
    public = [entry(ann, 0, PLAYLIST_NAME, 1), entry(ann, 1, "<b>second</b>", 0)]
    for path in (f"/u/{ann.id}/playlists", f"/{ann.handle}/playlists"):
        assert await get_json(client, path, params={"format": "json"}) == public, path
    own = await get_json(client, f"/u/{ann.id}/playlists", params={"format": "json"},
                         headers=ann.auth)
    assert [p["name"] for p in own] == [PLAYLIST_NAME, "<b>second</b>", "secret"]


async def test_playlists_as_jsonp_never_show_a_private_one(client):
    ann = await with_playlists(client)
    for path in (f"/u/{ann.id}/playlists", f"/{ann.handle}/playlists"):
        resp = await client.get(path, params={"callback": "callbackFct"}, headers=ann.auth)
        assert resp.status == 200 and resp.content_type == "application/javascript"
        text = await resp.text()
        assert text.startswith("/**/callbackFct([") and "secret" not in text
        assert f'"name":"{PLAYLIST_NAME}"' in text


async def test_playlists_as_a_list_of_links_and_as_a_page(client):
    ann = await with_playlists(client)
    for path in (f"/u/{ann.id}/playlists", f"/{ann.handle}/playlists"):
        resp = await client.get(path, params={"format": "list"})
        assert resp.status == 200 and resp.content_type == "text/html"
        body = await resp.text()
        assert f'<a href="/u/{ann.id}/playlist/0">{PLAYLIST_NAME}</a>' in body
        assert "&lt;b&gt;second&lt;/b&gt;" in body and "<b>second" not in body
        page = await (await client.get(path)).text()
        assert f'<a href="/u/{ann.id}/playlist/0">{PLAYLIST_NAME}</a>' in page
        assert '<meta name="robots" content="noindex">' in page


async def test_playlists_of_an_unknown_user_are_not_found(client):
    for path in ("/u/999999/playlists", "/nobody/playlists"):
        body = await get_json(client, path, 404, params={"format": "json"})
        assert body == {"error": "user not found"}


async def test_me_sends_the_signed_in_user_to_their_own_page(client):
    ann = await with_playlists(client)
    resp = await client.get("/me", headers=ann.auth, allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == "/ann"
    resp = await client.get("/me", params={"format": "json", "limit": "1", "junk": "x"},
                            headers=ann.auth, allow_redirects=False)
    assert resp.headers["Location"] == "/ann?format=json&limit=1"
    body = await get_json(client, "/me", params={"format": "json"}, headers=ann.auth)
    assert [p["name"] for p in body] == ["my first track"]


async def test_me_without_a_handle_goes_to_the_id_page(client):
    ann = await register_member(client, "ann")
    await ctx_of(client).store.users.update(ann.id, UserPatch(username=None))
    resp = await client.get("/me", headers=ann.auth, allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == f"/u/{ann.id}"


async def test_me_signed_out_asks_for_a_login(client):
    body = await get_json(client, "/me", 401, params={"format": "json"})
    assert body == {"error": "Please login first"}
    resp = await client.get("/me", allow_redirects=False)
    assert resp.status == 401 and resp.content_type == "text/html"


async def people(client: Any) -> tuple[Member, list[Member]]:
    """Ann, followed by fan0..fan2 (fan0 first), and following fan0."""
    ann = await register_member(client, "ann")
    fans = [await register_member(client, f"fan{i}") for i in range(3)]
    follows = ctx_of(client).store.follows
    for fan in fans:
        await follows.follow(fan.id, ann.id)
    await follows.follow(ann.id, fans[0].id)
    return ann, fans


async def test_subscribers_and_subscriptions_as_json(client):
    ann, fans = await people(client)
    for base in (f"/u/{ann.id}", f"/{ann.handle}"):
        found = await get_json(client, f"{base}/subscribers", params={"format": "json"})
        assert sorted(p["id"] for p in found) == sorted(str(f.id) for f in fans)
        assert found[0].keys() == {"id", "name", "handle", "img", "url"}
        following = await get_json(client, f"{base}/subscriptions", params={"format": "json"})
        assert following == [{"id": str(fans[0].id), "name": "Fan0", "handle": "fan0",
                              "img": f"/uAvatarImg/{fans[0].id}", "url": f"/u/{fans[0].id}"}]
    flagged = await get_json(client, f"/u/{ann.id}/subscribers", params={"format": "json"},
                             headers=ann.auth)
    assert {p["id"]: p["subscribed"] for p in flagged} == {
        str(fans[0].id): True, str(fans[1].id): False, str(fans[2].id): False}


async def test_subscribers_page_with_after_and_limit(client):
    ann, _ = await people(client)
    path = f"/{ann.handle}/subscribers"
    everyone = [p["id"] for p in await get_json(client, path, params={"format": "json"})]
    page = await get_json(client, path, params={"format": "json", "after": "1", "limit": "1"})
    assert [p["id"] for p in page] == everyone[1:2]
    for bad in ({"after": "NaN"}, {"after": "-1"}, {"limit": "0"}, {"limit": "Infinity"}):
        body = await get_json(client, path, params={"format": "json", **bad})
        assert [p["id"] for p in body] == everyone, bad
    html = await (await client.get(path, params={"limit": "2"})).text()
    assert f'href="{path}?after=2"' in html and "noindex" in html


async def test_a_repeated_after_is_refused_as_openwhyd_refuses_it(client):
    ann, _ = await people(client)
    await track(client, ann)
    for path in ("/ann/subscribers", "/ann/subscriptions", f"/u/{ann.id}/subscribers",
                 "/ann", "/ann/likes", "/ann/playlists"):
        resp = await client.get(f"{path}?after=50&after=100")
        assert resp.status == 400, path
        assert await resp.json() == {"error": "invalid parameter value: after"}, path
    resp = await client.get("/ann?format=json&limit=1&limit=2")
    assert await resp.json() == {"error": "invalid parameter value: limit"}


async def test_numeric_paths_name_a_handle_first_then_an_id(client):
    await register_member(client, "first")  # user 1: `/1/...` is ListenBrainz's API
    ann = await register_member(client, "ann")
    await track(client, ann, name="ann's")
    liked = await track(client, ann, name="liked by ann")
    store = ctx_of(client).store
    await store.posts.react(liked.id, ann.id, "like")
    by_id = await get_json(client, f"/{ann.id}/likes", params={"format": "json"})
    assert [p["name"] for p in by_id] == ["liked by ann"]
    # a user whose handle is the digits of ann's id takes the path over
    numeric = await register_member(client, "numeric")
    await store.users.update(numeric.id, UserPatch(username=str(ann.id)))
    other = await track(client, numeric, name="numeric's")
    await store.posts.react(other.id, numeric.id, "like")
    by_handle = await get_json(client, f"/{ann.id}/likes", params={"format": "json"})
    assert [p["name"] for p in by_handle] == ["numeric's"]
    assert [p["name"] for p in await get_json(
        client, f"/u/{ann.id}/likes", params={"format": "json"})] == ["liked by ann"]
    await get_json(client, "/987654321/likes", 404, params={"format": "json"})


async def test_profile_and_track_pages_ask_search_engines_not_to_index_them(client):
    ann = await register_member(client, "ann")
    post = await track(client, ann)
    for path in (f"/c/{post.id}", f"/u/{ann.id}", "/ann", "/ann/likes"):
        html = await (await client.get(path)).text()
        assert '<meta name="robots" content="noindex">' in html, path
    hot = await (await client.get("/hot")).text()
    assert "noindex" not in hot
