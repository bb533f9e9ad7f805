"""`/api/v1/users/me/listen-token`: shown (made on first read), rotated, stored hashed and
encrypted, never another user's."""

from __future__ import annotations

from handlers.crypto import hash_token
from tests.conftest import ctx_of
from tests.handlers.api.listenbrainz.helpers import LISTEN_TOKEN_PATH, scrobbler
from tests.handlers.api.social_helpers import insert_member


async def test_the_token_needs_a_signed_in_user(client):
    for method in ("GET", "POST"):
        resp = await client.request(method, LISTEN_TOKEN_PATH)
        assert resp.status == 401 and await resp.json() == {"detail": "Not authenticated"}
    assert await ctx_of(client).store.listen_tokens.by_hash(hash_token("")) is None


async def test_first_read_makes_it_and_later_reads_show_the_same(client):
    ada = await scrobbler(client, "ada")
    again = await client.get(LISTEN_TOKEN_PATH, headers=ada.member.auth)
    assert (await again.json()) == {"token": ada.token}
    assert again.headers["Cache-Control"] == "no-store"
    stored = await ctx_of(client).store.listen_tokens.get(ada.member.id)
    assert stored.token_hash == hash_token(ada.token)
    assert ada.token not in stored.token_encrypted  # hashed and encrypted, never plain
    assert ctx_of(client).vault.decrypt(stored.token_encrypted) == ada.token


async def test_the_session_cookie_works_too(client):
    from tests.conftest import STRONG_PASSWORD

    await client.post("/api/register", json={"username": "cookie", "email": "c@example.com",
                                             "password": STRONG_PASSWORD})
    await client.post("/api/login", json={"username": "cookie", "password": STRONG_PASSWORD})
    resp = await client.get(LISTEN_TOKEN_PATH)
    assert resp.status == 200 and len((await resp.json())["token"]) >= 32


async def test_rotation_replaces_the_token_and_the_old_one_stops_working(client):
    ada = await scrobbler(client, "ada")
    resp = await client.post(LISTEN_TOKEN_PATH, headers=ada.member.auth)
    new = (await resp.json())["token"]
    assert resp.status == 200 and new != ada.token
    shown = await client.get(LISTEN_TOKEN_PATH, headers=ada.member.auth)
    assert (await shown.json())["token"] == new
    old = await client.get("/1/validate-token", headers={"Authorization": f"Token {ada.token}"})
    assert (await old.json())["valid"] is False
    fresh = await client.get("/1/validate-token", headers={"Authorization": f"Token {new}"})
    assert (await fresh.json())["user_name"] == "ada"


async def test_each_user_sees_only_their_own_token(client):
    ada = await scrobbler(client, "ada")
    bob = await insert_member(client, "bob")
    resp = await client.get(LISTEN_TOKEN_PATH, headers=bob.auth)
    bobs = (await resp.json())["token"]
    assert bobs != ada.token
    await client.post(LISTEN_TOKEN_PATH, headers=bob.auth)  # bob rotating leaves ada's alone
    check = await client.get("/1/validate-token", headers={"Authorization": f"Token {ada.token}"})
    assert (await check.json())["user_name"] == "ada"
