"""EchoStats' /api/v1/auth endpoints over HTTP, against a fake Spotify, in its documented shapes."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import ctx_of
from tests.fakes.oauth_provider import (
    CLIENT_ID,
    PROVIDER,
    add_user,
    make_oauth_provider_app,
    provider_config,
)

FRONTEND = "https://echostats.example"
HTML = {"Accept": "text/html,application/xhtml+xml"}
AVATAR = "https://i.scdn.co/image/atul"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
async def spotify(aiohttp_server: Any) -> TestServer:
    """A fake Spotify accounts service where "atul123" is signed in."""
    app = make_oauth_provider_app("spotify")
    add_user(app, subject="atul123", email="atul@example.com", name="Atul", avatar_url=AVATAR)
    return await aiohttp_server(app)


@pytest.fixture
def start(make_client: Any, spotify: TestServer) -> Any:
    async def run(**overrides: Any) -> TestClient:
        return await make_client(oauth=(provider_config(spotify.make_url("/"), "spotify"),),
                                 frontend_url=FRONTEND, **overrides)
    return run


@pytest.fixture
async def es(start: Any) -> TestClient:
    return await start()


def fake(spotify: TestServer) -> Any:
    return spotify.app[PROVIDER]


async def consent(client: TestClient, authorize_url: str) -> str:
    """Approve at the fake Spotify as a browser would; the callback path+query it sends back."""
    resp = await client.session.get(authorize_url, allow_redirects=False)
    assert resp.status == 302
    back = urlsplit(resp.headers["Location"])
    assert back.path == "/api/v1/auth/callback"
    return f"{back.path}?{back.query}"


async def sign_in(client: TestClient) -> web.Response:
    """The whole browser flow; the callback's answer."""
    login = await client.get("/api/v1/auth/login", headers=HTML, allow_redirects=False)
    assert login.status == 302
    return await client.get(await consent(client, login.headers["Location"]),
                            allow_redirects=False)


async def status(client: TestClient, **headers: str) -> dict[str, Any]:
    resp = await client.get("/api/v1/auth/status", headers=headers)
    assert resp.status == 200
    return await resp.json()


async def test_browser_login_is_redirected_to_spotify_consent(es, spotify):
    resp = await es.get("/api/v1/auth/login", headers=HTML, allow_redirects=False)
    assert resp.status == 302
    url = urlsplit(resp.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == str(spotify.make_url("/authorize"))
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith("/api/v1/auth/callback")
    assert "user-read-recently-played" in query["scope"][0] and query["state"][0]


async def test_api_client_login_gets_the_url_and_state_as_json(es, spotify):
    resp = await es.get("/api/v1/auth/login", headers={"Accept": "application/json"})
    body = await resp.json()
    assert resp.status == 200 and set(body) == {"url", "state"}
    assert body["url"].startswith(str(spotify.make_url("/authorize")))
    assert parse_qs(urlsplit(body["url"]).query)["state"] == [body["state"]]


async def test_callback_signs_in_with_an_httponly_cookie_and_redirects_to_the_frontend(es):
    resp = await sign_in(es)
    assert resp.status == 302
    assert resp.headers["Location"] == f"{FRONTEND}/auth/callback?status=success"
    assert "chorus_session" in resp.cookies
    assert "httponly" in resp.headers["Set-Cookie"].lower()
    body = await status(es)
    assert body["authenticated"] is True
    user = body["user"]
    assert isinstance(user["id"], str) and user["id"].isdigit()
    assert user == {"id": user["id"], "spotify_id": "atul123", "display_name": "Atul",
                    "image_url": AVATAR, "product": "premium"}
    assert ISO_Z.match(body["token_expires_at"])


async def test_callback_redirects_to_the_public_url_when_no_frontend_is_set(make_client, spotify):
    client = await make_client(oauth=(provider_config(spotify.make_url("/"), "spotify"),),
                               public_url="https://chorus.example")
    login = await client.get("/api/v1/auth/login")
    resp = await client.get(await consent(client, (await login.json())["url"]),
                            allow_redirects=False)
    assert resp.headers["Location"] == "https://chorus.example/auth/callback?status=success"


async def test_api_client_flow_signs_in_the_same_account_each_time(es):
    ids = []
    for _ in range(2):
        login = await es.get("/api/v1/auth/login")
        resp = await es.get(await consent(es, (await login.json())["url"]),
                            allow_redirects=False)
        assert resp.status == 302
        ids.append((await status(es))["user"]["id"])
    assert ids[0] == ids[1]


async def test_stored_spotify_tokens_are_encrypted_at_rest(es, spotify):
    await sign_in(es)
    issued = list(fake(spotify).access_tokens) + list(fake(spotify).refresh_tokens)
    ctx = ctx_of(es)
    rows = await ctx.store.db.fetch_all("SELECT * FROM oauth_accounts")  # as stored
    assert len(rows) == 1 and issued
    stored = repr([tuple(row) for row in rows])
    assert not any(token in stored for token in issued)
    link = await ctx.store.oauth.user_account(int((await status(es))["user"]["id"]), "spotify")
    assert ctx.vault.decrypt(link.access_token_enc) in fake(spotify).access_tokens


async def test_callback_with_a_forged_state_is_refused_and_signs_nobody_in(es):
    login = await es.get("/api/v1/auth/login")
    back = await consent(es, (await login.json())["url"])
    forged = re.sub(r"state=[^&]+", "state=forged", back)
    resp = await es.get(forged, allow_redirects=False)
    assert resp.status == 400
    assert await resp.json() == {"detail": "Invalid or expired OAuth state"}
    assert "chorus_session" not in resp.cookies
    assert await status(es) == {"authenticated": False}


async def test_callback_replayed_with_a_used_state_is_refused(es):
    login = await es.get("/api/v1/auth/login")
    back = await consent(es, (await login.json())["url"])
    first = await es.get(back, allow_redirects=False)
    assert first.status == 302
    again = await es.get(back, allow_redirects=False)
    assert again.status == 400
    assert await again.json() == {"detail": "Invalid or expired OAuth state"}


async def test_callback_with_access_denied_is_a_bad_request(es):
    login = await es.get("/api/v1/auth/login")
    state = (await login.json())["state"]
    resp = await es.get("/api/v1/auth/callback",
                        params={"error": "access_denied", "state": state},
                        allow_redirects=False)
    assert resp.status == 400
    assert await resp.json() == {"detail": "Spotify authorization failed: access_denied"}
    assert await status(es) == {"authenticated": False}


async def test_callback_without_code_or_state_is_a_validation_error(es):
    resp = await es.get("/api/v1/auth/callback", params={"state": "abc"})
    assert resp.status == 422
    assert await resp.json() == {"detail": [
        {"loc": ["query", "code"], "msg": "field required", "type": "value_error.missing"}]}


async def test_callback_that_spotify_refuses_to_exchange_is_a_bad_gateway(es):
    state = (await (await es.get("/api/v1/auth/login")).json())["state"]
    resp = await es.get("/api/v1/auth/callback", params={"code": "bogus", "state": state},
                        allow_redirects=False)
    assert resp.status == 502
    assert await resp.json() == {"detail": "Spotify API error: could not complete the sign-in"}
    assert await status(es) == {"authenticated": False}


async def test_status_is_unauthenticated_without_or_with_a_bad_credential(es):
    assert await status(es) == {"authenticated": False}
    assert await status(es, Authorization="Bearer not-a-token") == {"authenticated": False}


async def test_refresh_gets_a_new_spotify_token_with_the_refresh_grant(es, spotify):
    await sign_in(es)
    ctx = ctx_of(es)
    user_id = int((await status(es))["user"]["id"])
    before = ctx.vault.decrypt((await ctx.store.oauth.user_account(user_id, "spotify"))
                               .access_token_enc)
    token_calls = fake(spotify).calls.count("/token")
    resp = await es.post("/api/v1/auth/refresh")
    assert resp.status == 200 and await resp.json() == {"status": "refreshed"}
    assert fake(spotify).calls.count("/token") == token_calls + 1
    after = ctx.vault.decrypt((await ctx.store.oauth.user_account(user_id, "spotify"))
                              .access_token_enc)
    assert after != before and after in fake(spotify).access_tokens


async def test_refresh_without_a_session_is_unauthorized(es):
    resp = await es.post("/api/v1/auth/refresh")
    assert resp.status == 401 and await resp.json() == {"detail": "Not authenticated"}


async def test_refresh_that_spotify_refuses_is_unauthorized(es, spotify):
    await sign_in(es)
    fake(spotify).refresh_tokens.clear()
    resp = await es.post("/api/v1/auth/refresh")
    assert resp.status == 401 and await resp.json() == {"detail": "Spotify token refresh failed"}


async def test_refresh_without_a_spotify_link_is_unauthorized(start):
    client = await start(dev=True)
    token = (await (await client.get("/api/v1/auth/dev-login")).json())["token"]
    client.session.cookie_jar.clear()
    resp = await client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401 and await resp.json() == {"detail": "No Spotify account is linked"}


async def test_logout_clears_the_cookie_and_revokes_the_session(es):
    signed = await sign_in(es)
    cookie = signed.cookies["chorus_session"].value
    resp = await es.post("/api/v1/auth/logout")
    assert resp.status == 200 and await resp.json() == {"status": "logged_out"}
    assert resp.cookies["chorus_session"].value == ""
    assert await status(es) == {"authenticated": False}
    replay = await status(es, Cookie=f"chorus_session={cookie}")
    assert replay == {"authenticated": False}


async def test_logout_without_a_session_still_answers_logged_out(es):
    resp = await es.post("/api/v1/auth/logout")
    assert resp.status == 200 and await resp.json() == {"status": "logged_out"}


async def test_dev_login_is_not_found_unless_dev_mode_is_on(es):
    resp = await es.get("/api/v1/auth/dev-login")
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}
    assert await ctx_of(es).store.users.by_username("demo_user") is None


async def test_dev_login_signs_in_the_demo_user_with_cookie_and_token(make_client):
    client = await make_client(dev=True)
    resp = await client.get("/api/v1/auth/dev-login")
    body = await resp.json()
    assert resp.status == 200 and body["status"] == "authenticated"
    assert body["user"] == {"id": body["user"]["id"], "spotify_id": "demo_user",
                            "display_name": "Demo User"}
    assert body["token"].count(".") == 2
    assert "httponly" in resp.headers["Set-Cookie"].lower()
    assert (await status(client))["user"] == {
        "id": body["user"]["id"], "spotify_id": "demo_user", "display_name": "Demo User",
        "image_url": None, "product": None}
    again = await (await client.get("/api/v1/auth/dev-login")).json()
    assert again["user"]["id"] == body["user"]["id"]
    demo = await ctx_of(client).store.users.by_username("demo_user")
    assert demo.password_hash is None


async def test_dev_login_token_is_accepted_by_other_dialects_and_logout_revokes_it(make_client):
    client = await make_client(dev=True)
    token = (await (await client.get("/api/v1/auth/dev-login")).json())["token"]
    client.session.cookie_jar.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    resp = await client.get("/api/get_user", headers=bearer)
    assert resp.status == 200 and (await resp.json())["username"] == "demo_user"
    assert (await status(client, **bearer))["authenticated"] is True
    await client.post("/api/v1/auth/logout", headers=bearer)
    assert (await client.get("/api/get_user", headers=bearer)).status == 401


async def test_spotify_login_while_signed_in_links_spotify_to_that_account(start):
    client = await start(dev=True)
    demo = (await (await client.get("/api/v1/auth/dev-login")).json())["user"]
    assert (await sign_in(client)).status == 302
    user = (await status(client))["user"]
    assert user["id"] == demo["id"] and user["spotify_id"] == "atul123"
    assert user["product"] == "premium"


async def test_login_when_spotify_is_not_configured_says_so(make_client):
    client = await make_client(oauth=())
    for headers in ({}, HTML):
        resp = await client.get("/api/v1/auth/login", headers=headers, allow_redirects=False)
        assert resp.status == 503
        assert "Spotify login is not configured" in (await resp.json())["detail"]


async def test_unknown_auth_paths_and_methods_answer_in_echostats_shape(es):
    resp = await es.get("/api/v1/auth/nope")
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}
    resp = await es.get("/api/v1/auth/logout")
    assert resp.status == 405 and await resp.json() == {"detail": "Method Not Allowed"}
