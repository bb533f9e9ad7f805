"""Sono's sign-up, sign-in, tokens and password reset over HTTP, in its documented shapes."""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives import serialization

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.handlers.api.sono.helpers import (
    ENCRYPTED,
    USERS,
    bearer,
    encrypt,
    login,
    signed_in,
    signup,
)
from tests.reset_mail import reset_mails, reset_token

RESET_MESSAGE = ("Password has been reset successfully. You can now log in with your new "
                 "password.")
FORGOT_MESSAGE = "If an account with that email exists, we've sent password reset instructions."


async def test_public_key_is_a_pem_clients_encrypt_with(client):
    resp = await client.get(f"{USERS}/public-key")
    body = await resp.json()
    assert resp.status == 200
    assert body["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert body["algorithm"] == "RSA-OAEP" and body["hash"] == "SHA-256"
    assert serialization.load_pem_public_key(body["public_key"].encode()).key_size == \
        body["key_size"]


async def test_register_and_login_with_encrypted_passwords_end_to_end(client):
    resp = await client.post(f"{USERS}/", headers=ENCRYPTED, json={
        "username": "newuser", "email": "user@example.com",
        "password": await encrypt(client, STRONG_PASSWORD), "display_name": "Display Name"})
    user = await resp.json()
    assert resp.status == 201
    assert user["username"] == "newuser" and user["email"] == "user@example.com"
    assert user["display_name"] == "Display Name" and user["bio"] == ""
    assert user["is_active"] is True and user["is_admin"] is False
    assert user["profile_picture_url"] is None and isinstance(user["id"], int)
    assert user["created_at"].startswith(time.strftime("%Y"))
    resp = await client.post(f"{USERS}/token", headers=ENCRYPTED, data={
        "username": "user@example.com", "password": await encrypt(client, STRONG_PASSWORD)})
    tokens = await resp.json()
    assert resp.status == 200
    assert tokens["token_type"] == "bearer" and tokens["access_token"] and tokens["refresh_token"]
    me = await client.get(f"{USERS}/me", headers=bearer(tokens))
    assert (await me.json())["id"] == user["id"]
    # what was stored is the password itself, not the ciphertext: plain logins work too
    assert (await login(client, "newuser"))["access_token"]


async def test_unreadable_ciphertext_is_a_400_and_creates_nobody(client):
    resp = await client.post(f"{USERS}/", headers=ENCRYPTED, json={
        "username": "ada", "email": "ada@example.com", "password": STRONG_PASSWORD})
    body = await resp.json()
    assert resp.status == 400 and isinstance(body["detail"], str)
    assert await ctx_of(client).store.users.by_username("ada") is None
    await signup(client)
    resp = await client.post(f"{USERS}/token", headers=ENCRYPTED,
                             data={"username": "ada", "password": base64.b64encode(b"x").decode()})
    assert resp.status == 400 and "decrypt" in (await resp.json())["detail"]


async def test_register_lists_every_broken_password_rule_as_a_422(client):
    resp = await client.post(f"{USERS}/", json={
        "username": "ada", "email": "ada@example.com", "password": "short"})
    body = await resp.json()
    assert resp.status == 422
    assert {"loc": ["body", "password"], "msg": "Password must contain at least one uppercase "
            "letter", "type": "value_error"} in body["detail"]
    assert len(body["detail"]) == 4  # length, uppercase, number, special character
    assert await ctx_of(client).store.users.by_username("ada") is None


async def test_register_missing_field_and_bad_email_are_422(client):
    resp = await client.post(f"{USERS}/", json={"username": "ada", "password": STRONG_PASSWORD})
    assert resp.status == 422
    assert (await resp.json())["detail"] == [
        {"loc": ["body", "email"], "msg": "Field required", "type": "missing"}]
    resp = await client.post(f"{USERS}/", json={
        "username": "ada", "email": "not-an-email", "password": STRONG_PASSWORD})
    assert resp.status == 422
    assert (await resp.json())["detail"][0]["loc"] == ["body", "email"]


async def test_register_refuses_taken_username_and_email(client):
    await signup(client)
    resp = await client.post(f"{USERS}/", json={
        "username": "ada", "email": "other@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 409 and await resp.json() == {"detail": "Username already exists"}
    resp = await client.post(f"{USERS}/", json={
        "username": "other", "email": "ada@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 409 and await resp.json() == {"detail": "Email already exists"}


async def test_token_failures_are_one_401_with_www_authenticate(client):
    await signup(client)
    wrong = await client.post(f"{USERS}/token", data={"username": "ada", "password": "Nope-nope1!"})
    unknown = await client.post(f"{USERS}/token",
                                data={"username": "ghost", "password": STRONG_PASSWORD})
    for resp in (wrong, unknown):
        assert resp.status == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
        assert await resp.json() == {"detail": "Incorrect username or password"}


async def test_token_wants_username_and_password_form_fields(client):
    resp = await client.post(f"{USERS}/token", data={"grant_type": "password"})
    assert resp.status == 422
    assert [e["loc"] for e in (await resp.json())["detail"]] == [
        ["body", "username"], ["body", "password"]]
    await signup(client)
    resp = await client.post(f"{USERS}/token", data={
        "username": "ada", "password": STRONG_PASSWORD, "grant_type": "client_credentials"})
    assert resp.status == 422


async def test_me_without_or_with_a_bad_token_is_401(client):
    resp = await client.get(f"{USERS}/me")
    assert resp.status == 401 and await resp.json() == {"detail": "Not authenticated"}
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    resp = await client.get(f"{USERS}/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert resp.status == 401 and await resp.json() == {"detail": "Could not validate credentials"}


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(client):
    _, first = await signed_in(client)
    resp = await client.post(f"{USERS}/token/refresh", json={"refresh_token": first["refresh_token"]})
    second = await resp.json()
    assert resp.status == 200 and second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get(f"{USERS}/me", headers=bearer(second))).status == 200
    # the rotated token is presented again: theft signal, the family is revoked
    resp = await client.post(f"{USERS}/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert resp.status == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
    assert isinstance((await resp.json())["detail"], str)
    assert (await client.get(f"{USERS}/me", headers=bearer(second))).status == 401
    resp = await client.post(f"{USERS}/token/refresh",
                             json={"refresh_token": second["refresh_token"]})
    assert resp.status == 401
    # another login of the same user is another family and still works
    assert (await client.get(f"{USERS}/me", headers=bearer(await login(client)))).status == 200


async def test_refresh_refuses_unknown_and_missing_tokens(client):
    resp = await client.post(f"{USERS}/token/refresh", json={"refresh_token": "bogus"})
    assert resp.status == 401 and await resp.json() == {"detail": "Invalid or expired refresh token"}
    resp = await client.post(f"{USERS}/token/refresh", json={})
    assert resp.status == 422


async def test_logout_revokes_access_and_refresh_tokens(client):
    _, tokens = await signed_in(client)
    resp = await client.post(f"{USERS}/logout", headers=bearer(tokens),
                             json={"refresh_token": tokens["refresh_token"]})
    assert resp.status == 200 and await resp.json() == {"message": "Successfully logged out"}
    assert (await client.get(f"{USERS}/me", headers=bearer(tokens))).status == 401
    resp = await client.post(f"{USERS}/token/refresh",
                             json={"refresh_token": tokens["refresh_token"]})
    assert resp.status == 401
    assert (await client.post(f"{USERS}/logout", json={})).status == 401


async def test_logout_ends_the_session_of_the_refresh_token_sent_but_never_another_users(client):
    _, phone = await signed_in(client, "ada")
    laptop = await login(client, "ada")
    _, bob = await signed_in(client, "bob")
    await client.post(f"{USERS}/logout", headers=bearer(laptop),
                      json={"refresh_token": phone["refresh_token"]})
    assert (await client.get(f"{USERS}/me", headers=bearer(phone))).status == 401
    await client.post(f"{USERS}/logout", headers=bearer(await login(client, "ada")),
                      json={"refresh_token": bob["refresh_token"]})
    assert (await client.get(f"{USERS}/me", headers=bearer(bob))).status == 200
    resp = await client.post(f"{USERS}/token/refresh", json={"refresh_token": bob["refresh_token"]})
    assert resp.status == 200


async def _forgot(client, email: str = "ada@example.com"):
    resp = await client.post(f"{USERS}/forgot-password", json={"email": email})
    assert resp.status == 200
    assert await resp.json() == {"message": FORGOT_MESSAGE, "success": True}


async def test_forgot_password_does_not_tell_whether_the_account_exists(make_client):
    for legacy in (False, True):
        client = await make_client(legacy_account_errors=legacy)
        await _forgot(client, "ghost@example.com")
        assert await reset_mails(client) == []
        resp = await client.post(f"{USERS}/forgot-password", json={"email": "nope"})
        assert resp.status == 422


async def test_reset_password_flow_with_an_encrypted_password(client):
    await signup(client)
    await _forgot(client)
    token = await reset_token(client, "ada@example.com")
    resp = await client.post(f"{USERS}/verify-reset-token", json={"token": token})
    assert await resp.json() == {"message": "Reset token is valid", "success": True}
    resp = await client.post(f"{USERS}/reset-password", headers=ENCRYPTED, json={
        "token": token, "new_password": await encrypt(client, "NewSecureP@ssw0rd!")})
    assert resp.status == 200
    assert await resp.json() == {"message": RESET_MESSAGE, "success": True}
    await login(client, "ada@example.com", "NewSecureP@ssw0rd!")
    resp = await client.post(f"{USERS}/token", data={"username": "ada", "password": STRONG_PASSWORD})
    assert resp.status == 401


async def test_used_expired_and_invalid_reset_tokens_are_told_apart(client):
    await signup(client)
    await _forgot(client)
    used = await reset_token(client, "ada@example.com")
    await client.post(f"{USERS}/reset-password", json={"token": used, "new_password": "N3w-pass!!"})
    await _forgot(client)
    expired = await reset_token(client, "ada@example.com", count=2)
    ctx_of(client).clock = lambda: time.time() + 3601
    expected = {
        used: "This reset link has already been used",
        expired: "This reset link has expired. Please request a new one.",
        "bogus": "Invalid or expired reset token",
    }
    for token, detail in expected.items():
        for path in ("verify-reset-token", "reset-password"):
            resp = await client.post(f"{USERS}/{path}",
                                     json={"token": token, "new_password": "An0ther-pass!"})
            assert resp.status == 400 and await resp.json() == {"detail": detail}
    await login(client, "ada", "N3w-pass!!")


async def test_reset_password_reports_the_rules_and_keeps_the_token(client):
    await signup(client)
    await _forgot(client)
    token = await reset_token(client, "ada@example.com")
    resp = await client.post(f"{USERS}/reset-password",
                             json={"token": token, "new_password": "newsecurep@ssw0rd!"})
    assert resp.status == 422
    assert await resp.json() == {"detail": [{
        "loc": ["body", "new_password"],
        "msg": "Password must contain at least one uppercase letter", "type": "value_error"}]}
    resp = await client.post(f"{USERS}/verify-reset-token", json={"token": token})
    assert resp.status == 200


async def test_documented_rate_limit_answers_429_in_sonos_shape(make_client):
    client = await make_client(endpoint_rate_limits=True)
    for _ in range(5):
        assert (await client.post(f"{USERS}/", json={})).status == 422
    resp = await client.post(f"{USERS}/", json={})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    assert isinstance((await resp.json())["detail"], str)


async def test_unknown_user_routes_answer_in_sonos_shape(client):
    resp = await client.get(f"{USERS}/nothing-here")
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}


async def test_a_blank_display_name_falls_back_to_the_username(client):
    user = await signup(client, "ada", display_name="")
    assert user["display_name"] == "ada"
    resp = await client.post(f"{USERS}/", json={"username": "bob", "email": "bob@example.com",
                                                "password": STRONG_PASSWORD, "display_name": "x" * 101})
    assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == ["body", "display_name"]
