"""One OAuth2 authorization-code client for Spotify, Google, GitHub and Facebook."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import msgspec

__all__ = ["OAuthClient", "OAuthError", "OAuthIdentity", "OAuthProviderConfig", "OAuthTokens"]

MAX_RETRIES = 2
MAX_RETRY_WAIT = 5.0
FACEBOOK_FIELDS = "id,name,email,picture"
# Providers whose token endpoint takes the client secret as HTTP Basic (client_secret_basic);
# the others take it in the form body (client_secret_post). RFC 6749 §2.3.1: one method per request.
BASIC_AUTH_PROVIDERS = frozenset({"spotify", "google"})


class OAuthProviderConfig(msgspec.Struct, frozen=True):
    """Endpoints and credentials of one OAuth2 provider (Spotify, Google, GitHub, Facebook)."""

    name: str
    client_id: str = ""
    client_secret: str = ""
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    scope: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)


class OAuthIdentity(msgspec.Struct):
    """Who the provider says the user is, mapped to Chorus's fields; `raw` keeps the answer."""

    provider: str
    subject: str
    email: str | None
    name: str
    avatar_url: str
    raw: dict[str, Any]


class OAuthTokens(msgspec.Struct):
    """A token endpoint's answer."""

    access_token: str
    refresh_token: str | None
    expires_in: int | None
    token_type: str
    scope: str | None


class OAuthError(Exception):
    """The provider refused or could not be reached; `status` is its HTTP status, 0 if none."""

    def __init__(self, message: str, status: int = 0, error: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error


class OAuthClient:
    """Authorization URL, code exchange, refresh and identity for one configured provider."""

    def __init__(self, config: OAuthProviderConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http

    @property
    def provider(self) -> str:
        return self.config.name

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        """The provider's consent page URL for the authorization-code flow."""
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        if self.config.scope:
            params["scope"] = self.config.scope
        separator = "&" if "?" in self.config.authorize_url else "?"
        return f"{self.config.authorize_url}{separator}{urlencode(params)}"

    async def exchange_code(self, code: str, redirect_uri: str) -> OAuthTokens:
        """Trade an authorization code for tokens."""
        return await self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )

    async def refresh(self, refresh_token: str) -> OAuthTokens:
        """New tokens from a refresh token; keeps `refresh_token` when the provider sends none."""
        tokens = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        if tokens.refresh_token is None:
            tokens.refresh_token = refresh_token
        return tokens

    async def fetch_identity(self, access_token: str) -> OAuthIdentity:
        """The user behind `access_token`, from the provider's userinfo endpoint."""
        if self.provider == "facebook":
            return _facebook_identity(await self._graph_me(access_token))
        data = await self._get_json(self.config.userinfo_url, access_token)
        if not isinstance(data, dict):
            raise OAuthError("userinfo answer is not an object", 200, "invalid_response")
        if self.provider == "spotify":
            return _spotify_identity(data)
        if self.provider == "google":
            return _google_identity(data)
        if self.provider == "github":
            identity = _github_identity(data)
            if identity.email is None:
                identity.email = await self._github_primary_email(access_token)
            return identity
        return _generic_identity(self.provider, data)

    async def check_facebook_token(self, fb_uid: str, access_token: str) -> OAuthIdentity:
        """Verify a client-side Facebook login: the token must be valid and belong to `fb_uid`."""
        identity = _facebook_identity(await self._graph_me(access_token))
        if identity.subject != str(fb_uid):
            raise OAuthError("facebook token belongs to another user", 200, "uid_mismatch")
        return identity

    async def _token_request(self, form: dict[str, str]) -> OAuthTokens:
        form = {**form, "client_id": self.config.client_id}
        headers = {"Accept": "application/json"}
        if self.provider in BASIC_AUTH_PROVIDERS:
            headers["Authorization"] = _basic(self.config.client_id, self.config.client_secret)
        else:
            form["client_secret"] = self.config.client_secret
        response = await self._send("POST", self.config.token_url, data=form, headers=headers)
        data = _parse_body(response)
        _raise_for_error(response, data)
        return _tokens(data)

    async def _graph_me(self, access_token: str) -> dict[str, Any]:
        params = {"fields": FACEBOOK_FIELDS, "access_token": access_token}
        response = await self._send("GET", self.config.userinfo_url, params=params)
        data = _parse_body(response)
        _raise_for_error(response, data)
        if not isinstance(data, dict) or "id" not in data:
            raise OAuthError("graph answer has no id", response.status_code, "invalid_response")
        return data

    async def _github_primary_email(self, access_token: str) -> str | None:
        url = self.config.userinfo_url.rstrip("/") + "/emails"
        try:
            emails = await self._get_json(url, access_token)
        except OAuthError:
            return None  # token lacks user:email; the identity is still usable without one
        if not isinstance(emails, list):
            return None
        for entry in emails:
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified"):
                return entry.get("email") or None
        return None

    async def _get_json(self, url: str, access_token: str) -> Any:
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        response = await self._send("GET", url, headers=headers)
        data = _parse_body(response)
        _raise_for_error(response, data)
        return data

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, retried up to MAX_RETRIES times on 429/5xx honouring Retry-After."""
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = await self.http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                raise OAuthError(f"{self.provider} unreachable: {exc!r}", 0, "network") from exc
            retryable = response.status_code == 429 or response.status_code >= 500
            if not retryable or attempt == MAX_RETRIES:
                return response
            await asyncio.sleep(_retry_wait(response, attempt))
        raise AssertionError("unreachable")


def _basic(client_id: str, client_secret: str) -> str:
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _retry_wait(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before retrying: Retry-After (seconds or HTTP date), capped."""
    header = response.headers.get("Retry-After")
    wait = 0.5 * 2**attempt
    if header:
        header = header.strip()
        if header.isdigit():
            wait = float(header)
        else:
            try:
                wait = email.utils.parsedate_to_datetime(header).timestamp() - time.time()
            except (TypeError, ValueError):
                pass
    return max(0.0, min(wait, MAX_RETRY_WAIT))


def _parse_body(response: httpx.Response) -> Any:
    """JSON, or a form-encoded body (old GitHub/Facebook token answers); {} when empty."""
    content = response.content
    if not content:
        return {}
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        pass
    if "application/x-www-form-urlencoded" in response.headers.get("Content-Type", ""):
        return dict(parse_qsl(response.text))
    raise OAuthError(
        f"unreadable answer from provider (HTTP {response.status_code})",
        response.status_code,
        "invalid_response",
    )


def _raise_for_error(response: httpx.Response, data: Any) -> None:
    """OAuthError for a non-2xx status or an {"error": ...} body (GitHub answers 200 with one)."""
    status = response.status_code
    error = data.get("error") if isinstance(data, dict) else None
    if 200 <= status < 300 and not error:
        return
    code: str | None = None
    message = f"provider answered HTTP {status}"
    if isinstance(error, dict):  # Graph / Spotify API style
        code = str(error.get("type") or error.get("status") or "error")
        message = str(error.get("message") or message)
    elif isinstance(error, str):  # RFC 6749 style
        code = error
        message = str(data.get("error_description") or error)
    elif isinstance(data, dict) and data.get("message"):  # GitHub API style
        message = str(data["message"])
    raise OAuthError(message, status, code)


def _tokens(data: Any) -> OAuthTokens:
    if not isinstance(data, dict) or not data.get("access_token"):
        raise OAuthError("token answer has no access_token", 200, "invalid_response")
    expires_in = data.get("expires_in")
    scope = data.get("scope")
    return OAuthTokens(
        access_token=str(data["access_token"]),
        refresh_token=data.get("refresh_token") or None,
        expires_in=int(expires_in) if expires_in not in (None, "") else None,
        token_type=str(data.get("token_type") or "Bearer"),
        scope=str(scope) if scope is not None else None,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _spotify_identity(data: dict[str, Any]) -> OAuthIdentity:
    images = data.get("images") or []
    avatar = images[0].get("url") if images and isinstance(images[0], dict) else None
    return OAuthIdentity(
        provider="spotify",
        subject=_text(data.get("id")),
        email=data.get("email") or None,
        name=_text(data.get("display_name") or data.get("id")),
        avatar_url=_text(avatar),
        raw=data,
    )


def _google_identity(data: dict[str, Any]) -> OAuthIdentity:
    verified = data.get("email_verified", True)
    return OAuthIdentity(
        provider="google",
        subject=_text(data.get("sub")),
        email=(data.get("email") or None) if verified else None,
        name=_text(data.get("name")),
        avatar_url=_text(data.get("picture")),
        raw=data,
    )


def _github_identity(data: dict[str, Any]) -> OAuthIdentity:
    return OAuthIdentity(
        provider="github",
        subject=_text(data.get("id")),
        email=data.get("email") or None,
        name=_text(data.get("name") or data.get("login")),
        avatar_url=_text(data.get("avatar_url")),
        raw=data,
    )


def _facebook_identity(data: dict[str, Any]) -> OAuthIdentity:
    picture = data.get("picture")
    avatar = None
    if isinstance(picture, dict) and isinstance(picture.get("data"), dict):
        avatar = picture["data"].get("url")
    return OAuthIdentity(
        provider="facebook",
        subject=_text(data.get("id")),
        email=data.get("email") or None,
        name=_text(data.get("name")),
        avatar_url=_text(avatar),
        raw=data,
    )


def _generic_identity(provider: str, data: dict[str, Any]) -> OAuthIdentity:
    return OAuthIdentity(
        provider=provider,
        subject=_text(data.get("sub") or data.get("id")),
        email=data.get("email") or None,
        name=_text(data.get("name")),
        avatar_url=_text(data.get("picture") or data.get("avatar_url")),
        raw=data,
    )
