"""The password policy and CHORUS_LEGACY_PASSWORD_RULES over HTTP: by default every dialect
applies the one policy; with the variable, each dialect's documented rule (Openwhyd 4-32
characters, Spotizerr 6 or more, Spot On any), and a refusal names the rule that failed."""

from __future__ import annotations

import pytest

from tests.conftest import STRONG_PASSWORD, ctx_of

OPENWHYD_RULE = "Your password must be between 4 and 32 characters"
SPOTIZERR_RULE = "Password must be at least 6 characters"
POLICY_LENGTH = "Password must be at least 8 characters long"


async def openwhyd_signup(client, password: str, email: str = "ada@example.com"):
    resp = await client.post("/register", data={
        "name": "Ada", "email": email, "password": password, "ajax": "true"})
    assert resp.status == 200
    return await resp.json()


async def spotizerr_signup(client, password: str, username: str = "ada"):
    resp = await client.post("/api/auth/register", json={"username": username,
                                                         "password": password})
    return resp.status, await resp.json()


async def spoton_signup(client, password: str, username: str = "ada"):
    resp = await client.post("/api/register", json={
        "name": "Ada", "surname": "L", "username": username,
        "email": f"{username}@example.com", "password": password})
    return resp.status, await resp.json()


async def users(client) -> int:
    return len(await ctx_of(client).store.users.list(offset=0, limit=100))


async def test_the_policy_is_the_default_and_names_the_rule_that_failed(client):
    assert await openwhyd_signup(client, "abcdef") == {"error": POLICY_LENGTH}
    body = await openwhyd_signup(client, "abcdefgh")
    assert body == {"error": "Password must contain at least one uppercase letter"}
    status, body = await spotizerr_signup(client, "abcdef")
    assert status == 400 and body["error"] == POLICY_LENGTH
    status, body = await spoton_signup(client, "x")
    assert status == 400 and body["error"] == POLICY_LENGTH
    assert await users(client) == 0


@pytest.fixture
async def legacy(make_client):
    return await make_client(legacy_password_rules=True)


async def test_legacy_openwhyd_accepts_4_to_32_characters(legacy):
    assert await openwhyd_signup(legacy, "abc") == {"error": OPENWHYD_RULE}
    assert await openwhyd_signup(legacy, "a" * 33) == {"error": OPENWHYD_RULE}
    assert await users(legacy) == 0
    body = await openwhyd_signup(legacy, "abcd")
    assert "uId" in body
    resp = await legacy.get("/login", params={"action": "login", "ajax": "true",
                                              "email": "ada@example.com", "password": "abcd"})
    assert "redirect" in await resp.json()
    resp = await legacy.post("/api/user", json={"pwd": "xyz", "oldPwd": "abcd"})
    assert await resp.json() == {"error": OPENWHYD_RULE}
    resp = await legacy.post("/api/user", json={"pwd": "b" * 32, "oldPwd": "abcd"})
    assert "error" not in await resp.json()


async def test_legacy_spotizerr_accepts_6_characters_as_its_ui_does(legacy):
    status, body = await spotizerr_signup(legacy, "abcde")
    assert status == 400 and body["error"] == SPOTIZERR_RULE
    assert await users(legacy) == 0
    status, body = await spotizerr_signup(legacy, "abcdef")
    assert status in (200, 201), body
    resp = await legacy.post("/api/auth/login", json={"username": "ada", "password": "abcdef"})
    assert resp.status == 200


async def test_legacy_spot_on_accepts_any_password_but_an_empty_one(legacy):
    status, body = await spoton_signup(legacy, "")
    assert status == 400
    assert await users(legacy) == 0
    status, body = await spoton_signup(legacy, "x")
    assert status == 201, body


async def test_legacy_rules_stay_per_dialect(legacy):
    """Sono documents the policy itself: the variable changes nothing there."""
    resp = await legacy.post("/api/v1/users/", json={
        "username": "ada", "email": "ada@example.com", "password": "abcdef"})
    assert resp.status == 422
    assert await users(legacy) == 0
    assert await openwhyd_signup(legacy, STRONG_PASSWORD) != {"error": OPENWHYD_RULE}
