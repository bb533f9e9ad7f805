"""Signing in and out: credentials, sessions, access and refresh tokens, password writes
(the reset flow is handlers.identity.reset)."""

from __future__ import annotations

import logging
import uuid

import msgspec

from handlers.context import Context
from handlers.crypto import (
    TokenExpired,
    TokenInvalid,
    hash_token,
    md5_hex,
    new_token,
    read_access_token,
    sign_access_token,
)
from handlers.errors import Forbidden, Invalid, Unauthorized
from handlers.identity.backoff import account_key, check_sign_in_wait, record_failure, record_success
from handlers.identity.passwords import check_password
from store.records import RefreshToken, Session, User, UserPatch

__all__ = [
    "Principal",
    "TokenPair",
    "authenticate",
    "start_cookie_session",
    "start_token_session",
    "principal_from_access_token",
    "principal_from_cookie",
    "principal_of_user",
    "refresh_tokens",
    "end_session",
    "end_all_sessions",
    "end_refresh_session",
    "change_password",
    "store_password",
    "verify_password",
]

log = logging.getLogger("chorus.auth")

SIGNED_IN_STATES = frozenset({"active", "pending_deletion"})


class Principal(msgspec.Struct, frozen=True):
    """Who is asking: the user and the session their credential belongs to."""

    user: User
    session_id: str


class TokenPair(msgspec.Struct, frozen=True):
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


async def authenticate(
    ctx: Context, login: str, *, source: str, password: str | None = None,
    md5: str | None = None,
) -> User:
    """The user whose username or email is `login` and whose password (or its MD5) matches;
    `source` is the client's address, for the sign-in backoff (handlers.identity.backoff).

    Raises Unauthorized with code `bad_credentials`, or, when CHORUS_LEGACY_ACCOUNT_ERRORS is
    on, the enumerable `unknown_account` / `wrong_password`; Forbidden `account_disabled`;
    RateLimited `sign_in_backoff` while this address must wait before trying this account.
    """
    if md5 is None:
        if not password:
            raise Invalid("Password is required", code="password_missing")
        md5 = md5_hex(password)
    user = await ctx.store.users.by_login(login.strip()) if login.strip() else None
    if user is not None and user.state == "deleted":
        user = None
    account = account_key(user, login)
    check_sign_in_wait(ctx, account, source)
    matches = await ctx.passwords.verify_md5(user.password_hash if user else None, md5)
    legacy = ctx.config.legacy_account_errors
    if user is None or not matches:
        record_failure(ctx, account, source)
    if user is None:
        raise Unauthorized("Invalid credentials",
                           code="unknown_account" if legacy else "bad_credentials")
    if not matches:
        raise Unauthorized("Invalid credentials",
                           code="wrong_password" if legacy else "bad_credentials")
    record_success(ctx, account, source)
    if user.state == "disabled":
        raise Forbidden("This account is disabled", code="account_disabled")
    await _touch_login(ctx, user)
    return user


async def _touch_login(ctx: Context, user: User) -> None:
    await ctx.store.users.update(user.id, UserPatch(last_login=ctx.clock()))


async def start_cookie_session(ctx: Context, user: User) -> str:
    """Open a browser session; returns the opaque cookie value (only its hash is stored)."""
    token = new_token()
    now = ctx.clock()
    await ctx.store.tokens.create_session(Session(
        id=uuid.uuid4().hex, user_id=user.id, kind="cookie", token_hash=hash_token(token),
        created_at=now, expires_at=now + ctx.config.session_ttl,
    ))
    return token


async def start_token_session(ctx: Context, user: User) -> TokenPair:
    """Open a token session: a signed access token and a rotating refresh token."""
    now = ctx.clock()
    session = Session(id=uuid.uuid4().hex, user_id=user.id, kind="token", created_at=now,
                      expires_at=now + ctx.config.refresh_token_ttl)
    refresh = new_token()
    await ctx.store.tokens.create_session_with_refresh(session, RefreshToken(
        token_hash=hash_token(refresh), family_id=uuid.uuid4().hex, session_id=session.id,
        user_id=user.id, created_at=now, expires_at=now + ctx.config.refresh_token_ttl,
    ))
    return TokenPair(access_token=_access_token(ctx, user, session.id), refresh_token=refresh,
                     expires_in=ctx.config.access_token_ttl, session_id=session.id)


def _access_token(ctx: Context, user: User, session_id: str) -> str:
    return sign_access_token(ctx.keys.signing_key, user.id, session_id, user.role,
                             ctx.config.access_token_ttl)


async def _principal(ctx: Context, session: Session | None) -> Principal:
    if session is None or session.revoked_at is not None:
        raise Unauthorized("Session is no longer valid", code="session_revoked")
    if session.expires_at < ctx.clock():
        raise Unauthorized("Session expired", code="session_expired")
    return Principal(user=await _signed_in_user(ctx, session.user_id), session_id=session.id)


async def _signed_in_user(ctx: Context, user_id: int) -> User:
    user = await ctx.store.users.get(user_id)
    if user is None or user.state not in SIGNED_IN_STATES:
        raise Unauthorized("Account is not active", code="account_inactive")
    return user


async def principal_of_user(ctx: Context, user_id: int) -> Principal:
    """A principal without a session, for a user whose credential was checked elsewhere (a
    websocket connection's identity); Unauthorized when the account is no longer active."""
    return Principal(user=await _signed_in_user(ctx, user_id), session_id="")


async def principal_from_access_token(ctx: Context, token: str) -> Principal:
    """Check a bearer token: signature, expiry, and that its session was not revoked."""
    try:
        claims = read_access_token(ctx.keys.signing_key, token)
    except TokenExpired as exc:
        raise Unauthorized("Token expired", code="token_expired") from exc
    except TokenInvalid as exc:
        raise Unauthorized("Invalid token", code="token_invalid") from exc
    principal = await _principal(ctx, await ctx.store.tokens.get_session(claims.sid))
    if str(principal.user.id) != claims.sub:
        raise Unauthorized("Invalid token", code="token_invalid")
    return principal


async def principal_from_cookie(ctx: Context, cookie: str) -> Principal:
    session = await ctx.store.tokens.session_by_token(hash_token(cookie))
    return await _principal(ctx, session)


async def refresh_tokens(ctx: Context, refresh_token: str) -> TokenPair:
    """Rotate a refresh token. Presenting a used one revokes its whole family (theft signal)."""
    old_hash = hash_token(refresh_token)
    stored = await ctx.store.tokens.get_refresh(old_hash)
    now = ctx.clock()
    if stored is None:
        raise Unauthorized("Invalid refresh token", code="refresh_invalid")
    if stored.used_at is not None:
        log.warning("refresh token reuse: revoking family of user %s", stored.user_id)
        await ctx.store.tokens.revoke_family(stored.family_id)
        await ctx.publisher.disconnect_user(stored.user_id, "refresh token reuse")
        raise Unauthorized("Refresh token already used", code="refresh_reused")
    if stored.revoked_at is not None or stored.expires_at < now:
        raise Unauthorized("Invalid refresh token", code="refresh_invalid")
    principal = await _principal(ctx, await ctx.store.tokens.get_session(stored.session_id))
    fresh = new_token()
    rotated = await ctx.store.tokens.rotate_refresh(old_hash, RefreshToken(
        token_hash=hash_token(fresh), family_id=stored.family_id, session_id=stored.session_id,
        user_id=stored.user_id, created_at=now, expires_at=now + ctx.config.refresh_token_ttl,
    ))
    if not rotated:  # lost a race with another use of the same token: treat as reuse
        await ctx.store.tokens.revoke_family(stored.family_id)
        raise Unauthorized("Refresh token already used", code="refresh_reused")
    return TokenPair(access_token=_access_token(ctx, principal.user, stored.session_id),
                     refresh_token=fresh, expires_in=ctx.config.access_token_ttl,
                     session_id=stored.session_id)


async def end_session(ctx: Context, session_id: str) -> None:
    """Logout: the session, its access and refresh tokens, and the live connections opened
    with them stop working."""
    session = await ctx.store.tokens.get_session(session_id)
    await ctx.store.tokens.revoke_session(session_id)
    if session is not None:
        await ctx.publisher.disconnect_session(session.user_id, session_id, "logged out")


async def end_all_sessions(ctx: Context, user_id: int, reason: str,
                           except_session: str | None = None) -> None:
    """Logout everywhere: revoke every session and, once that commits, close every live
    connection of the user."""
    await ctx.store.tokens.revoke_user_sessions(user_id, except_session=except_session)
    await ctx.store.after_commit(lambda: ctx.publisher.disconnect_user(user_id, reason))


async def end_refresh_session(ctx: Context, user_id: int, refresh_token: str) -> bool:
    """Logout by refresh token: the session it belongs to ends, if that session is `user_id`'s.

    True when a session was found and revoked; a token of another user changes nothing."""
    stored = await ctx.store.tokens.get_refresh(hash_token(refresh_token or ""))
    if stored is None or stored.user_id != user_id:
        return False
    await ctx.store.tokens.revoke_session(stored.session_id)
    return True


async def verify_password(ctx: Context, user: User, password: str | None, *,
                          is_md5: bool = False) -> None:
    """Check a user's current password without changing anything (before a multi-part update).

    Raises Invalid `current_password_missing` or Unauthorized `wrong_password`.
    """
    if password is None or password == "":
        raise Invalid("Current password is required", code="current_password_missing")
    md5 = password if is_md5 else md5_hex(password)
    if not await ctx.passwords.verify_md5(user.password_hash, md5):
        raise Unauthorized("Current password is incorrect", code="wrong_password")


async def change_password(ctx: Context, principal: Principal, current: str | None,
                          new_password: str, *, current_is_md5: bool = False,
                          field: str = "new_password", password_rules: str | None = None
                          ) -> User:
    """Change one's own password (current one checked); other sessions end."""
    await verify_password(ctx, principal.user, current, is_md5=current_is_md5)
    check_password(ctx, new_password, field=field, dialect=password_rules)
    return await store_password(ctx, principal.user.id,
                                await ctx.passwords.hash_password(new_password),
                                "password changed", except_session=principal.session_id)


async def store_password(ctx: Context, user_id: int, password_hash: str, reason: str, *,
                         except_session: str | None = None) -> User:
    """Set an already checked and hashed password and end the user's sessions (but
    `except_session`) and every outstanding reset token, in one transaction (the caller's,
    when one is open). The one place a password is written."""
    async with ctx.store.transaction():
        updated = await ctx.store.users.update(user_id, UserPatch(password_hash=password_hash))
        await ctx.store.tokens.revoke_resets(user_id)
        await end_all_sessions(ctx, user_id, reason, except_session=except_session)
    assert updated is not None
    return updated
