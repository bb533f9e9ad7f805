"""Accounts: registration, profiles, roles and the admin's user management."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from handlers.identity import sso
from handlers.identity.auth import Principal, end_all_sessions, store_password, verify_password
from handlers.identity.passwords import check_password
from handlers.media.audio import delete_owned_audio
from handlers.media.images import delete_media, is_owned_media, save_image
from store.errors import Duplicate
from store.records import User, UserPatch

__all__ = [
    "RESERVED_HANDLES",
    "ProfileChanges",
    "ClientTokens",
    "AccountChanges",
    "register",
    "ensure_admin",
    "get_user",
    "find_user",
    "get_user_by_handle",
    "update_profile",
    "update_account",
    "set_avatar",
    "set_role",
    "admin_set_password",
    "delete_user",
    "list_users",
    "require_admin",
    "admin_create_user",
    "ensure_passwordless_user",
    "validate_email",
    "validate_username",
]

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Top-level paths Chorus serves (so `/<handle>` never shadows them) and Openwhyd's own reserved
# words. tests/hub/test_routes.py checks that every top-level route is listed here.
RESERVED_HANDLES = frozenset({
    "", "api", "login", "logout", "register", "signup", "facebookLogin", "health", "metrics",
    "connection", "hub", "u", "c", "hot", "stream", "search", "media", "static", "admin",
    "reset-password", "password", "settings", "about", "help", "faq", "privacy", "terms", "me",
    "all", "home", "index", "js", "css", "img", "images", "upload", "download", "playlist",
    "playlists", "user", "users", "feed", "discover", "invite", "mobile", "consent", "favicon.ico",
    "robots.txt", "www", "chorus", "openwhyd", "whyd", "root", "system", "null", "undefined",
    "web", "app", "assets", "auth", "oauth", "sso", "callback", "bookmarklet", "contact",
    "uAvatarImg", "uCoverImg", "uPlaylistImg",  # Openwhyd's image paths
    "1",  # ListenBrainz's API (/1/...)
    "docs", "openapi.json",  # the OpenAPI description and its page (handlers/api/openapi)
})


class ProfileChanges(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Profile fields a user may change on themselves; UNSET means unchanged."""

    username: str | msgspec.UnsetType = msgspec.UNSET
    email: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    surname: str | msgspec.UnsetType = msgspec.UNSET
    bio: str | msgspec.UnsetType = msgspec.UNSET
    location: str | msgspec.UnsetType = msgspec.UNSET
    labels: str | msgspec.UnsetType = msgspec.UNSET
    avatar_url: str | msgspec.UnsetType = msgspec.UNSET
    cover_url: str | msgspec.UnsetType = msgspec.UNSET
    links: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    extra: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class ClientTokens(msgspec.Struct, frozen=True):
    """A provider account whose tokens the client obtained itself; an empty subject unlinks."""

    subject: str
    token: str | None = None
    secret: str | None = None


class AccountChanges(msgspec.Struct, kw_only=True):
    """What `update_account` changes at once; None leaves a part as it is."""

    profile: ProfileChanges = msgspec.field(default_factory=ProfileChanges)
    new_password: str | None = None
    current_password: str | None = None  # required with new_password
    facebook: ClientTokens | None = None  # the token is checked with Facebook first
    twitter: ClientTokens | None = None  # OAuth 1.0a tokens: stored as given
    password_rules: str | None = None  # the dialect whose legacy password rule may apply


def validate_username(username: str, *, field: str = "username") -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise Invalid("Username must be 2-32 letters, digits, '.', '-' or '_'",
                      code="invalid_username",
                      fields=[FieldError(("body", field), "invalid username")])
    if username.lower() in {h.lower() for h in RESERVED_HANDLES}:
        raise Invalid("This username is reserved", code="reserved_username",
                      fields=[FieldError(("body", field), "reserved username")])
    return username


def validate_email(email: str, *, field: str = "email") -> str:
    email = email.strip()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise Invalid("Invalid email address", code="invalid_email",
                      fields=[FieldError(("body", field), "value is not a valid email address")])
    return email


def _duplicate(exc: Duplicate) -> Conflict:
    if exc.column == "email":
        return Conflict("Email already registered", code="email_taken")
    return Conflict("Username already exists", code="username_taken")


async def register(
    ctx: Context,
    *,
    password: str | None = None,
    password_md5: str | None = None,
    username: str | None = None,
    email: str | None = None,
    role: str = "user",
    password_rules: str | None = None,
    **profile: Any,
) -> User:
    """Create an account. A password or its MD5 (Openwhyd) is required; the policy applies to
    plain passwords (`password_rules`: the dialect whose documented rule applies instead when
    CHORUS_LEGACY_PASSWORD_RULES=1). Raises Conflict username_taken / email_taken, Invalid on
    bad fields."""
    if not username and not email:
        raise Invalid("Username or email is required", code="login_missing")
    username = validate_username(username) if username else None
    email = validate_email(email) if email else None
    if password_md5 is not None:
        if not re.fullmatch(r"[0-9a-fA-F]{32}", password_md5):
            raise Invalid("Invalid password hash", code="invalid_md5")
        password_hash = await ctx.passwords.hash_md5(password_md5)
    else:
        check_password(ctx, password, dialect=password_rules)
        assert password is not None
        password_hash = await ctx.passwords.hash_password(password)
    try:
        return await ctx.store.users.create(
            username=username, email=email, password_hash=password_hash, role=role, **profile)
    except Duplicate as exc:
        raise _duplicate(exc) from exc


async def ensure_admin(ctx: Context, username: str, password: str, email: str | None) -> User:
    """The CHORUS_ADMIN_* account: created if missing, made admin if it was not."""
    user = await ctx.store.users.by_username(username)
    if user is None:
        hashed = await ctx.passwords.hash_password(password)
        try:
            return await ctx.store.users.create(
                username=username, email=email or None, password_hash=hashed, role="admin",
                name=username)
        except Duplicate as exc:
            raise _duplicate(exc) from exc
    if user.role != "admin" or user.state != "active":
        updated = await ctx.store.users.update(user.id, UserPatch(role="admin", state="active"))
        assert updated is not None
        return updated
    return user


async def ensure_passwordless_user(ctx: Context, username: str, name: str = "") -> User:
    """The account `username`, created without a password if missing (EchoStats' dev login)."""
    user = await ctx.store.users.by_username(username)
    if user is not None:
        return user
    try:
        return await ctx.store.users.create(username=username, email=None, password_hash=None,
                                            name=name)
    except Duplicate:
        user = await ctx.store.users.by_username(username)  # created meanwhile
        if user is None:
            raise
        return user


async def get_user(ctx: Context, user_id: int) -> User:
    user = await ctx.store.users.get(user_id)
    if user is None or user.state == "deleted":
        raise NotFound("User not found", code="user_not_found")
    return user


async def find_user(ctx: Context, login: str) -> User:
    """By username or email."""
    user = await ctx.store.users.by_login(login)
    if user is None or user.state == "deleted":
        raise NotFound("User not found", code="user_not_found")
    return user


async def get_user_by_handle(ctx: Context, handle: str) -> User:
    """By username (Openwhyd's handle) only: never by email, so lookups reveal no address."""
    user = await ctx.store.users.by_username(handle.strip()) if handle.strip() else None
    if user is None or user.state == "deleted":
        raise NotFound("User not found", code="user_not_found")
    return user


async def update_profile(ctx: Context, principal: Principal, changes: ProfileChanges) -> User:
    """Change one's own profile; the username (handle) is checked against reserved words."""
    return await _write_profile(ctx, principal.user.id, _profile_patch(principal.user, changes))


def _profile_patch(user: User, changes: ProfileChanges) -> UserPatch:
    """The checked patch of `changes` (`extra` merged into the user's)."""
    values = {k: getattr(changes, k) for k in changes.__struct_fields__
              if getattr(changes, k) is not msgspec.UNSET}
    if "username" in values:
        values["username"] = validate_username(values["username"], field="handle")
    if "email" in values:
        values["email"] = validate_email(values["email"])
    if "extra" in values:
        values["extra"] = {**user.extra, **values["extra"]}
    return UserPatch(**values)


async def _write_profile(ctx: Context, user_id: int, patch: UserPatch) -> User:
    try:
        updated = await ctx.store.users.update(user_id, patch)
    except Duplicate as exc:
        raise _duplicate(exc) from exc
    assert updated is not None
    return updated


async def update_account(ctx: Context, principal: Principal, changes: AccountChanges) -> User:
    """Change one's profile, password and linked Facebook and Twitter accounts together.

    Everything is checked first (fields, the current password, Facebook's token), then written
    in one transaction: a refusal on the way (an account linked to someone else, a taken
    handle or email) changes nothing. Other sessions end with a new password; images the
    change replaces are deleted once it is committed.
    """
    user = principal.user
    patch = _profile_patch(user, changes.profile)
    password_hash = None
    if changes.new_password is not None:
        check_password(ctx, changes.new_password, field="new_password",
                       dialect=changes.password_rules)
        await verify_password(ctx, user, changes.current_password)
        password_hash = await ctx.passwords.hash_password(changes.new_password)
    facebook, identity = changes.facebook, None
    if facebook is not None and facebook.subject:
        identity = await sso.check_facebook_token(ctx, facebook.subject, facebook.token or "")
    async with ctx.store.transaction():
        if facebook is not None and identity is not None:
            await sso.link_facebook(ctx, principal, identity, facebook.token or "")
        elif facebook is not None:
            await sso.unlink_provider(ctx, principal, "facebook")
        if changes.twitter is not None:
            twitter = changes.twitter
            await sso.link_client_tokens(ctx, principal, "twitter", twitter.subject,
                                         twitter.token, twitter.secret)
        if patch.changes():
            await _write_profile(ctx, user.id, patch)
        if password_hash is not None:
            await store_password(ctx, user.id, password_hash, "password changed",
                                 except_session=principal.session_id)
    for old, new in ((user.avatar_url, patch.avatar_url), (user.cover_url, patch.cover_url)):
        if new is not msgspec.UNSET and (replaced := _replaced_upload(ctx, user, old, new)):
            await delete_media(ctx, replaced)
    return await get_user(ctx, user.id)


def _replaced_upload(ctx: Context, user: User, old: str | None, new: object) -> str | None:
    """`old` when `new` replaces it and it is an image the user uploaded (to delete)."""
    return old if old and old != new and is_owned_media(ctx, old, user.id) else None


async def set_avatar(ctx: Context, principal: Principal, data: bytes) -> User:
    """A new profile picture: checked by content, re-encoded (EXIF dropped), stored; the
    previous picture the user uploaded is removed."""
    url = await save_image(ctx, data, "avatars", principal.user.id)
    updated = await ctx.store.users.update(principal.user.id, UserPatch(avatar_url=url))
    assert updated is not None
    if replaced := _replaced_upload(ctx, principal.user, principal.user.avatar_url, url):
        await delete_media(ctx, replaced)
    return updated


def _require_admin(principal: Principal) -> None:
    if not principal.user.is_admin:
        raise Forbidden("Admin access required", code="admin_required")


def require_admin(principal: Principal) -> None:
    """Forbidden `admin_required` unless an admin asks (check it before looking targets up)."""
    _require_admin(principal)


async def admin_create_user(ctx: Context, principal: Principal, *, username: str | None,
                            email: str | None, password: str, role: str = "user",
                            password_rules: str | None = None) -> User:
    """An admin creates an account with the given role (same checks as `register`)."""
    _require_admin(principal)
    if role not in ("user", "admin"):
        raise Invalid("Role must be 'user' or 'admin'", code="invalid_role")
    return await register(ctx, username=username, email=email, password=password, role=role,
                          password_rules=password_rules)


async def list_users(ctx: Context, principal: Principal, *, offset: int = 0,
                     limit: int = 100) -> list[User]:
    _require_admin(principal)
    return await ctx.store.users.list(offset=max(0, offset), limit=max(1, min(limit, 1000)))


async def set_role(ctx: Context, principal: Principal, target: User, role: str) -> User:
    _require_admin(principal)
    if role not in ("user", "admin"):
        raise Invalid("Role must be 'user' or 'admin'", code="invalid_role")
    if target.id == principal.user.id and role != "admin":
        raise Invalid("You cannot remove your own admin role", code="self_demotion")
    updated = await ctx.store.users.update(target.id, UserPatch(role=role))
    assert updated is not None
    return updated


async def admin_set_password(ctx: Context, principal: Principal, target: User,
                             new_password: str, *, password_rules: str | None = None) -> User:
    _require_admin(principal)
    check_password(ctx, new_password, field="new_password", dialect=password_rules)
    return await store_password(ctx, target.id, await ctx.passwords.hash_password(new_password),
                                "password reset by admin")


async def delete_user(ctx: Context, principal: Principal, target: User) -> None:
    """Admin deletion: the account and everything linked to it are removed."""
    _require_admin(principal)
    if target.id == principal.user.id:
        raise Invalid("You cannot delete your own account", code="self_delete")
    await delete_owned_audio(ctx, target.id)  # the rows would go with the user, not the bytes
    async with ctx.store.transaction():
        await end_all_sessions(ctx, target.id, "account deleted")
        await ctx.store.users.delete(target.id)
