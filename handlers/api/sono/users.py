"""Sono's /api/v1/users endpoints: encrypted passwords, bearer and refresh tokens, password
reset, the profile and its picture, and the GDPR endpoints (deletion, export, consents)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from aiohttp import web

from handlers.api._auth import client_address, require_principal
from handlers.api._input import invalid_field, read_json, read_post, read_struct
from handlers.api._upload import read_file_field
from handlers.api.dialect import json_response, mark_slow
from handlers.api.keys import context
from handlers.api.sono._dialect import iso, password_from_request, sono
from handlers.errors import FieldError, Invalid, Unauthorized
from handlers.identity import accounts, auth, privacy, reset
from handlers.media.images import IMAGE_MAX_BYTES
from store.records import Consent, User

__all__ = ["setup_routes", "UserOut", "user_out"]

PREFIX = "/api/v1/users"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Bio = Annotated[str, msgspec.Meta(max_length=500)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


# ---- wire shapes ------------------------------------------------------------------------

class RegisterBody(msgspec.Struct):
    username: str
    email: str
    password: str
    display_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None  # blank: username


class RefreshBody(msgspec.Struct):
    refresh_token: str


class LogoutBody(msgspec.Struct):
    refresh_token: str | None = None


class EmailBody(msgspec.Struct):
    email: str


class TokenBody(msgspec.Struct):
    token: str


class ResetBody(msgspec.Struct):
    token: str
    new_password: str


class ProfileBody(msgspec.Struct):
    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    bio: Bio | None | msgspec.UnsetType = msgspec.UNSET


class DeletionBody(msgspec.Struct):
    deletion_type: Literal["soft", "hard"] = "soft"
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class ConsentBody(msgspec.Struct):
    consent_type: Short
    consent_version: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    ip_address: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class UserOut(msgspec.Struct):
    id: int
    username: str | None
    email: str | None
    display_name: str
    bio: str
    profile_picture_url: str | None
    is_active: bool
    is_admin: bool
    role: str
    created_at: str | None
    updated_at: str | None
    last_login: str | None
    deletion_type: str | None
    deletion_requested_at: str | None
    scheduled_deletion_at: str | None


class TokenOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


class MessageOut(msgspec.Struct):
    message: str
    success: bool = True


class ConsentOut(msgspec.Struct):
    id: int
    user_id: int
    consent_type: str
    consent_version: str
    ip_address: str | None
    created_at: str | None


def _deletion_due(request: web.Request, user: User) -> float | None:
    if user.state != "pending_deletion" or user.deletion_requested_at is None:
        return None
    return user.deletion_requested_at + context(request).config.deletion_grace_days * 86400


def user_out(request: web.Request, user: User) -> UserOut:
    """A user as Sono renders it (display_name is the shared `name`, the picture `avatar_url`)."""
    return UserOut(
        id=user.id, username=user.username, email=user.email,
        display_name=user.name or user.username or "", bio=user.bio,
        profile_picture_url=user.avatar_url or None,
        is_active=user.state in auth.SIGNED_IN_STATES, is_admin=user.is_admin, role=user.role,
        created_at=iso(user.created_at), updated_at=iso(user.updated_at),
        last_login=iso(user.last_login), deletion_type=user.deletion_type,
        deletion_requested_at=iso(user.deletion_requested_at),
        scheduled_deletion_at=iso(_deletion_due(request, user)))


def token_out(pair: auth.TokenPair) -> TokenOut:
    return TokenOut(access_token=pair.access_token, refresh_token=pair.refresh_token,
                    expires_in=pair.expires_in)


def consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut(id=consent.id, user_id=consent.user_id, consent_type=consent.consent_type,
                      consent_version=consent.consent_version, ip_address=consent.ip_address,
                      created_at=iso(consent.created_at))


# ---- keys, sign-up, sign-in -------------------------------------------------------------

async def get_public_key(request: web.Request) -> web.Response:
    """The RSA key clients encrypt passwords with (RSA-OAEP, SHA-256, SPKI PEM)."""
    keys = context(request).keys
    return json_response({"public_key": keys.rsa_public_pem(), "algorithm": "RSA-OAEP",
                          "hash": "SHA-256", "key_size": keys.rsa_private.key_size})


async def register(request: web.Request) -> web.Response:
    body = await read_struct(request, RegisterBody)
    password = password_from_request(request, body.password)
    user = await accounts.register(
        context(request), username=body.username, email=body.email, password=password,
        name=(body.display_name or "").strip() or body.username.strip())
    return json_response(user_out(request, user), status=201)


async def _read_token_form(request: web.Request) -> dict[str, Any]:
    """OAuth2 password grant fields: a form as the spec says, or JSON from lenient clients."""
    if request.content_type == "application/json":
        return await read_json(request)
    if request.content_type in FORM_TYPES:
        form = await read_post(request)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return {}


async def login(request: web.Request) -> web.Response:
    form = await _read_token_form(request)
    missing = [FieldError(("body", name), "Field required", "missing")
               for name in ("username", "password") if not form.get(name)]
    if missing:
        raise Invalid("username and password are required", code="validation", fields=missing)
    grant = form.get("grant_type")
    if grant not in (None, "", "password"):
        raise invalid_field(("body", "grant_type"), "String should match pattern '^password$'",
                            "string_pattern_mismatch")
    password = password_from_request(request, str(form["password"]))
    ctx = context(request)
    try:
        user = await auth.authenticate(ctx, str(form["username"]), password=password,
                                       source=client_address(request))
    except Unauthorized as exc:  # one answer whatever was wrong (legacy mode included)
        raise Unauthorized("Incorrect username or password", code="bad_credentials") from exc
    return json_response(token_out(await auth.start_token_session(ctx, user)))


async def refresh(request: web.Request) -> web.Response:
    body = await read_struct(request, RefreshBody)
    pair = await auth.refresh_tokens(context(request), body.refresh_token)
    return json_response(token_out(pair))


async def logout(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, LogoutBody) if request.can_read_body else LogoutBody()
    ctx = context(request)
    await auth.end_session(ctx, principal.session_id)
    if body.refresh_token:
        await auth.end_refresh_session(ctx, principal.user.id, body.refresh_token)
    return json_response({"message": "Successfully logged out"})


# ---- password reset ---------------------------------------------------------------------

async def forgot_password(request: web.Request) -> web.Response:
    body = await read_struct(request, EmailBody)
    email = accounts.validate_email(body.email)
    # Sono answers the same whether or not the account exists, legacy mode or not
    await reset.forgot_password(context(request), email, may_name_unknown=False)
    return json_response(MessageOut(
        "If an account with that email exists, we've sent password reset instructions."))


async def verify_reset_token(request: web.Request) -> web.Response:
    body = await read_struct(request, TokenBody)
    await reset.check_reset_token(context(request), body.token)
    return json_response(MessageOut("Reset token is valid"))


async def reset_password(request: web.Request) -> web.Response:
    body = await read_struct(request, ResetBody)
    new_password = password_from_request(request, body.new_password)
    await reset.reset_password(context(request), body.token, new_password)
    return json_response(MessageOut(
        "Password has been reset successfully. You can now log in with your new password."))


# ---- the profile ------------------------------------------------------------------------

async def get_me(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(user_out(request, principal.user))


async def update_me(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, ProfileBody)
    changes = accounts.ProfileChanges()
    if body.display_name is not msgspec.UNSET:
        name = body.display_name.strip()
        if not name:
            raise invalid_field(("body", "display_name"), "Display name cannot be blank")
        changes.name = name
    if body.bio is not msgspec.UNSET:
        changes.bio = (body.bio or "").strip()
    user = await accounts.update_profile(context(request), principal, changes)
    return json_response(user_out(request, user))


@mark_slow
async def upload_profile_picture(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    data = await read_file_field(request, "file", IMAGE_MAX_BYTES,
                                 "File too large. Maximum size is 5 MB")
    user = await accounts.set_avatar(context(request), principal, data)
    return json_response(user_out(request, user))


# ---- GDPR -------------------------------------------------------------------------------

async def request_deletion(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, DeletionBody)
    user = await privacy.request_deletion(context(request), principal, body.deletion_type,
                                          body.reason)
    days = context(request).config.deletion_grace_days
    return json_response({
        "message": f"Account deletion requested. Your account will be deleted in {days} days "
                   "unless you cancel.",
        "deletion_type": user.deletion_type,
        "deletion_requested_at": iso(user.deletion_requested_at),
        "scheduled_deletion_at": iso(_deletion_due(request, user)),
    })


async def cancel_deletion(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await privacy.cancel_deletion(context(request), principal)
    return json_response({"message": "Account deletion cancelled", "success": True})


async def deletion_status(request: web.Request) -> web.Response:
    """Not in the document, but Sono's web client asks for it."""
    principal = await require_principal(request)
    user = principal.user
    return json_response({
        "deletion_requested": user.state == "pending_deletion",
        "deletion_type": user.deletion_type,
        "deletion_requested_at": iso(user.deletion_requested_at),
        "scheduled_deletion_at": iso(_deletion_due(request, user)),
    })


async def delete_me(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    password = request.query.get("password", "")
    if not password:
        raise invalid_field(("query", "password"), "Field required", "missing")
    deletion_type = request.query.get("deletion_type", "soft")
    if deletion_type not in privacy.DELETION_TYPES:
        raise invalid_field(("query", "deletion_type"), "Input should be 'soft' or 'hard'", "enum")
    ctx = context(request)
    user = await privacy.delete_account(ctx, principal, password_from_request(request, password),
                                        deletion_type)
    if deletion_type == "hard":
        return json_response({"message": "Your account and personal data have been permanently "
                                         "deleted", "deletion_type": "hard"})
    return json_response({
        "message": f"Account scheduled for deletion in {ctx.config.deletion_grace_days} days. "
                   "Log in and cancel the deletion to keep it.",
        "deletion_type": "soft",
        "scheduled_deletion_at": iso(_deletion_due(request, user)),
    })


_RENDERED = frozenset({"id", "username", "email", "name", "bio", "avatar_url", "role", "state",
                       "created_at", "updated_at", "last_login", "deletion_type",
                       "deletion_requested_at"})


async def export_data(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    data = await privacy.export_data(context(request), principal)
    rest = {k: v for k, v in data["user"].items() if k not in _RENDERED}
    return json_response({
        "export_date": iso(data["export_date"]),
        "user": {**msgspec.to_builtins(user_out(request, principal.user)), **rest},
        "linked_accounts": [{**a, "linked_at": iso(a["linked_at"])}
                            for a in data["linked_accounts"]],
        "consents": [{**c, "created_at": iso(c["created_at"])} for c in data["consents"]],
    })


async def add_consent(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, ConsentBody)
    consent = await privacy.add_consent(context(request), principal, body.consent_type,
                                        body.consent_version, body.ip_address or request.remote)
    return json_response(consent_out(consent))


async def list_consents(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    consents = await privacy.list_consents(context(request), principal)
    return json_response([consent_out(c) for c in consents])


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "GET", f"{PREFIX}/public-key", get_public_key)
    sono.add(r, "POST", f"{PREFIX}/", register)
    sono.add(r, "POST", f"{PREFIX}/token", login)
    sono.add(r, "POST", f"{PREFIX}/token/refresh", refresh)
    sono.add(r, "POST", f"{PREFIX}/logout", logout)
    sono.add(r, "POST", f"{PREFIX}/forgot-password", forgot_password)
    sono.add(r, "POST", f"{PREFIX}/verify-reset-token", verify_reset_token)
    sono.add(r, "POST", f"{PREFIX}/reset-password", reset_password)
    sono.add(r, "GET", f"{PREFIX}/me", get_me)
    sono.add(r, "PUT", f"{PREFIX}/me", update_me)
    sono.add(r, "DELETE", f"{PREFIX}/me", delete_me)
    sono.add(r, "POST", f"{PREFIX}/me/upload-profile-picture", upload_profile_picture)
    sono.add(r, "POST", f"{PREFIX}/me/request-deletion", request_deletion)
    sono.add(r, "POST", f"{PREFIX}/me/cancel-deletion", cancel_deletion)
    sono.add(r, "GET", f"{PREFIX}/me/deletion-status", deletion_status)
    sono.add(r, "GET", f"{PREFIX}/me/export-data", export_data)
    sono.add(r, "POST", f"{PREFIX}/me/consent", add_consent)
    sono.add(r, "GET", f"{PREFIX}/me/consents", list_consents)
