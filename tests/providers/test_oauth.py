"""OAuthClient against fake Spotify, Google, GitHub and Facebook servers over loopback HTTP."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest
from aiohttp import web

from providers.oauth import OAuthClient, OAuthError
from tests.fakes.oauth_provider import (
    PROVIDER,
    add_user,
    fail_next,
    make_oauth_provider_app,
    provider_config,
)

__all__: list[str] = []

PROVIDERS = ["spotify", "google", "github", "facebook"]
REDIRECT = "http://127.0.0.1:9/oauth/callback"


class Fake(msgspec.Struct):
    """A served fake provider and a client configured for it."""

    app: web.Application
    client: OAuthClient


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def serve(aiohttp_server: Any, http: httpx.AsyncClient) -> Any:
    async def start(provider: str, **config_changes: Any) -> Fake:
        app = make_oauth_provider_app(provider)
        server = await aiohttp_server(app)
        config = msgspec.structs.replace(provider_config(server.make_url("/"), provider),
                                         **config_changes)
        return Fake(app, OAuthClient(config, http))
    return start


async def authorize(fake: Fake, http: httpx.AsyncClient, state: str = "st-1") -> str:
    """Visit the consent URL as a browser would and return the code from the redirect."""
    response = await http.get(fake.client.authorization_url(state, REDIRECT))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    return query["code"][0]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_authorization_url_carries_the_params(serve: Any, provider: str) -> None:
    fake = await serve(provider)
    url = urlsplit(fake.client.authorization_url("xyz", REDIRECT))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/authorize"
    assert query == {"response_type": "code", "client_id": "test-client",
                     "redirect_uri": REDIRECT, "state": "xyz",
                     "scope": fake.client.config.scope}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_full_code_flow(serve: Any, http: httpx.AsyncClient, provider: str) -> None:
    fake = await serve(provider)
    add_user(fake.app, subject="4242", email="ada@example.org", name="Ada Lovelace",
             avatar_url="https://img.example.org/ada.png", public_email=False)
    code = await authorize(fake, http)
    tokens = await fake.client.exchange_code(code, REDIRECT)
    assert tokens.access_token
    assert tokens.token_type.lower() == "bearer"
    assert tokens.expires_in and tokens.expires_in > 0
    identity = await fake.client.fetch_identity(tokens.access_token)
    assert identity.provider == provider
    assert identity.subject == "4242"
    assert identity.email == "ada@example.org"
    assert identity.name == "Ada Lovelace"
    assert identity.avatar_url == "https://img.example.org/ada.png"
    if provider == "spotify":
        assert identity.raw["product"] == "premium"
    if provider == "github":
        assert identity.raw["email"] is None  # came from /user/emails
        assert "/userinfo/emails" in fake.app[PROVIDER].calls


async def test_github_public_email_needs_no_emails_call(serve: Any,
                                                        http: httpx.AsyncClient) -> None:
    fake = await serve("github")
    add_user(fake.app, subject="7", email="pub@example.org", name="Pub", public_email=True)
    tokens = await fake.client.exchange_code(await authorize(fake, http), REDIRECT)
    identity = await fake.client.fetch_identity(tokens.access_token)
    assert identity.email == "pub@example.org"
    assert "/userinfo/emails" not in fake.app[PROVIDER].calls


async def test_github_user_without_email(serve: Any, http: httpx.AsyncClient) -> None:
    fake = await serve("github")
    add_user(fake.app, subject="8", email=None, name="", public_email=False)
    tokens = await fake.client.exchange_code(await authorize(fake, http), REDIRECT)
    identity = await fake.client.fetch_identity(tokens.access_token)
    assert identity.email is None  # only an unverified secondary address exists
    assert identity.name == "8"


@pytest.mark.parametrize("provider", ["spotify", "google", "github"])
async def test_refresh(serve: Any, http: httpx.AsyncClient, provider: str) -> None:
    fake = await serve(provider)
    add_user(fake.app, subject="1", email="a@example.org", name="A")
    tokens = await fake.client.exchange_code(await authorize(fake, http), REDIRECT)
    assert tokens.refresh_token
    renewed = await fake.client.refresh(tokens.refresh_token)
    assert renewed.access_token != tokens.access_token
    assert renewed.refresh_token
    if provider == "google":
        assert renewed.refresh_token == tokens.refresh_token  # Google sends none: kept
    assert (await fake.client.fetch_identity(renewed.access_token)).subject == "1"


async def test_refresh_with_unknown_token_fails(serve: Any) -> None:
    fake = await serve("spotify")
    with pytest.raises(OAuthError) as info:
        await fake.client.refresh("nope")
    assert (info.value.status, info.value.error) == (400, "invalid_grant")


@pytest.mark.parametrize(("provider", "status", "error"), [
    ("spotify", 400, "invalid_grant"),
    ("google", 400, "invalid_grant"),
    ("github", 200, "bad_verification_code"),
    ("facebook", 400, "OAuthException"),
])
async def test_bad_code_raises(serve: Any, provider: str, status: int, error: str) -> None:
    fake = await serve(provider)
    with pytest.raises(OAuthError) as info:
        await fake.client.exchange_code("not-a-code", REDIRECT)
    assert (info.value.status, info.value.error) == (status, error)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_code_is_single_use_and_bound_to_redirect_uri(serve: Any, http: httpx.AsyncClient,
                                                            provider: str) -> None:
    fake = await serve(provider)
    add_user(fake.app, subject="1", email="a@example.org", name="A")
    code = await authorize(fake, http)
    with pytest.raises(OAuthError):
        await fake.client.exchange_code(code, "http://127.0.0.1:9/elsewhere")
    code = await authorize(fake, http)
    await fake.client.exchange_code(code, REDIRECT)
    with pytest.raises(OAuthError):
        await fake.client.exchange_code(code, REDIRECT)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_wrong_client_secret_is_refused(serve: Any, http: httpx.AsyncClient,
                                              provider: str) -> None:
    fake = await serve(provider, client_secret="wrong")
    add_user(fake.app, subject="1", email="a@example.org", name="A")
    with pytest.raises(OAuthError) as info:
        await fake.client.exchange_code(await authorize(fake, http), REDIRECT)
    assert info.value.error in ("invalid_client", "OAuthException")


@pytest.mark.parametrize("provider", ["spotify", "google", "github"])
async def test_bad_access_token_at_userinfo(serve: Any, provider: str) -> None:
    fake = await serve(provider)
    with pytest.raises(OAuthError) as info:
        await fake.client.fetch_identity("bogus")
    assert info.value.status == 401


async def test_facebook_token_check(serve: Any) -> None:
    fake = await serve("facebook")
    token = add_user(fake.app, subject="10001", email="fb@example.org", name="Fb User")
    identity = await fake.client.check_facebook_token("10001", token)
    assert (identity.subject, identity.email, identity.name) == ("10001", "fb@example.org",
                                                                "Fb User")
    with pytest.raises(OAuthError) as wrong_uid:
        await fake.client.check_facebook_token("10002", token)
    assert wrong_uid.value.error == "uid_mismatch"
    with pytest.raises(OAuthError) as bad_token:
        await fake.client.check_facebook_token("10001", "bogus")
    assert (bad_token.value.status, bad_token.value.error) == (400, "OAuthException")
    assert "Invalid OAuth access token" in str(bad_token.value)


async def test_429_with_retry_after_is_retried(serve: Any, http: httpx.AsyncClient) -> None:
    fake = await serve("spotify")
    add_user(fake.app, subject="1", email="a@example.org", name="A")
    code = await authorize(fake, http)
    fail_next(fake.app, 429, retry_after="0")
    tokens = await fake.client.exchange_code(code, REDIRECT)
    assert tokens.access_token
    assert fake.app[PROVIDER].calls.count("/token") == 2


async def test_persistent_5xx_gives_up_after_two_retries(serve: Any) -> None:
    fake = await serve("google")
    token = add_user(fake.app, subject="1", email="a@example.org", name="A")
    fail_next(fake.app, 503, retry_after="0", times=3)
    with pytest.raises(OAuthError) as info:
        await fake.client.fetch_identity(token)
    assert info.value.status == 503
    assert fake.app[PROVIDER].calls.count("/userinfo") == 3


async def test_network_error_has_status_zero(http: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = provider_config(f"http://127.0.0.1:{port}", "spotify")
    with pytest.raises(OAuthError) as info:
        await OAuthClient(config, http).exchange_code("code", REDIRECT)
    assert info.value.status == 0
