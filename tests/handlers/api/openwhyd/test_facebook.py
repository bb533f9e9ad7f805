"""Openwhyd's /facebookLogin against the fake Graph API: linked, not linked, bad token, link."""

from __future__ import annotations

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.fakes.oauth_provider import add_user, make_oauth_provider_app, provider_config

BAD_TOKEN = {"error": "facebook session token does not match user id"}


@pytest.fixture
async def graph(aiohttp_server):
    app = make_oauth_provider_app("facebook")
    server = await aiohttp_server(app)
    return app, server


@pytest.fixture
async def client(make_client, graph):
    _, server = graph
    return await make_client(oauth=(provider_config(server.make_url("/"), "facebook"),))


async def signup(client):
    resp = await client.post("/register", data={
        "name": "Ada", "email": "ada@example.com", "password": STRONG_PASSWORD, "ajax": "1"})
    return await resp.json()


async def test_an_unlinked_facebook_user_gets_fb_user_and_no_session(client, graph):
    token = add_user(graph[0], subject="1001", email="fb@example.org", name="Fb User")
    resp = await client.get("/facebookLogin", params={"action": "login", "fbUid": "1001",
                                                      "fbAccessToken": token})
    assert resp.status == 200
    assert await resp.json() == {"fbUser": {"id": "1001", "name": "Fb User",
                                            "email": "fb@example.org"}}
    assert "chorus_session" not in resp.cookies


async def test_a_linked_facebook_user_signs_in(client, graph):
    token = add_user(graph[0], subject="1001", email="fb@example.org", name="Fb User")
    registered = await signup(client)
    resp = await client.post("/facebookLogin", data={"action": "link", "fbUid": "1001",
                                                     "fbAccessToken": token})
    assert await resp.json() == {"ok": 1, "fbId": "1001"}
    client.session.cookie_jar.clear()
    resp = await client.post("/facebookLogin", json={"action": "login", "fbUid": 1001,
                                                     "fbAccessToken": token,
                                                     "includeUser": True})
    body = await resp.json()
    assert body["redirect"] == "/" and body["user"]["_id"] == registered["uId"]
    assert body["user"]["fbId"] == "1001" and body["user"]["nbPosts"] == 0
    assert "chorus_session" in resp.cookies
    me = await (await client.get("/api/user")).json()
    assert me["_id"] == registered["uId"] and me["fbTok"] == token


async def test_a_bad_token_or_another_users_token_is_refused(client, graph):
    token = add_user(graph[0], subject="1001", name="Fb User")
    for uid, tok in (("1001", "bogus"), ("2002", token)):
        resp = await client.get("/facebookLogin", params={"fbUid": uid, "fbAccessToken": tok})
        assert resp.status == 200 and await resp.json() == BAD_TOKEN
        assert "chorus_session" not in resp.cookies


async def test_missing_parameters_are_refused(client):
    resp = await client.get("/facebookLogin", params={"fbUid": "1001"})
    assert await resp.json() == {"error": "invalid facebook login request"}


async def test_linking_needs_post_so_a_cross_site_link_cannot_attach_an_account(client, graph):
    token = add_user(graph[0], subject="1001", name="Fb User")
    await signup(client)
    resp = await client.get("/facebookLogin", params={"action": "link", "fbUid": "1001",
                                                      "fbAccessToken": token})
    assert await resp.json() == {"error": "Please use POST to link a Facebook account"}
    client.session.cookie_jar.clear()
    resp = await client.get("/facebookLogin", params={"fbUid": "1001", "fbAccessToken": token})
    assert "fbUser" in await resp.json()


async def test_login_with_fb_uid_links_facebook_once_the_graph_api_vouches(client, graph):
    token = add_user(graph[0], subject="1001", name="Fb User")
    await signup(client)
    client.session.cookie_jar.clear()
    resp = await client.get("/login", params={"action": "login", "ajax": "1",
                                              "email": "ada@example.com",
                                              "password": STRONG_PASSWORD,
                                              "fbUid": "1001", "fbTok": "bogus"})
    assert await resp.json() == {"redirect": "/"}  # a bad token does not block the login
    me = await (await client.get("/api/user")).json()
    assert "fbId" not in me
    resp = await client.get("/login", params={"action": "login", "ajax": "1",
                                              "email": "ada@example.com",
                                              "password": STRONG_PASSWORD,
                                              "fbUid": "1001", "fbTok": token})
    me = await (await client.get("/api/user")).json()
    assert me["fbId"] == "1001"


async def test_api_user_links_facebook_with_the_rest_of_the_update_or_not_at_all(client, graph):
    token = add_user(graph[0], subject="1001", name="Fb User")
    await client.post("/register", data={"name": "Bo", "email": "bo@example.com",
                                         "handle": "bo", "password": STRONG_PASSWORD, "ajax": "1"})
    await signup(client)  # signed in as Ada now
    refused = await client.post("/api/user", json={"fbId": "1001", "fbTok": token,
                                                   "name": "Never", "handle": "bo"})
    assert await refused.json() == {"error": "This username is taken by another user"}
    me = await (await client.get("/api/user")).json()
    assert "fbId" not in me and me["name"] == "Ada"
    updated = await (await client.post("/api/user", json={"fbId": "1001", "fbTok": token,
                                                          "name": "Ada L."})).json()
    assert (updated["fbId"], updated["fbTok"], updated["name"]) == ("1001", token, "Ada L.")
    bad = await client.post("/api/user", json={"fbId": "1001", "fbTok": "bogus",
                                               "name": "Never"})
    assert "error" in await bad.json()
    unlinked = await (await client.post("/api/user", json={"fbId": ""})).json()
    assert "fbId" not in unlinked and unlinked["name"] == "Ada L."
