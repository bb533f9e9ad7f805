"""One user base: an account made through any dialect signs in through every other, and a
token from one dialect is accepted by all."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import STRONG_PASSWORD

MD5 = hashlib.md5(STRONG_PASSWORD.encode()).hexdigest()


async def register_via(client, dialect: str) -> None:
    if dialect == "spoton":
        resp = await client.post("/api/register", json={
            "username": "ada", "email": "ada@example.com", "password": STRONG_PASSWORD})
    elif dialect == "spotizerr":
        resp = await client.post("/api/auth/register", json={
            "username": "ada", "email": "ada@example.com", "password": STRONG_PASSWORD})
    elif dialect == "sono":
        resp = await client.post("/api/v1/users/", json={
            "username": "ada", "email": "ada@example.com", "password": STRONG_PASSWORD,
            "display_name": "Ada"})
    else:
        resp = await client.post("/register", data={
            "name": "Ada", "email": "ada@example.com", "password": STRONG_PASSWORD,
            "handle": "ada", "ajax": "true"})
    assert resp.status in (200, 201), await resp.text()
    client.session.cookie_jar.clear()  # Openwhyd signs in on register: start signed out


async def tokens_from_every_dialect(client) -> dict[str, str]:
    """Sign in through each dialect with the same credentials; the bearer tokens issued."""
    resp = await client.post("/api/login", json={"username": "ada@example.com",
                                                 "password": STRONG_PASSWORD})
    assert resp.status == 200
    resp = await client.get("/login", params={"action": "login", "ajax": "true",
                                              "email": "ada", "md5": MD5})
    assert "redirect" in await resp.json()
    resp = await client.post("/api/auth/login", json={"username": "ada",
                                                      "password": STRONG_PASSWORD})
    spotizerr = (await resp.json())["access_token"]
    resp = await client.post("/api/v1/users/token", data={"username": "ada@example.com",
                                                          "password": STRONG_PASSWORD})
    sono = (await resp.json())["access_token"]
    return {"spotizerr": spotizerr, "sono": sono}


@pytest.mark.parametrize("dialect", ["spoton", "spotizerr", "sono", "openwhyd"])
async def test_an_account_from_any_dialect_signs_in_everywhere(client, dialect):
    await register_via(client, dialect)
    tokens = await tokens_from_every_dialect(client)
    client.session.cookie_jar.clear()
    for token in tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        assert (await (await client.get("/api/get_user", headers=headers)).json())[
            "username"] == "ada"
        assert (await (await client.get("/api/auth/profile", headers=headers)).json())[
            "username"] == "ada"
        assert (await (await client.get("/api/v1/users/me", headers=headers)).json())[
            "username"] == "ada"
        body = await (await client.get("/api/v1/auth/status", headers=headers)).json()
        assert body["authenticated"] is True
        assert (await (await client.get("/api/user", headers=headers)).json())["email"] == \
            "ada@example.com"
