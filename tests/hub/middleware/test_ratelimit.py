"""Overall budgets per signed-in user or per anonymous address; strict per-endpoint budgets on
every dialect's sign-in, registration and password reset."""

from __future__ import annotations

import pytest

from hub.config import Config
from tests.conftest import STRONG_PASSWORD


async def _token(client, username: str) -> dict[str, str]:
    """Register and sign in through Spotizerr: two anonymous requests."""
    await client.post("/api/auth/register", json={
        "username": username, "password": STRONG_PASSWORD, "email": f"{username}@example.com"})
    resp = await client.post("/api/auth/login",
                             json={"username": username, "password": STRONG_PASSWORD})
    return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


async def test_signed_in_users_behind_one_address_each_have_their_own_budget(make_client):
    client = await make_client(rate_limit=6, rate_limit_user=4)
    ada, bob = await _token(client, "ada"), await _token(client, "bob")  # 4 of the address's 6
    statuses = [(await client.get("/api/auth/profile", headers=ada)).status for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert (await client.get("/api/auth/profile", headers=bob)).status == 200
    # anonymous requests from the same address draw from what is left of the address's budget
    anon = [(await client.get("/api/auth/profile")).status for _ in range(3)]
    assert anon == [401, 401, 429]
    # a forged bearer token counts as none: it buys no budget of its own
    forged = {"Authorization": "Bearer not-a-token"}
    assert (await client.get("/api/auth/profile", headers=forged)).status == 429


@pytest.mark.parametrize(("path", "body", "allowed"), [
    ("/api/login", {"username": "x", "password": "wrong-password"}, 10),  # Spot On
    ("/api/auth/login", {"username": "x", "password": "wrong-password"}, 10),  # Spotizerr
    ("/login", {"email": "x@example.com", "password": "wrong-password", "ajax": "1"}, 10),
    ("/api/forget-password", {"email": "x@example.com"}, 3),  # Spot On
])
async def test_sign_in_and_reset_keep_strict_limits_in_every_dialect(make_client, path, body,
                                                                    allowed):
    client = await make_client(endpoint_rate_limits=True, signin_backoff_after=0)
    statuses = [(await client.post(path, json=body)).status for _ in range(allowed)]
    assert 429 not in statuses
    resp = await client.post(path, json=body)
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1


def test_the_default_budgets_fit_a_ui_that_polls():
    config = Config()
    # one tab polling every 2 s plus a page load of 40 requests a minute, in three tabs
    polling_user = 3 * (30 + 40)
    assert config.rate_limit_user >= polling_user > 100  # 100: the old shared budget
    assert config.rate_limit >= 100 and config.rate_limit_window == 60.0
