"""A fake OAuth2 provider (Spotify, Google, GitHub or Facebook wire format) served by aiohttp."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import msgspec
from aiohttp import web
from yarl import URL

from hub.config import OAUTH_PROVIDERS, OAuthProviderConfig

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "FakeProvider",
    "FakeUser",
    "PROVIDER",
    "add_user",
    "fail_next",
    "make_oauth_provider_app",
    "provider_config",
]

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeUser(msgspec.Struct, kw_only=True):
    """One account at the fake provider."""

    subject: str
    email: str | None
    name: str
    avatar_url: str = ""
    public_email: bool = True


class IssuedCode(msgspec.Struct, kw_only=True):
    """An authorization code waiting to be exchanged."""

    subject: str
    redirect_uri: str
    scope: str


class FakeProvider(msgspec.Struct, kw_only=True):
    """Mutable state of one fake provider: users, codes, tokens, forced failures, calls seen."""

    name: str
    users: dict[str, FakeUser] = msgspec.field(default_factory=dict)
    current: str | None = None
    codes: dict[str, IssuedCode] = msgspec.field(default_factory=dict)
    access_tokens: dict[str, str] = msgspec.field(default_factory=dict)
    refresh_tokens: dict[str, str] = msgspec.field(default_factory=dict)
    failures: list[tuple[int, str | None]] = msgspec.field(default_factory=list)
    calls: list[str] = msgspec.field(default_factory=list)

    def issue_tokens(self, subject: str) -> tuple[str, str]:
        """A fresh access/refresh token pair for `subject`."""
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access_tokens[access] = subject
        self.refresh_tokens[refresh] = subject
        return access, refresh


PROVIDER: web.AppKey[FakeProvider] = web.AppKey("oauth_fake_provider", FakeProvider)


def add_user(
    app: web.Application,
    *,
    subject: str,
    email: str | None = None,
    name: str = "",
    avatar_url: str = "",
    public_email: bool = True,
) -> str:
    """Register a user, make them the one /authorize logs in, and return an access token."""
    state = app[PROVIDER]
    state.users[subject] = FakeUser(
        subject=subject, email=email, name=name or subject, avatar_url=avatar_url,
        public_email=public_email,
    )
    state.current = subject
    return state.issue_tokens(subject)[0]


def fail_next(app: web.Application, status: int = 429, retry_after: str | None = "0",
              times: int = 1) -> None:
    """Answer the next `times` requests with `status` (and Retry-After) before any handler."""
    app[PROVIDER].failures.extend([(status, retry_after)] * times)


def provider_config(server_url: str | URL, provider: str) -> OAuthProviderConfig:
    """An OAuthProviderConfig whose endpoints point at a fake served at `server_url`."""
    base = str(server_url).rstrip("/")
    userinfo = f"{base}/me" if provider == "facebook" else f"{base}/userinfo"
    return OAuthProviderConfig(
        name=provider,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorize_url=f"{base}/authorize",
        token_url=f"{base}/token",
        userinfo_url=userinfo,
        scope=OAUTH_PROVIDERS.get(provider, {}).get("scope", ""),
    )


def make_oauth_provider_app(provider: str) -> web.Application:
    """The fake provider app: /authorize, /token, /userinfo (+ /emails for GitHub, /me for FB)."""
    if provider not in OAUTH_PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}")
    app = web.Application(middlewares=[_record_and_fail])
    app[PROVIDER] = FakeProvider(name=provider)
    app.router.add_get("/authorize", _authorize)
    app.router.add_post("/token", _token)
    if provider == "facebook":
        app.router.add_get("/me", _graph_me)
        app.router.add_get("/userinfo", _graph_me)
    else:
        app.router.add_get("/userinfo", _userinfo)
    if provider == "github":
        app.router.add_get("/userinfo/emails", _github_emails)
    return app


@web.middleware
async def _record_and_fail(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[PROVIDER]
    state.calls.append(request.path)
    if state.failures:
        status, retry_after = state.failures.pop(0)
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return web.json_response({"error": "temporarily_unavailable"}, status=status,
                                 headers=headers)
    return await handler(request)


async def _authorize(request: web.Request) -> web.Response:
    """The consent page, already approved: 302 to redirect_uri with a code and the state."""
    state = request.app[PROVIDER]
    query = request.query
    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
        return web.Response(status=400, text="invalid client_id or response_type")
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri:
        return web.Response(status=400, text="redirect_uri missing")
    subject = query.get("login_hint") or state.current
    if subject is None or subject not in state.users:
        return web.Response(status=400, text="no user is signed in at the fake provider")
    code = secrets.token_urlsafe(12)
    state.codes[code] = IssuedCode(subject=subject, redirect_uri=redirect_uri,
                                   scope=query.get("scope", ""))
    params = {"code": code}
    if "state" in query:
        params["state"] = query["state"]
    separator = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{separator}{urlencode(params)}")


async def _token(request: web.Request) -> web.Response:
    """Token endpoint: authorization_code and refresh_token grants, client auth Basic or form."""
    state = request.app[PROVIDER]
    form = await request.post()
    if not _client_ok(request, form):
        return _token_error(state.name, "invalid_client", 401)
    grant = form.get("grant_type")
    if grant == "authorization_code":
        issued = state.codes.pop(str(form.get("code", "")), None)
        if issued is None or issued.redirect_uri != form.get("redirect_uri"):
            return _token_error(state.name, "invalid_grant", 400)
        subject, scope = issued.subject, issued.scope
    elif grant == "refresh_token" and state.name != "facebook":
        subject = state.refresh_tokens.pop(str(form.get("refresh_token", "")), "")
        if not subject:
            return _token_error(state.name, "invalid_grant", 400)
        scope = OAUTH_PROVIDERS[state.name]["scope"]
    else:
        return _token_error(state.name, "unsupported_grant_type", 400)
    access, refresh = state.issue_tokens(subject)
    return web.json_response(_token_body(state.name, access, refresh, scope, grant))


def _client_ok(request: web.Request, form: Any) -> bool:
    header = request.headers.get("Authorization", "")
    checks: list[tuple[str, str]] = []
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        checks.append((client_id, secret))
    if "client_secret" in form:
        checks.append((str(form.get("client_id", "")), str(form["client_secret"])))
    if "client_id" in form and form["client_id"] != CLIENT_ID:
        return False
    return bool(checks) and all(pair == (CLIENT_ID, CLIENT_SECRET) for pair in checks)


def _token_body(provider: str, access: str, refresh: str, scope: str,
                grant: Any) -> dict[str, Any]:
    if provider == "facebook":
        return {"access_token": access, "token_type": "bearer", "expires_in": 5183944}
    body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                            "refresh_token": refresh, "scope": scope}
    if provider == "github":
        body["token_type"] = "bearer"
        body["scope"] = scope.replace(" ", ",")
    if provider == "google" and grant == "refresh_token":
        del body["refresh_token"]  # Google keeps the original refresh token valid
    return body


def _token_error(provider: str, error: str, status: int) -> web.Response:
    if provider == "github":  # GitHub answers token errors with 200 and an error body
        error = "bad_verification_code" if error == "invalid_grant" else error
        return web.json_response({"error": error, "error_description": f"{error} (fake)"})
    if provider == "facebook":
        return _graph_error(f"{error} (fake)", 100, status)
    return web.json_response({"error": error, "error_description": f"{error} (fake)"},
                             status=status)


def _bearer_user(request: web.Request) -> FakeUser | None:
    state = request.app[PROVIDER]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() not in ("bearer", "token"):
        return None
    subject = state.access_tokens.get(token.strip())
    return state.users.get(subject) if subject else None


def _unauthorized(provider: str) -> web.Response:
    if provider == "spotify":
        body: dict[str, Any] = {"error": {"status": 401, "message": "Invalid access token"}}
    elif provider == "github":
        body = {"message": "Bad credentials",
                "documentation_url": "https://docs.github.com/rest"}
    else:
        body = {"error": "invalid_token", "error_description": "Invalid Credentials"}
    return web.json_response(body, status=401,
                             headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


async def _userinfo(request: web.Request) -> web.Response:
    """Spotify /v1/me, Google OIDC userinfo or GitHub /user, by provider."""
    provider = request.app[PROVIDER].name
    user = _bearer_user(request)
    if user is None:
        return _unauthorized(provider)
    if provider == "spotify":
        images = [{"url": user.avatar_url, "height": 300, "width": 300}] if user.avatar_url else []
        return web.json_response({
            "id": user.subject, "display_name": user.name, "email": user.email,
            "images": images, "product": "premium", "country": "FR", "type": "user",
            "uri": f"spotify:user:{user.subject}",
        })
    if provider == "google":
        return web.json_response({
            "sub": user.subject, "name": user.name, "given_name": user.name.split(" ")[0],
            "picture": user.avatar_url, "email": user.email,
            "email_verified": user.email is not None,
        })
    return web.json_response({
        "id": int(user.subject) if user.subject.isdigit() else user.subject,
        "login": user.name.lower().replace(" ", "-"), "name": user.name,
        "email": user.email if user.public_email else None,
        "avatar_url": user.avatar_url, "type": "User",
    })


async def _github_emails(request: web.Request) -> web.Response:
    """GitHub /user/emails: a secondary unverified address, then the primary one."""
    user = _bearer_user(request)
    if user is None:
        return _unauthorized("github")
    emails: list[dict[str, Any]] = [{"email": f"old-{user.subject}@example.org",
                                     "primary": False, "verified": False, "visibility": None}]
    if user.email:
        emails.append({"email": user.email, "primary": True, "verified": True,
                       "visibility": "private"})
    return web.json_response(emails)


def _graph_error(message: str, code: int, status: int = 400) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "OAuthException",
                                        "code": code, "fbtrace_id": "FAKE"}}, status=status)


async def _graph_me(request: web.Request) -> web.Response:
    """Graph API /me: access_token in the query (or Bearer), only the requested fields."""
    state = request.app[PROVIDER]
    token = request.query.get("access_token", "")
    if not token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
    subject = state.access_tokens.get(token)
    user = state.users.get(subject) if subject else None
    if user is None:
        return _graph_error("Invalid OAuth access token - Cannot parse access token", 190)
    fields = request.query.get("fields", "id,name").split(",")
    full: dict[str, Any] = {"id": user.subject, "name": user.name, "email": user.email,
                            "picture": {"data": {"url": user.avatar_url, "is_silhouette": False}}}
    return web.json_response({f: full[f] for f in fields if f in full and full[f] is not None})
