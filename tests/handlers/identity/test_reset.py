"""Password reset over HTTP in every dialect that offers it: a reset or any password change
ends every outstanding reset token of the user; forgot-password answers before it looks the
account up, the same for every email, and the mail follows."""

from __future__ import annotations

import msgspec

from handlers.identity.reset import RESET_MAIL_KIND
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.reset_mail import reset_mails, reset_token

NEW_PASSWORD = "N3w-password!"
NEWER_PASSWORD = "N3wer-password!"
SPOTON_FORGOT = {"success": "We have sent you a link to reset your password"}
SONO_USERS = "/api/v1/users"
SONO_FORGOT = {"message": "If an account with that email exists, we've sent password reset "
                          "instructions.", "success": True}
SONO_INVALID = {"detail": "Invalid or expired reset token"}
OPENWHYD_FORGOT = {"ok": "We just sent you an email to reset your password, wait for it!"}


async def _register(client, username: str = "ada") -> None:
    resp = await client.post("/api/register", json={
        "username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 201


async def _spoton_forgot(client, email: str = "ada@example.com"):
    resp = await client.post("/api/forget-password", json={"email": email})
    return resp.status, await resp.read()


async def _spoton_reset(client, token: str, password: str):
    resp = await client.post("/api/reset-password", json={
        "token": token, "new_password": password, "confirm_password": password})
    return resp.status, await resp.json()


async def _sono_forgot(client, email: str = "ada@example.com"):
    resp = await client.post(f"{SONO_USERS}/forgot-password", json={"email": email})
    return resp.status, await resp.read()


async def _sono_reset(client, token: str, password: str):
    resp = await client.post(f"{SONO_USERS}/reset-password",
                             json={"token": token, "new_password": password})
    return resp.status, await resp.json()


async def _openwhyd_forgot(client, email: str = "ada@example.com"):
    resp = await client.post("/login", data={"action": "forgot", "ajax": "1", "email": email})
    return resp.status, await resp.read()


async def _signs_in(client, password: str) -> bool:
    resp = await client.post("/api/login", json={"username": "ada", "password": password})
    return resp.status == 200


# -- an older token ends with the newer one's reset ------------------------------------------


async def test_spoton_reset_with_the_newer_token_ends_the_older_one(client):
    await _register(client)
    await _spoton_forgot(client)
    older = await reset_token(client, "ada@example.com")
    await _spoton_forgot(client)
    newer = await reset_token(client, "ada@example.com", count=2)
    assert await _spoton_reset(client, newer, NEW_PASSWORD) == (200, {"success": "Password updated"})
    assert await _spoton_reset(client, older, NEWER_PASSWORD) == (400, {"error": "No user found"})
    assert await _signs_in(client, NEW_PASSWORD)
    assert not await _signs_in(client, NEWER_PASSWORD)


async def test_sono_reset_with_the_newer_token_ends_the_older_one(client):
    await _register(client)
    await _sono_forgot(client)
    older = await reset_token(client, "ada@example.com")
    await _sono_forgot(client)
    newer = await reset_token(client, "ada@example.com", count=2)
    status, _ = await _sono_reset(client, newer, NEW_PASSWORD)
    assert status == 200
    assert await _sono_reset(client, older, NEWER_PASSWORD) == (400, SONO_INVALID)
    resp = await client.post(f"{SONO_USERS}/verify-reset-token", json={"token": older})
    assert resp.status == 400 and await resp.json() == SONO_INVALID
    assert await _signs_in(client, NEW_PASSWORD)


async def test_openwhyd_requested_tokens_end_with_the_reset_of_the_newest(client):
    await _register(client)
    await _openwhyd_forgot(client)
    older = await reset_token(client, "ada@example.com")
    await _openwhyd_forgot(client)
    newer = await reset_token(client, "ada@example.com", count=2)
    # Openwhyd's mail links to the reset page; the reset itself is Spot On's or Sono's route
    assert (await _sono_reset(client, newer, NEW_PASSWORD))[0] == 200
    assert await _sono_reset(client, older, NEWER_PASSWORD) == (400, SONO_INVALID)
    assert await _signs_in(client, NEW_PASSWORD)


# -- a password change ends outstanding tokens ------------------------------------------------


async def test_openwhyd_password_change_ends_an_outstanding_reset_token(client):
    await _register(client)
    await _openwhyd_forgot(client)
    token = await reset_token(client, "ada@example.com")
    resp = await client.post("/login", data={"action": "login", "ajax": "1",
                                             "email": "ada", "password": STRONG_PASSWORD})
    assert resp.status == 200
    resp = await client.post("/api/user", data={"pwd": NEW_PASSWORD, "oldPwd": STRONG_PASSWORD})
    assert resp.status == 200 and "error" not in await resp.json()
    assert await _spoton_reset(client, token, NEWER_PASSWORD) == (400, {"error": "No user found"})
    assert await _signs_in(client, NEW_PASSWORD)


async def test_spotizerr_password_change_ends_an_outstanding_reset_token(client):
    await _register(client)
    await _spoton_forgot(client)
    token = await reset_token(client, "ada@example.com")
    resp = await client.post("/api/auth/login", json={"username": "ada",
                                                      "password": STRONG_PASSWORD})
    access = (await resp.json())["access_token"]
    resp = await client.put("/api/auth/profile/password",
                            headers={"Authorization": f"Bearer {access}"},
                            json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD})
    assert resp.status == 200
    assert await _sono_reset(client, token, NEWER_PASSWORD) == (400, SONO_INVALID)
    assert await _signs_in(client, NEW_PASSWORD)


async def test_an_admin_setting_the_password_ends_an_outstanding_reset_token(make_client):
    client = await make_client(admin_username="root", admin_password=STRONG_PASSWORD)
    await _register(client)
    await _sono_forgot(client)
    token = await reset_token(client, "ada@example.com")
    resp = await client.post("/api/auth/login", json={"username": "root",
                                                      "password": STRONG_PASSWORD})
    access = (await resp.json())["access_token"]
    resp = await client.put("/api/auth/users/ada/password",
                            headers={"Authorization": f"Bearer {access}"},
                            json={"new_password": NEW_PASSWORD})
    assert resp.status == 200
    assert await _sono_reset(client, token, NEWER_PASSWORD) == (400, SONO_INVALID)
    assert await _signs_in(client, NEW_PASSWORD)


# -- forgot-password answers before the lookup ------------------------------------------------


async def test_spoton_forgot_answers_alike_for_known_and_unknown_and_mails_afterwards(client):
    await _register(client)
    known = await _spoton_forgot(client, "ada@example.com")
    unknown = await _spoton_forgot(client, "ghost@example.com")
    assert known == unknown == (200, _json(SPOTON_FORGOT))
    assert await _reset_jobs_queued(client) == 2  # the lookup happens after the answer
    assert await reset_token(client, "ada@example.com")
    assert await reset_mails(client, "ghost@example.com") == []


async def test_sono_forgot_answers_alike_for_known_and_unknown_and_mails_afterwards(make_client):
    for legacy in (False, True):  # Sono never names unknown accounts, legacy mode or not
        client = await make_client(legacy_account_errors=legacy)
        await _register(client)
        known = await _sono_forgot(client, "ada@example.com")
        unknown = await _sono_forgot(client, "ghost@example.com")
        assert known == unknown == (200, _json(SONO_FORGOT))
        assert await _reset_jobs_queued(client) == 2  # the lookup happens after the answer
        assert await reset_token(client, "ada@example.com")
        assert await reset_mails(client, "ghost@example.com") == []


async def test_openwhyd_forgot_answers_alike_for_known_and_unknown_and_mails_afterwards(client):
    await _register(client)
    known = await _openwhyd_forgot(client, "ada@example.com")
    unknown = await _openwhyd_forgot(client, "ghost@example.com")
    assert known == unknown == (200, _json(OPENWHYD_FORGOT))
    assert await _reset_jobs_queued(client) == 2  # the lookup happens after the answer
    assert await reset_token(client, "ada@example.com")
    assert await reset_mails(client, "ghost@example.com") == []


def _json(value: object) -> bytes:
    return msgspec.json.encode(value)


async def _reset_jobs_queued(client) -> int:
    """Reset-mail jobs queued so far: one per request, whether or not the account exists."""
    return (await ctx_of(client).jobs.list(kinds=[RESET_MAIL_KIND])).total
