"""Sono's GDPR endpoints: deletion (requested, soft, hard, cancelled), export, consents."""

from __future__ import annotations

from urllib.parse import quote

from handlers.identity import privacy
from handlers.identity.auth import Principal
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.handlers.api.sono.helpers import (
    ENCRYPTED,
    USERS,
    bearer,
    encrypt,
    login,
    png_bytes,
    signed_in,
    upload,
)

CONSENT = {"consent_type": "privacy_policy", "consent_version": "2.0", "ip_address": "192.168.1.1"}


async def me(client, tokens):
    resp = await client.get(f"{USERS}/me", headers=bearer(tokens))
    assert resp.status == 200
    return await resp.json()


async def test_request_deletion_then_cancel(client):
    _, tokens = await signed_in(client)
    resp = await client.post(f"{USERS}/me/request-deletion", headers=bearer(tokens),
                             json={"deletion_type": "hard", "reason": "Optional reason"})
    body = await resp.json()
    assert resp.status == 200 and body["deletion_type"] == "hard"
    assert body["scheduled_deletion_at"] > body["deletion_requested_at"]
    status = await (await client.get(f"{USERS}/me/deletion-status", headers=bearer(tokens))).json()
    assert status["deletion_requested"] is True
    assert (await me(client, tokens))["scheduled_deletion_at"] == body["scheduled_deletion_at"]
    resp = await client.post(f"{USERS}/me/cancel-deletion", headers=bearer(tokens))
    assert resp.status == 200 and await resp.json() == {"message": "Account deletion cancelled",
                                                        "success": True}
    after = await me(client, tokens)
    assert after["deletion_type"] is None and after["scheduled_deletion_at"] is None
    resp = await client.post(f"{USERS}/me/cancel-deletion", headers=bearer(tokens))
    assert resp.status == 400 and await resp.json() == {"detail": "No deletion request is pending"}


async def test_request_deletion_refuses_an_unknown_type(client):
    _, tokens = await signed_in(client)
    resp = await client.post(f"{USERS}/me/request-deletion", headers=bearer(tokens),
                             json={"deletion_type": "sometime"})
    assert resp.status == 422
    assert (await resp.json())["detail"][0]["loc"] == ["body", "deletion_type"]
    assert (await me(client, tokens))["deletion_type"] is None
    resp = await client.post(f"{USERS}/me/request-deletion", json={"deletion_type": "soft"})
    assert resp.status == 401


async def test_soft_delete_with_an_encrypted_password_then_log_in_and_cancel(client):
    _, tokens = await signed_in(client)
    password = quote(await encrypt(client, STRONG_PASSWORD), safe="")
    resp = await client.delete(f"{USERS}/me?password={password}&deletion_type=soft",
                               headers={**bearer(tokens), **ENCRYPTED})
    body = await resp.json()
    assert resp.status == 200 and body["deletion_type"] == "soft"
    assert body["scheduled_deletion_at"]
    # every session ended; the account is kept through the grace period
    assert (await client.get(f"{USERS}/me", headers=bearer(tokens))).status == 401
    tokens = await login(client)
    assert (await me(client, tokens))["deletion_type"] == "soft"
    resp = await client.post(f"{USERS}/me/cancel-deletion", headers=bearer(tokens))
    assert resp.status == 200
    assert (await me(client, tokens))["is_active"] is True


async def test_delete_me_with_a_wrong_or_missing_password_changes_nothing(client):
    _, tokens = await signed_in(client)
    resp = await client.delete(f"{USERS}/me?password=Wrong-pass1!&deletion_type=hard",
                               headers=bearer(tokens))
    assert resp.status == 400 and await resp.json() == {"detail": "Incorrect password"}
    resp = await client.delete(f"{USERS}/me?deletion_type=hard", headers=bearer(tokens))
    assert resp.status == 422
    assert (await resp.json())["detail"][0]["loc"] == ["query", "password"]
    resp = await client.delete(f"{USERS}/me?password=x&deletion_type=later", headers=bearer(tokens))
    assert resp.status == 422
    assert (await me(client, tokens))["username"] == "ada"


async def test_hard_delete_erases_personal_data_and_login_fails(client):
    user, tokens = await signed_in(client)
    await client.post(f"{USERS}/me/consent", headers=bearer(tokens), json=CONSENT)
    picture = (await (await upload(client, tokens, png_bytes())).json())["profile_picture_url"]
    resp = await client.delete(f"{USERS}/me?password={quote(STRONG_PASSWORD)}&deletion_type=hard",
                               headers=bearer(tokens))
    assert resp.status == 200 and (await resp.json())["deletion_type"] == "hard"
    resp = await client.post(f"{USERS}/token", data={"username": "ada", "password": STRONG_PASSWORD})
    assert resp.status == 401
    assert (await client.get(f"{USERS}/me/export-data", headers=bearer(tokens))).status == 401
    assert (await client.get(picture)).status == 404
    ctx = ctx_of(client)
    erased = await ctx.store.users.get(user["id"])
    export = await privacy.export_data(ctx, Principal(user=erased, session_id="-"))
    assert export["user"]["username"] is None and export["user"]["email"] is None
    assert export["user"]["name"] == "Deleted user" and export["user"]["avatar_url"] == ""
    assert export["consents"] == [] and export["linked_accounts"] == []
    assert "ada" not in str(export).lower()
    # the name is free again
    resp = await client.post(f"{USERS}/", json={
        "username": "ada", "email": "ada@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 201


async def test_export_holds_the_users_data_and_no_secret(client):
    _, tokens = await signed_in(client)
    await client.put(f"{USERS}/me", headers=bearer(tokens), json={"bio": "Plays the cello"})
    await client.post(f"{USERS}/me/consent", headers=bearer(tokens), json=CONSENT)
    resp = await client.get(f"{USERS}/me/export-data", headers=bearer(tokens))
    body = await resp.json()
    text = await resp.text()
    assert resp.status == 200 and body["export_date"]
    assert body["user"]["email"] == "ada@example.com" and body["user"]["bio"] == "Plays the cello"
    assert body["user"]["display_name"] == "Ada"
    assert [c["consent_type"] for c in body["consents"]] == ["privacy_policy"]
    assert "password" not in text and "$argon2" not in text
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text


async def test_consents_are_recorded_and_listed_per_user(client):
    _, ada = await signed_in(client, "ada")
    _, bob = await signed_in(client, "bob")
    resp = await client.post(f"{USERS}/me/consent", headers=bearer(ada), json=CONSENT)
    consent = await resp.json()
    assert resp.status == 200
    assert {k: consent[k] for k in CONSENT} == CONSENT and consent["created_at"]
    resp = await client.post(f"{USERS}/me/consent", headers=bearer(ada),
                             json={"consent_type": "terms", "consent_version": "1.1"})
    assert (await resp.json())["ip_address"] == "127.0.0.1"
    listed = await (await client.get(f"{USERS}/me/consents", headers=bearer(ada))).json()
    assert [c["consent_type"] for c in listed] == ["privacy_policy", "terms"]
    assert await (await client.get(f"{USERS}/me/consents", headers=bearer(bob))).json() == []
    bob_export = await (await client.get(f"{USERS}/me/export-data", headers=bearer(bob))).json()
    assert bob_export["consents"] == [] and bob_export["user"]["username"] == "bob"


async def test_consent_needs_a_type_and_a_version(client):
    _, tokens = await signed_in(client)
    resp = await client.post(f"{USERS}/me/consent", headers=bearer(tokens),
                             json={"consent_type": "", "consent_version": "2.0"})
    assert resp.status == 422
    assert (await resp.json())["detail"][0]["loc"] == ["body", "consent_type"]
    resp = await client.post(f"{USERS}/me/consent", headers=bearer(tokens),
                             json={"consent_type": "terms"})
    assert resp.status == 422
    assert await (await client.get(f"{USERS}/me/consents", headers=bearer(tokens))).json() == []
