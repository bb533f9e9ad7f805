"""Spot On's account endpoints over HTTP, in its documented shapes."""

from __future__ import annotations

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.reset_mail import reset_mails, reset_token

REGISTER = {"name": "Ada", "surname": "Lovelace", "username": "ada", "email": "ada@example.com",
            "password": STRONG_PASSWORD, "labels": "rock,jazz"}


async def register(client, **overrides):
    resp = await client.post("/api/register", json={**REGISTER, **overrides})
    return resp, await resp.json()


async def test_register_returns_documented_fields(client):
    resp, body = await register(client)
    assert resp.status == 201
    assert body["message"] == "Registration successful"
    assert body["username"] == "ada" and body["email"] == "ada@example.com"
    assert body["name"] == "Ada" and body["surname"] == "Lovelace" and body["labels"] == "rock,jazz"
    assert isinstance(body["user_id"], int)


async def test_register_refuses_taken_username_and_email(client):
    await register(client)
    resp, body = await register(client, email="other@example.com")
    assert resp.status == 409 and body == {"error": "Username already exists"}
    resp, body = await register(client, username="other")
    assert resp.status == 409 and body == {"error": "Email already registered"}


async def test_register_refuses_weak_password_and_changes_nothing(client):
    resp, body = await register(client, password="short")
    assert resp.status == 400
    assert "Password must" in body["error"]
    assert await ctx_of(client).store.users.by_username("ada") is None


async def test_register_refuses_malformed_json(client):
    resp = await client.post("/api/register", data=b"{not json",
                             headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert "error" in await resp.json()


async def test_login_sets_cookie_and_get_user_reads_it(client):
    await register(client)
    resp = await client.post("/api/login", json={"username": "ada", "password": STRONG_PASSWORD})
    body = await resp.json()
    assert resp.status == 200 and body["message"] == "Login successful"
    assert body["email"] == "ada@example.com"
    assert "chorus_session" in resp.cookies
    assert "httponly" in resp.headers["Set-Cookie"].lower()
    resp = await client.get("/api/get_user")
    body = await resp.json()
    assert resp.status == 200 and body["message"] == "User details retrieved"
    assert body["username"] == "ada"


async def test_login_by_email_works(client):
    await register(client)
    resp = await client.post("/api/login",
                             json={"username": "ADA@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 200


async def test_login_failures_do_not_tell_which_part_was_wrong(client):
    await register(client)
    wrong = await client.post("/api/login", json={"username": "ada", "password": "Nope-nope1!"})
    unknown = await client.post("/api/login",
                                json={"username": "nobody", "password": STRONG_PASSWORD})
    assert wrong.status == unknown.status == 401
    assert await wrong.json() == await unknown.json() == {"error": "Invalid username or password"}


async def test_get_user_without_session(client):
    resp = await client.get("/api/get_user")
    assert resp.status == 401
    assert await resp.json() == {"error": "User not authenticated"}


async def test_logout_revokes_the_session(client):
    await register(client)
    await client.post("/api/login", json={"username": "ada", "password": STRONG_PASSWORD})
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["chorus_session"].value
    resp = await client.post("/api/logout")
    assert await resp.json() == {"message": "Logout successful"}
    # even if the client kept the cookie, the session is gone server-side
    resp = await client.get("/api/get_user", cookies={"chorus_session": cookie})
    assert resp.status == 401


async def test_forget_and_reset_password_flow(client):
    await register(client)
    resp = await client.post("/api/forget-password", json={"email": "ada@example.com"})
    assert await resp.json() == {"success": "We have sent you a link to reset your password"}
    token = await reset_token(client, "ada@example.com")
    resp = await client.post("/api/reset-password", json={
        "token": token, "new_password": "N3w-password!", "confirm_password": "different"})
    assert resp.status == 400 and await resp.json() == {"error": "Passwords do not match"}
    resp = await client.post("/api/reset-password", json={
        "token": token, "new_password": "N3w-password!", "confirm_password": "N3w-password!"})
    assert await resp.json() == {"success": "Password updated"}
    resp = await client.post("/api/login", json={"username": "ada", "password": "N3w-password!"})
    assert resp.status == 200
    resp = await client.post("/api/reset-password", json={
        "token": "bogus", "new_password": "N3w-password!", "confirm_password": "N3w-password!"})
    assert await resp.json() == {"error": "No user found"}


async def test_forget_password_does_not_enumerate(client):
    resp = await client.post("/api/forget-password", json={"email": "ghost@example.com"})
    assert resp.status == 200
    assert await resp.json() == {"success": "We have sent you a link to reset your password"}
    assert await reset_mails(client) == []


async def test_forget_password_legacy_errors(make_client):
    client = await make_client(legacy_account_errors=True)
    resp = await client.post("/api/forget-password", json={"email": "ghost@example.com"})
    assert resp.status == 404
    assert await resp.json() == {"error": "User with credentials not found"}
