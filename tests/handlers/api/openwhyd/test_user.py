"""Openwhyd's GET and POST /api/user over HTTP: who sees what, every settable field."""

from __future__ import annotations

import io

from PIL import Image

from handlers.media.images import save_image
from tests.conftest import STRONG_PASSWORD, ctx_of

NEW_PASSWORD = "An0ther-secret!"
WRONG_CURRENT = {"error": "Your current password is incorrect"}


async def signup(client, name, email, handle):
    resp = await client.post("/register", data={
        "name": name, "email": email, "handle": handle, "password": STRONG_PASSWORD,
        "ajax": "1"})
    return (await resp.json())["uId"]


async def two_users(client):
    """Grace, then Ada; the client is left signed in as Ada."""
    grace = await signup(client, "Grace Hopper", "grace@example.com", "grace")
    ada = await signup(client, "Ada Lovelace", "ada@example.com", "ada")
    return ada, grace


async def set_user(client, **fields):
    resp = await client.post("/api/user", json=fields)
    assert resp.status == 200
    return await resp.json()


async def me(client):
    resp = await client.get("/api/user")
    assert resp.status == 200
    return await resp.json()


async def test_get_user_shows_the_email_to_the_user_only(client):
    ada, grace = await two_users(client)
    own = await me(client)
    assert own == {"_id": ada, "id": ada, "name": "Ada Lovelace", "handle": "ada",
                   "email": "ada@example.com", "bio": "", "loc": "", "img": "", "cvrImg": "",
                   "lnk": {}, "pl": []}
    # asked for by id, even oneself is shown the public profile, as in Openwhyd
    public = await (await client.get("/api/user", params={"id": ada})).json()
    assert public["_id"] == ada and "email" not in public
    other = await (await client.get("/api/user", params={"id": grace})).json()
    assert other["_id"] == grace and other["name"] == "Grace Hopper" and "email" not in other
    by_handle = await (await client.get("/api/user", params={"id": "grace"})).json()
    assert by_handle == other


async def test_get_user_by_path_as_the_api_tests_call_it(client):
    ada, grace = await two_users(client)
    by_query = await (await client.get("/api/user", params={"id": grace})).json()
    for ref in (grace, "grace"):
        resp = await client.get(f"/api/user/{ref}", params={"format": "json"})
        assert resp.status == 200
        body = await resp.json()
        assert body == by_query and body["name"] == "Grace Hopper" and "email" not in body
    own = await (await client.get(f"/api/user/{ada}")).json()
    assert own["name"] == "Ada Lovelace" and "email" not in own
    resp = await client.get("/api/user/nobody")
    assert resp.status == 404 and await resp.json() == {"error": "user not found"}
    # an id is a number: Openwhyd's test fixtures write user 2 as 000000000000000000000002
    padded = await (await client.get(f"/api/user/{int(grace):024d}")).json()
    assert padded == by_query
    resp = await client.get("/api/user/" + "9" * 30)
    assert resp.status == 404


async def test_get_user_lists_the_users_playlists_the_viewer_may_see(client):
    ada, grace = await two_users(client)  # signed in as Ada
    for name in ("first", "second"):
        resp = await client.post("/api/playlist", data={"action": "create", "name": name})
        assert (await resp.json())["name"] == name
    store = ctx_of(client).store
    second = await store.collections.by_number(int(ada), 1)
    await store.collections.update(second.id, is_public=False)
    post = await store.posts.create(user_id=int(ada), link="https://youtu.be/abc", eid="/yt/abc",
                                    name="t", collection_id=(
                                        await store.collections.by_number(int(ada), 0)).id)
    assert post.id
    own = await me(client)
    assert own["pl"] == [
        {"id": 0, "name": "first", "url": f"/u/{ada}/playlist/0", "nbTracks": 1,
         "img": f"/img/playlist/{ada}_0"},
        {"id": 1, "name": "second", "url": f"/u/{ada}/playlist/1", "nbTracks": 0,
         "img": f"/img/playlist/{ada}_1"}]
    seen = await (await client.get(f"/api/user/{ada}")).json()  # the public profile
    assert [p["name"] for p in seen["pl"]] == ["first"]
    assert (await (await client.get(f"/api/user/{grace}")).json())["pl"] == []


async def test_get_user_extra_fields_on_request(client):
    _, grace = await two_users(client)
    resp = await client.get("/api/user", params={
        "id": grace, "isSubscr": "true", "countPosts": "true", "countLikes": "true",
        "includeSubscr": "true", "includeTags": "true"})
    body = await resp.json()
    assert {k: body[k] for k in ("isSubscribing", "nbPosts", "nbLikes", "nbSubscribers",
                                 "nbSubscriptions", "lastArtists")} == {
        "isSubscribing": False, "nbPosts": 0, "nbLikes": 0, "nbSubscribers": 0,
        "nbSubscriptions": 0, "lastArtists": []}
    plain = await (await client.get("/api/user", params={"id": grace})).json()
    assert "nbPosts" not in plain and "isSubscribing" not in plain


async def test_unknown_user_is_404_and_anonymous_self_is_401(client):
    await two_users(client)
    for unknown in ("424242", "nobody", "99999999999999999999999"):
        resp = await client.get("/api/user", params={"id": unknown})
        assert resp.status == 404 and await resp.json() == {"error": "user not found"}
    client.session.cookie_jar.clear()
    resp = await client.get("/api/user")
    assert resp.status == 401 and await resp.json() == {"error": "Please login first"}
    resp = await client.post("/api/user", json={"name": "x"})
    assert resp.status == 401 and await resp.json() == {"error": "Please login first"}


async def test_profile_fields_round_trip(client):
    ada, grace = await two_users(client)
    updated = await set_user(
        client, name="Augusta Ada", handle="augusta", email="augusta@example.com",
        bio="Poetical science", loc="London", lnk_home="https://ada.example",
        lnk_fb="https://facebook.com/ada", lnk_tw="https://twitter.com/ada",
        lnk_sc="https://soundcloud.com/ada", lnk_yt="https://youtube.com/@ada", lnk_igrm="ada",
        apTok="ab" * 32, twId="adatw", twTok="tw-token", twSec="tw-secret")
    assert updated == await me(client)
    assert updated["name"] == "Augusta Ada" and updated["handle"] == "augusta"
    assert updated["email"] == "augusta@example.com"
    assert (updated["bio"], updated["loc"]) == ("Poetical science", "London")
    assert updated["lnk"] == {"home": "https://ada.example", "fb": "https://facebook.com/ada",
                              "tw": "https://twitter.com/ada",
                              "sc": "https://soundcloud.com/ada",
                              "yt": "https://youtube.com/@ada", "igrm": "ada"}
    assert (updated["twId"], updated["twTok"], updated["twSec"]) == ("adatw", "tw-token",
                                                                    "tw-secret")
    assert updated["apTok"] == "ab" * 32
    stored = await ctx_of(client).store.oauth.user_account(int(ada), "twitter")
    assert "tw-token" not in (stored.access_token_enc or "")
    assert "tw-secret" not in (stored.refresh_token_enc or "")
    # a link can be removed, the rest stays
    updated = await set_user(client, lnk_fb="", twId="")
    assert "fb" not in updated["lnk"] and updated["lnk"]["home"] == "https://ada.example"
    assert "twId" not in updated and "twTok" not in updated


async def test_other_users_never_see_private_fields(client):
    ada, _ = await two_users(client)
    await set_user(client, apTok="cd" * 32, twId="adatw", twTok="tw-token", twSec="tw-secret")
    await signup(client, "Third", "third@example.com", "third")
    seen = await (await client.get("/api/user", params={"id": ada})).json()
    for private in ("email", "apTok", "twId", "twTok", "twSec", "fbTok"):
        assert private not in seen


async def test_a_twitter_account_of_another_user_is_refused(client):
    await two_users(client)
    await set_user(client, twId="shared", twTok="t", twSec="s")
    await signup(client, "Third", "third@example.com", "third")
    body = await set_user(client, twId="shared", twTok="t2", twSec="s2")
    assert body == {"error": "This twitter account is linked to another user"}
    assert await set_user(client, twId="solo") == {
        "error": "invalid parameters: twTok and twSec are required with twId"}


async def test_reserved_or_taken_handles_are_refused_and_change_nothing(client):
    await two_users(client)
    before = await me(client)
    assert await set_user(client, handle="login", name="Changed") == {
        "error": "This username is reserved"}
    assert await set_user(client, handle="grace") == {
        "error": "This username is taken by another user"}
    assert await set_user(client, handle="12345") == {"error": "Numbers are not allowed"}
    assert await set_user(client, email="grace@example.com") == {
        "error": "This email already belongs to another user"}
    assert await set_user(client, email="not-an-email") == {
        "error": "This email address is invalid"}
    assert await me(client) == before


async def test_bad_field_values_are_refused(client):
    await two_users(client)
    before = await me(client)
    assert await set_user(client, lnk_home="javascript:alert(1)", bio="x") == {
        "error": "Invalid link: lnk_home"}
    assert await set_user(client, apTok="xyz") == {
        "error": "apTok must be 64 hexadecimal characters"}
    assert await set_user(client, name="  ") == {"error": "Please enter your name"}
    assert await set_user(client, fbId="1001") == {
        "error": "invalid parameters: fbTok is required with fbId"}
    assert await set_user(client, name={"$set": "x"}) == {"error": "invalid parameter: name"}
    assert await me(client) == before


async def test_password_change_needs_the_right_current_password(client):
    await two_users(client)
    assert await set_user(client, pwd=NEW_PASSWORD) == WRONG_CURRENT
    assert await set_user(client, pwd=NEW_PASSWORD, oldPwd="Wrong-passw0rd",
                          name="Changed") == WRONG_CURRENT
    assert (await me(client))["name"] == "Ada Lovelace"
    assert (await set_user(client, pwd="weak", oldPwd=STRONG_PASSWORD))["error"].startswith(
        "Password must")
    body = await set_user(client, pwd=NEW_PASSWORD, oldPwd=STRONG_PASSWORD)
    assert body["handle"] == "ada" and "error" not in body
    client.session.cookie_jar.clear()
    for password, expected in ((STRONG_PASSWORD, False), (NEW_PASSWORD, True)):
        resp = await client.post("/login", data={"action": "login", "ajax": "1",
                                                 "email": "ada", "password": password})
        assert ("redirect" in await resp.json()) is expected


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


async def test_images_must_be_the_users_own_uploads(client):
    ada, grace = await two_users(client)
    ctx = ctx_of(client)
    mine = await save_image(ctx, png(), "avatars", int(ada))
    theirs = await save_image(ctx, png(), "avatars", int(grace))
    assert await set_user(client, img=theirs) == {
        "error": "img must be the URL of an image you uploaded"}
    assert await set_user(client, cvrImg="https://tracker.example/pixel.png") == {
        "error": "cvrImg must be the URL of an image you uploaded"}
    assert (await set_user(client, img=mine))["img"] == mine
    newer = await save_image(ctx, png(), "avatars", int(ada))
    assert (await set_user(client, img=newer))["img"] == newer
    assert (await client.get(mine)).status == 404  # the replaced upload is removed
    assert (await set_user(client, img="/images/blank_user.gif"))["img"] == ""


async def test_get_never_updates(client):
    await two_users(client)
    await client.get("/api/user", params={"name": "Pwned", "email": "x@example.com"})
    assert (await me(client))["name"] == "Ada Lovelace"


async def test_an_update_refused_midway_changes_nothing(client):
    """Twitter link, name and password come before the taken handle is found: none is kept."""
    ada, _ = await two_users(client)
    before = await me(client)
    assert await set_user(client, twId="adatw", twTok="tw-token", twSec="tw-secret",
                          name="Changed", bio="changed", pwd=NEW_PASSWORD,
                          oldPwd=STRONG_PASSWORD, handle="grace") == {
        "error": "This username is taken by another user"}
    assert await me(client) == before  # still signed in, nothing changed
    assert await ctx_of(client).store.oauth.user_account(int(ada), "twitter") is None
    client.session.cookie_jar.clear()
    for password, expected in ((NEW_PASSWORD, False), (STRONG_PASSWORD, True)):
        resp = await client.post("/login", data={"action": "login", "ajax": "1",
                                                 "email": "ada", "password": password})
        assert ("redirect" in await resp.json()) is expected
