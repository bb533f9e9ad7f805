"""Signing in with, and linking, accounts of OAuth2 providers (Spotify, Google, GitHub,
Facebook). State is server-side and single use; provider tokens are encrypted at rest."""

from __future__ import annotations

import re
import secrets

import msgspec

from handlers.context import Context
from handlers.errors import BadGateway, Conflict, Invalid, NotFound, Unauthorized
from handlers.identity.auth import Principal
from providers.oauth import OAuthClient, OAuthError, OAuthIdentity, OAuthTokens
from store.errors import Duplicate
from store.records import OAuthAccount, OAuthState, User

__all__ = ["OAuthResult", "configured_providers", "begin_oauth", "complete_oauth",
           "unlink_provider", "facebook_sign_in", "check_facebook_token", "link_facebook",
           "refresh_provider_token", "STATE_TTL",
           "ProviderTokens", "link_client_tokens", "linked_accounts", "linked_providers",
           "provider_link"]

STATE_TTL = 600
# Providers whose account e-mail is verified, so a matching Chorus account may be linked by it.
EMAIL_TRUSTED = frozenset({"google", "github"})


class OAuthResult(msgspec.Struct, frozen=True):
    user: User
    purpose: str
    redirect: str | None
    created: bool
    identity: OAuthIdentity


def configured_providers(ctx: Context, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if ctx.config.oauth_provider(n).enabled]


def _client(ctx: Context, provider: str) -> OAuthClient:
    config = ctx.config.oauth_provider(provider)
    if not config.enabled:
        raise NotFound(f"SSO provider '{provider}' is not configured", code="sso_not_configured")
    return OAuthClient(config, ctx.http)


async def begin_oauth(ctx: Context, provider: str, purpose: str, redirect_uri: str, *,
                      user_id: int | None = None, redirect: str | None = None
                      ) -> tuple[str, str]:
    """The provider's authorization URL and the state saved for the callback."""
    client = _client(ctx, provider)
    state = secrets.token_urlsafe(24)
    now = ctx.clock()
    await ctx.store.oauth.save_state(OAuthState(
        state=state, provider=provider, purpose=purpose, user_id=user_id, redirect=redirect,
        created_at=now, expires_at=now + STATE_TTL))
    return client.authorization_url(state, redirect_uri), state


async def _take_state(ctx: Context, provider: str, state: str) -> OAuthState:
    saved = await ctx.store.oauth.take_state(state) if state else None
    if saved is None or saved.provider != provider or saved.expires_at < ctx.clock():
        raise Invalid("Invalid or expired OAuth state", code="oauth_state_invalid")
    return saved


async def complete_oauth(ctx: Context, provider: str, code: str, state: str,
                         redirect_uri: str, browser_state: str | None = None) -> OAuthResult:
    """Check the state, exchange the code, and sign in, link or create the account.

    A linking flow must come back to the browser that started it (`browser_state`, from the
    cookie set by the login route): otherwise someone could start linking on their own account
    and have a victim approve it, tying the victim's provider account to theirs.
    """
    saved = await _take_state(ctx, provider, state)
    if saved.user_id is not None and browser_state != state:
        raise Invalid("This sign-in was started in another browser", code="oauth_state_invalid")
    if not code:
        raise Invalid("Missing authorization code", code="oauth_code_missing")
    client = _client(ctx, provider)
    try:
        tokens = await client.exchange_code(code, redirect_uri)
        identity = await client.fetch_identity(tokens.access_token)
    except OAuthError as exc:
        raise BadGateway(f"{provider} rejected the sign-in: {exc}", code="oauth_failed") from exc
    async with ctx.store.transaction():  # no account created without its link
        user, created = await _account_for(ctx, identity, saved.user_id)
        await _store_link(ctx, user.id, identity, tokens)
    return OAuthResult(user=user, purpose=saved.purpose, redirect=saved.redirect,
                       created=created, identity=identity)


async def _account_for(ctx: Context, identity: OAuthIdentity,
                       linking_user: int | None) -> tuple[User, bool]:
    linked = await ctx.store.oauth.get_account(identity.provider, identity.subject)
    if linking_user is not None:
        if linked is not None and linked.user_id != linking_user:
            raise Conflict(f"This {identity.provider} account is linked to another user",
                           code="oauth_linked_elsewhere")
        user = await ctx.store.users.get(linking_user)
        if user is None:
            raise Unauthorized("Not authenticated", code="not_authenticated")
        return user, False
    if linked is not None:
        user = await ctx.store.users.get(linked.user_id)
        if user is not None and user.state != "deleted":
            _check_usable(user)
            return user, False
    if identity.email and identity.provider in EMAIL_TRUSTED:
        user = await ctx.store.users.by_email(identity.email)
        if user is not None and user.state != "deleted":
            _check_usable(user)
            return user, False
    return await _create_from_identity(ctx, identity), True


def _check_usable(user: User) -> None:
    if user.state == "disabled":
        raise Unauthorized("This account is disabled", code="account_disabled")


async def _create_from_identity(ctx: Context, identity: OAuthIdentity) -> User:
    base = re.sub(r"[^A-Za-z0-9_.\-]", "", identity.raw.get("login") or identity.name
                  or (identity.email or "").split("@")[0]) or identity.provider
    base = base[:24] if len(base) >= 2 else f"{identity.provider}_{base}"
    email = identity.email
    if email and await ctx.store.users.by_email(email) is not None:
        email = None  # untrusted provider e-mail that another account owns: do not claim it
    for attempt in range(20):
        username = base if attempt == 0 else f"{base}{secrets.randbelow(10_000)}"
        try:
            return await ctx.store.users.create(
                username=username, email=email, password_hash=None, name=identity.name,
                avatar_url=identity.avatar_url,
                extra={"sso_provider": identity.provider})
        except Duplicate as exc:
            if exc.column == "email":
                email = None
    raise Conflict("Could not choose a username", code="username_taken")


async def _store_link(ctx: Context, user_id: int, identity: OAuthIdentity,
                      tokens: OAuthTokens | None) -> None:
    expires = (ctx.clock() + tokens.expires_in) if tokens and tokens.expires_in else None
    await ctx.store.oauth.link(OAuthAccount(
        id=0, user_id=user_id, provider=identity.provider, subject=identity.subject,
        email=identity.email,
        access_token_enc=ctx.vault.encrypt(tokens.access_token) if tokens else None,
        refresh_token_enc=ctx.vault.encrypt(tokens.refresh_token) if tokens else None,
        expires_at=expires, profile=identity.raw))


async def linked_providers(ctx: Context, user_id: int) -> list[str]:
    """Names of the providers linked to a user, oldest link first (no tokens: safe to show)."""
    accounts = await ctx.store.oauth.user_accounts(user_id)
    return [a.provider for a in sorted(accounts, key=lambda a: (a.created_at, a.id))]


async def provider_link(ctx: Context, user_id: int, provider: str) -> OAuthAccount | None:
    """A user's link to `provider` (profile, expiry; tokens stay encrypted), or None."""
    return await ctx.store.oauth.user_account(user_id, provider)


async def unlink_provider(ctx: Context, principal: Principal, provider: str) -> None:
    user = principal.user
    accounts = await ctx.store.oauth.user_accounts(user.id)
    if not any(a.provider == provider for a in accounts):
        raise NotFound(f"No {provider} account is linked", code="oauth_not_linked")
    if user.password_hash is None and len(accounts) == 1:
        raise Invalid("Set a password before unlinking your only sign-in method",
                      code="last_sign_in_method")
    await ctx.store.oauth.unlink(user.id, provider)


async def facebook_sign_in(ctx: Context, fb_uid: str, access_token: str,
                           link_to: Principal | None = None) -> tuple[User | None, OAuthIdentity]:
    """Check a Facebook token with the Graph API; the linked user (or None) and the identity.

    With `link_to`, the Facebook account is linked to that signed-in user.
    """
    identity = await check_facebook_token(ctx, fb_uid, access_token)
    if link_to is not None:
        return await link_facebook(ctx, link_to, identity, access_token), identity
    linked = await ctx.store.oauth.get_account("facebook", identity.subject)
    if linked is None:
        return None, identity
    user = await ctx.store.users.get(linked.user_id)
    if user is None or user.state == "deleted":
        return None, identity
    _check_usable(user)
    await _store_link(ctx, user.id, identity, _client_token(access_token))
    return user, identity


async def check_facebook_token(ctx: Context, fb_uid: str, access_token: str) -> OAuthIdentity:
    """The Facebook identity a client's token belongs to, checked with the Graph API
    (Unauthorized `facebook_invalid` otherwise); nothing is stored."""
    try:
        return await _client(ctx, "facebook").check_facebook_token(fb_uid, access_token)
    except OAuthError as exc:
        raise Unauthorized("Facebook authentication failed", code="facebook_invalid") from exc


async def link_facebook(ctx: Context, principal: Principal, identity: OAuthIdentity,
                        access_token: str) -> User:
    """Link a checked Facebook identity to the signed-in user (Conflict
    `oauth_linked_elsewhere` when another user has it)."""
    user, _ = await _account_for(ctx, identity, principal.user.id)
    await _store_link(ctx, user.id, identity, _client_token(access_token))
    return user


def _client_token(access_token: str) -> OAuthTokens:
    """A token the client obtained itself (no refresh token, no known expiry)."""
    return OAuthTokens(access_token=access_token, refresh_token=None, expires_in=None,
                       token_type="bearer", scope=None)


async def refresh_provider_token(ctx: Context, user_id: int, provider: str) -> OAuthAccount:
    """Refresh the stored provider access token with the stored refresh token."""
    account = await ctx.store.oauth.user_account(user_id, provider)
    refresh = ctx.vault.decrypt(account.refresh_token_enc) if account else None
    if account is None or not refresh:
        raise Unauthorized(f"No {provider} account to refresh", code="oauth_not_linked")
    try:
        tokens = await _client(ctx, provider).refresh(refresh)
    except OAuthError as exc:
        raise Unauthorized(f"{provider} token refresh failed", code="oauth_refresh_failed") from exc
    expires = ctx.clock() + tokens.expires_in if tokens.expires_in else None
    return await ctx.store.oauth.link(msgspec.structs.replace(
        account, access_token_enc=ctx.vault.encrypt(tokens.access_token),
        refresh_token_enc=ctx.vault.encrypt(tokens.refresh_token) if tokens.refresh_token
        else account.refresh_token_enc, expires_at=expires))


class ProviderTokens(msgspec.Struct, frozen=True):
    """A linked provider account with its tokens decrypted: for its own user's eyes only.

    `secret` is the refresh token of OAuth2 links, the token secret of OAuth 1.0a links.
    """

    provider: str
    subject: str
    access_token: str | None
    secret: str | None


async def link_client_tokens(ctx: Context, principal: Principal, provider: str,
                             subject: str | None, token: str | None = None,
                             secret: str | None = None) -> None:
    """Link a provider account whose tokens the client obtained itself (Openwhyd's Twitter
    twId/twTok/twSec, OAuth 1.0a), stored encrypted; an empty `subject` unlinks.

    Such tokens cannot be checked here, so the provider is not called; an account already
    linked to another user is refused (Conflict `oauth_linked_elsewhere`).
    """
    user_id = principal.user.id
    if not subject:
        await ctx.store.oauth.unlink(user_id, provider)
        return
    linked = await ctx.store.oauth.get_account(provider, subject)
    if linked is not None and linked.user_id != user_id:
        raise Conflict(f"This {provider} account is linked to another user",
                       code="oauth_linked_elsewhere")
    await ctx.store.oauth.link(OAuthAccount(
        id=0, user_id=user_id, provider=provider, subject=subject,
        access_token_enc=ctx.vault.encrypt(token), refresh_token_enc=ctx.vault.encrypt(secret)))


async def linked_accounts(ctx: Context, principal: Principal) -> list[ProviderTokens]:
    """The signed-in user's provider links, tokens decrypted (never show them to others)."""
    return [ProviderTokens(provider=a.provider, subject=a.subject,
                           access_token=ctx.vault.decrypt(a.access_token_enc),
                           secret=ctx.vault.decrypt(a.refresh_token_enc))
            for a in await ctx.store.oauth.user_accounts(principal.user.id)]
