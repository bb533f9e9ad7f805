"""GDPR: account deletion (soft with a grace period, or hard), data export, consents."""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.crypto import md5_hex
from handlers.errors import Invalid, Unauthorized
from handlers.identity.auth import Principal, end_all_sessions
from handlers.media.audio import delete_owned_audio
from handlers.media.images import delete_media
from store.records import Consent, User, UserPatch

__all__ = ["DELETION_TYPES", "request_deletion", "cancel_deletion", "delete_account",
           "erase_user", "erase_due_accounts", "export_data", "add_consent", "list_consents",
           "public_user"]

DELETION_TYPES = ("soft", "hard")
# What an account keeps once erased: no personal data, only the id that old rows point at.
ERASED: dict[str, Any] = {"username": None, "email": None, "password_hash": None, "name": "Deleted user",
          "surname": "", "bio": "", "location": "", "labels": "", "avatar_url": "",
          "cover_url": "", "links": {}, "extra": {}, "state": "deleted", "deletion_reason": None}


def _check_type(deletion_type: str) -> str:
    if deletion_type not in DELETION_TYPES:
        raise Invalid("deletion_type must be 'soft' or 'hard'", code="invalid_deletion_type")
    return deletion_type


async def request_deletion(ctx: Context, principal: Principal, deletion_type: str,
                           reason: str | None) -> User:
    """Schedule deletion after the grace period; the user may cancel until then."""
    updated = await ctx.store.users.update(principal.user.id, UserPatch(
        state="pending_deletion", deletion_type=_check_type(deletion_type),
        deletion_requested_at=ctx.clock(), deletion_reason=reason))
    assert updated is not None
    return updated


async def cancel_deletion(ctx: Context, principal: Principal) -> User:
    if principal.user.state != "pending_deletion":
        raise Invalid("No deletion request is pending", code="no_pending_deletion")
    updated = await ctx.store.users.update(principal.user.id, UserPatch(
        state="active", deletion_type=None, deletion_requested_at=None, deletion_reason=None))
    assert updated is not None
    return updated


async def delete_account(ctx: Context, principal: Principal, password: str | None,
                         deletion_type: str, *, password_is_md5: bool = False) -> User:
    """Delete one's own account now (hard: personal data erased) or soft (grace period)."""
    user = principal.user
    _check_type(deletion_type)
    if not password:
        raise Invalid("Password is required", code="password_missing")
    md5 = password if password_is_md5 else md5_hex(password)
    if not await ctx.passwords.verify_md5(user.password_hash, md5):
        raise Unauthorized("Incorrect password", code="wrong_password")
    if deletion_type == "soft":
        async with ctx.store.transaction():
            updated = await request_deletion(ctx, principal, "soft", user.deletion_reason)
            await end_all_sessions(ctx, user.id, "account deletion requested")
        return updated
    await erase_user(ctx, user)
    erased = await ctx.store.users.get(user.id)
    assert erased is not None
    return erased


async def erase_user(ctx: Context, user: User) -> None:
    """Hard deletion: files removed, personal fields blanked, sessions and links dropped."""
    await ctx.publisher.disconnect_user(user.id, "account deleted")
    for url in (user.avatar_url, user.cover_url):
        if url:
            await delete_media(ctx, url)
    await delete_owned_audio(ctx, user.id)  # uploads are the user's data too
    await ctx.store.users.erase(user.id, ERASED)


async def erase_due_accounts(ctx: Context) -> int:
    """Erase accounts whose grace period is over; returns how many."""
    cutoff = ctx.clock() - ctx.config.deletion_grace_days * 86400
    due = await ctx.store.users.due_for_erasure(cutoff)
    for user in due:
        await erase_user(ctx, user)
    return len(due)


def public_user(user: User) -> dict[str, Any]:
    """A user's own data with every secret left out."""
    data = msgspec.to_builtins(user)
    data.pop("password_hash", None)
    return data


async def export_data(ctx: Context, principal: Principal) -> dict[str, Any]:
    """Everything Chorus holds about the user, no secret (no hashes, no tokens)."""
    user = principal.user
    accounts = await ctx.store.oauth.user_accounts(user.id)
    consents = await ctx.store.consents.list(user.id)
    return {
        "export_date": ctx.clock(),
        "user": public_user(user),
        "linked_accounts": [
            {"provider": a.provider, "subject": a.subject, "email": a.email,
             "linked_at": a.created_at, "profile": a.profile} for a in accounts],
        "consents": [msgspec.to_builtins(c) for c in consents],
    }


async def add_consent(ctx: Context, principal: Principal, consent_type: str,
                      consent_version: str, ip_address: str | None) -> Consent:
    if not consent_type or not consent_version:
        raise Invalid("consent_type and consent_version are required", code="consent_invalid")
    return await ctx.store.consents.add(principal.user.id, consent_type[:100],
                                        consent_version[:50], ip_address)


async def list_consents(ctx: Context, principal: Principal) -> list[Consent]:
    return await ctx.store.consents.list(principal.user.id)
