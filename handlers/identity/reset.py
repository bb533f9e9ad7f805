"""Password reset: the request (answered at once, the link mailed by a job afterwards), the
token check and the reset itself.

A request is answered before the account is looked up: the lookup, the token and the mail run
as a durable "mail.password_reset" job, so an existing and an unknown account take the same
time to answer. Only CHORUS_LEGACY_ACCOUNT_ERRORS, whose messages name unknown accounts, looks
the account up before answering.
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.crypto import hash_token, new_token
from handlers.errors import Invalid, NotFound, Unavailable
from handlers.identity.auth import store_password
from handlers.identity.passwords import check_password
from store.records import Job, ResetToken, User
from workers.jobs import CancelSignal, JobHandler, ProgressReporter
from workers.payloads import payload_of

__all__ = [
    "RESET_MAIL_KIND",
    "RESET_TTL",
    "ResetMailRequest",
    "check_reset_token",
    "forgot_password",
    "mail_reset_link",
    "make_reset_mail_handler",
    "reset_password",
]

RESET_TTL = 3600
RESET_MAIL_KIND = "mail.password_reset"


class ResetMailRequest(msgspec.Struct, frozen=True):
    """The payload of a "mail.password_reset" job: the username or email as typed."""

    login: str


async def forgot_password(ctx: Context, login: str, *, may_name_unknown: bool = True) -> None:
    """Mail a reset link if the account exists, after the answer: the caller answers the same,
    as fast, either way. With legacy errors on (and `may_name_unknown`, for dialects whose
    legacy message names unknown accounts), the account is looked up first and an unknown one
    raises NotFound `unknown_email`."""
    login = (login or "").strip()
    if ctx.config.legacy_account_errors and may_name_unknown:
        user = await _resettable(ctx, login)
        if user is None:
            raise NotFound("No account with that email", code="unknown_email")
        await _mail_link(ctx, user)
        return
    if not login:
        return
    if ctx.jobs is None:
        raise Unavailable("Password reset is not running", code="jobs_unavailable")
    await ctx.jobs.submit(RESET_MAIL_KIND, ResetMailRequest(login=login))


async def mail_reset_link(ctx: Context, login: str) -> bool:
    """Look the account up and, if it may reset its password, store a reset token and queue
    its mail (the work of a "mail.password_reset" job). True when a mail was queued."""
    user = await _resettable(ctx, login.strip())
    if user is None:
        return False
    await _mail_link(ctx, user)
    return True


def make_reset_mail_handler(ctx: Context) -> JobHandler:
    """The job handler of "mail.password_reset" (hub.app registers it on the job runner)."""

    async def handle(job: Job, progress: ProgressReporter, cancel: CancelSignal) -> Any:
        request = payload_of(job, ResetMailRequest, "password reset")
        await mail_reset_link(ctx, request.login)
        return None  # whether an account matched stays out of the job's row

    return handle


async def _resettable(ctx: Context, login: str) -> User | None:
    user = await ctx.store.users.by_login(login) if login else None
    if user is None or user.state in ("deleted", "disabled") or not user.email:
        return None
    return user


async def _mail_link(ctx: Context, user: User) -> None:
    assert user.email
    token = new_token()
    now = ctx.clock()
    link = f"{ctx.config.base_url}/reset-password?token={token}"
    body = (
        f"Hello {user.name or user.username or ''},\n\n"
        f"Someone asked to reset the password of your Chorus account. If it was you, open:\n\n"
        f"{link}\n\nThe link works once and expires in 1 hour. If it was not you, ignore this.\n"
    )
    async with ctx.store.transaction():  # no token without its mail, no mail without its token
        await ctx.store.tokens.create_reset(ResetToken(
            token_hash=hash_token(token), user_id=user.id, created_at=now,
            expires_at=now + RESET_TTL,
        ))
        await ctx.store.outbox.enqueue(user.email, "Password Reset Request - Chorus", body)
    ctx.wake_mailer()


async def check_reset_token(ctx: Context, token: str) -> ResetToken:
    """The stored reset token, or Invalid with code reset_invalid / reset_used / reset_expired.
    A token ended by a later password change is gone: reset_invalid."""
    stored = await ctx.store.tokens.get_reset(hash_token(token or ""))
    if stored is None:
        raise Invalid("Invalid or expired reset token", code="reset_invalid")
    if stored.used_at is not None:
        raise Invalid("This reset link has already been used", code="reset_used")
    if stored.expires_at <= ctx.clock():
        raise Invalid("This reset link has expired. Please request a new one.",
                      code="reset_expired")
    return stored


async def reset_password(ctx: Context, token: str, new_password: str, *,
                         field: str = "new_password", password_rules: str | None = None
                         ) -> User:
    """Set a new password from a reset token: the token is used, and, in the same transaction,
    every session and every other outstanding reset token of the user ends."""
    stored = await check_reset_token(ctx, token)
    check_password(ctx, new_password, field=field, dialect=password_rules)
    password_hash = await ctx.passwords.hash_password(new_password)
    async with ctx.store.transaction():
        if not await ctx.store.tokens.take_reset(stored.token_hash):
            raise Invalid("This reset link has already been used", code="reset_used")
        return await store_password(ctx, stored.user_id, password_hash, "password reset")
