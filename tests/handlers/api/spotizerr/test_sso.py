"""Spotizerr's SSO endpoints against fake Google and GitHub servers, in its documented shapes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from yarl import URL

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.oauth_provider import add_user, make_oauth_provider_app, provider_config

FRONTEND = "https://app.example.org"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sso_client(aiohttp_server, make_client):
    """Chorus with fake Google and GitHub; returns (client, {provider: fake server})."""

    async def start(**overrides):
        fakes = {p: await aiohttp_server(make_oauth_provider_app(p)) for p in ("google", "github")}
        client = await make_client(
            frontend_url=FRONTEND,
            oauth=tuple(provider_config(f.make_url(""), p) for p, f in fakes.items()),
            **overrides)
        return client, fakes

    return start


async def authorize(client, provider, headers=None):
    """Start the flow and approve it at the fake: the callback URL at Chorus (path + query)."""
    resp = await client.get(f"/api/auth/sso/login/{provider}", headers=headers or {},
                            allow_redirects=False)
    assert resp.status == 302, await resp.text()
    async with client.session.get(resp.headers["Location"], allow_redirects=False) as consent:
        assert consent.status == 302
        callback = URL(consent.headers["Location"])
    assert callback.path == f"/api/auth/sso/callback/{provider}"
    return callback.path_qs


async def sign_in(client, provider, headers=None):
    """The whole flow; the access token Chorus hands to the frontend."""
    resp = await client.get(await authorize(client, provider, headers), allow_redirects=False)
    assert resp.status == 302, await resp.text()
    location = resp.headers["Location"]
    assert location.startswith(f"{FRONTEND}/?token=")
    return parse_qs(urlsplit(location).query)["token"][0]


async def profile(client, token):
    resp = await client.get("/api/auth/profile", headers=bearer(token))
    assert resp.status == 200
    return await resp.json()


async def register_and_login(client, username="ada", email="ada@example.com"):
    resp = await client.post("/api/auth/register", json={
        "username": username, "password": STRONG_PASSWORD, "email": email})
    assert resp.status == 200
    resp = await client.post("/api/auth/login",
                             json={"username": username, "password": STRONG_PASSWORD})
    return (await resp.json())["access_token"]


async def test_status_lists_the_configured_providers(sso_client):
    client, _ = await sso_client()
    body = await (await client.get("/api/auth/status")).json()
    assert body["sso_enabled"] is True and body["sso_providers"] == ["google", "github"]
    resp = await client.get("/api/auth/sso/status")
    assert resp.status == 200
    assert await resp.json() == {
        "sso_enabled": True,
        "registration_enabled": True,
        "providers": [
            {"name": "google", "display_name": "Google", "enabled": True,
             "login_url": "/api/auth/sso/login/google"},
            {"name": "github", "display_name": "GitHub", "enabled": True,
             "login_url": "/api/auth/sso/login/github"},
        ],
    }


async def test_sso_without_providers(client):
    resp = await client.get("/api/auth/sso/status")
    assert await resp.json() == {"sso_enabled": False, "providers": [],
                                 "registration_enabled": True}
    resp = await client.get("/api/auth/sso/login/google", allow_redirects=False)
    assert resp.status == 400
    assert await resp.json() == {"error": "SSO provider 'google' is not configured",
                                 "details": "SSO provider 'google' is not configured",
                                 "detail": "SSO provider 'google' is not configured"}


async def test_login_redirects_to_the_providers_authorize_url(sso_client):
    client, fakes = await sso_client()
    resp = await client.get("/api/auth/sso/login/github", allow_redirects=False)
    assert resp.status == 302
    location = URL(resp.headers["Location"])
    assert str(location.with_query(None)) == str(fakes["github"].make_url("/authorize"))
    assert location.query["client_id"] == "test-client"
    assert location.query["redirect_uri"].endswith("/api/auth/sso/callback/github")
    assert location.query["state"]


@pytest.mark.parametrize("provider", ["google", "github"])
async def test_full_sso_flow_creates_and_then_reuses_an_account(sso_client, provider):
    client, fakes = await sso_client()
    add_user(fakes[provider].app, subject="4242", email="grace@example.com",
             name="Grace Hopper", public_email=False)
    token = await sign_in(client, provider)
    body = await profile(client, token)
    assert body["email"] == "grace@example.com"
    assert body["sso_provider"] == provider and body["is_sso_user"] is True
    again = await sign_in(client, provider)
    assert (await profile(client, again))["username"] == body["username"]
    assert await ctx_of(client).store.users.count() == 1


@pytest.mark.parametrize("provider", ["google", "github"])
async def test_sso_signs_into_the_existing_account_with_that_email(sso_client, provider):
    client, fakes = await sso_client()
    await register_and_login(client)
    add_user(fakes[provider].app, subject="77", email="ada@example.com", name="Ada")
    body = await profile(client, await sign_in(client, provider))
    assert body["username"] == "ada" and body["sso_provider"] == provider


async def test_signed_in_caller_links_the_provider_to_their_account(sso_client):
    client, fakes = await sso_client()
    token = await register_and_login(client)
    add_user(fakes["github"].app, subject="9", email="someone-else@example.org", name="Ada GH")
    linked = await sign_in(client, "github", headers=bearer(token))
    assert (await profile(client, linked))["username"] == "ada"
    assert (await profile(client, token))["sso_provider"] == "github"
    assert await ctx_of(client).store.users.count() == 1


async def test_a_bogus_state_is_refused(sso_client):
    client, fakes = await sso_client()
    add_user(fakes["google"].app, subject="1", email="g@example.com")
    callback = URL(await authorize(client, "google"))
    resp = await client.get(callback.update_query(state="forged"), allow_redirects=False)
    assert resp.status == 400
    assert await resp.json() == {"error": "SSO authentication failed",
                                 "details": "Invalid or expired OAuth state",
                                 "detail": "SSO authentication failed"}
    assert await ctx_of(client).store.users.count() == 0


async def test_a_replayed_callback_is_refused(sso_client):
    client, fakes = await sso_client()
    add_user(fakes["github"].app, subject="1", email="g@example.com")
    callback = await authorize(client, "github")
    assert (await client.get(callback, allow_redirects=False)).status == 302
    resp = await client.get(callback, allow_redirects=False)
    assert resp.status == 400
    assert (await resp.json())["error"] == "SSO authentication failed"


async def test_state_of_one_provider_is_refused_by_the_other(sso_client):
    client, fakes = await sso_client()
    add_user(fakes["google"].app, subject="1", email="g@example.com")
    callback = URL(await authorize(client, "google"))
    resp = await client.get(URL("/api/auth/sso/callback/github").with_query(callback.query),
                            allow_redirects=False)
    assert resp.status == 400


async def test_a_refused_consent_is_a_400(sso_client):
    client, _ = await sso_client()
    resp = await client.get("/api/auth/sso/callback/google",
                            params={"error": "access_denied", "state": "x"},
                            allow_redirects=False)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"] == "SSO authentication failed" and "access_denied" in body["details"]


async def test_a_code_the_provider_rejects_is_a_400(sso_client):
    client, fakes = await sso_client()
    add_user(fakes["google"].app, subject="1", email="g@example.com")
    callback = URL(await authorize(client, "google"))
    resp = await client.get(callback.update_query(code="made-up"), allow_redirects=False)
    assert resp.status == 400
    assert (await resp.json())["error"] == "SSO authentication failed"


async def test_unknown_providers_are_not_routes(sso_client):
    client, _ = await sso_client()
    resp = await client.get("/api/auth/sso/login/facebook", allow_redirects=False)
    assert resp.status == 404
    assert set(await resp.json()) == {"error", "details", "detail"}


async def test_unlink(sso_client):
    client, fakes = await sso_client()
    token = await register_and_login(client)
    add_user(fakes["google"].app, subject="5", email="ada-g@example.com")
    await sign_in(client, "google", headers=bearer(token))
    resp = await client.post("/api/auth/sso/unlink/google", headers=bearer(token))
    assert resp.status == 200
    assert await resp.json() == {"message": "SSO provider google unlinked successfully"}
    body = await profile(client, token)
    assert body["sso_provider"] is None and body["is_sso_user"] is False
    resp = await client.post("/api/auth/sso/unlink/google", headers=bearer(token))
    assert resp.status == 404
    assert (await resp.json())["error"] == "No google account is linked"


async def test_unlink_refusals(sso_client):
    client, fakes = await sso_client()
    resp = await client.post("/api/auth/sso/unlink/google")
    assert resp.status == 401
    assert (await resp.json())["error"] == "Authentication required"
    add_user(fakes["github"].app, subject="8", email="only-sso@example.com")
    token = await sign_in(client, "github")
    resp = await client.post("/api/auth/sso/unlink/spotify", headers=bearer(token))
    assert resp.status == 400
    assert (await resp.json())["error"] == "Invalid SSO provider"
    # an account made by SSO has no password: unlinking would lock its owner out
    resp = await client.post("/api/auth/sso/unlink/github", headers=bearer(token))
    assert resp.status == 400
    assert (await profile(client, token))["sso_provider"] == "github"


async def test_admin_list_shows_sso_users(sso_client):
    client, fakes = await sso_client(admin_username="boss", admin_password=STRONG_PASSWORD)
    add_user(fakes["google"].app, subject="3", email="lin@example.com", name="Lin")
    await sign_in(client, "google")
    resp = await client.post("/api/auth/login",
                             json={"username": "boss", "password": STRONG_PASSWORD})
    admin = (await resp.json())["access_token"]
    users = await (await client.get("/api/auth/users", headers=bearer(admin))).json()
    assert [(u["email"], u["sso_provider"], u["is_sso_user"]) for u in users] == [
        (None, None, False), ("lin@example.com", "google", True)]


async def test_a_linking_flow_finished_in_another_browser_is_refused(sso_client):
    """Someone starts linking on their own account and sends the approval link to a victim:
    the victim's browser lacks the state cookie, so nothing is linked."""
    client, fakes = await sso_client()
    token = await register_and_login(client)
    add_user(fakes["google"].app, subject="victim-google", email="victim@example.com")
    callback = await authorize(client, "google", bearer(token))
    client.session.cookie_jar.clear()  # the victim's browser: no state cookie
    resp = await client.get(callback, allow_redirects=False)
    assert resp.status == 400 and "error" in await resp.json()
    user = await ctx_of(client).store.users.by_username("ada")
    assert await ctx_of(client).store.oauth.user_accounts(user.id) == []
