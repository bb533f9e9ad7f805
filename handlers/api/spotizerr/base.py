"""What every Spotizerr route shares: the dialect (error shape and wording), user rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from handlers.api._auth import signed_out_messages
from handlers.api.dialect import Dialect, json_response
from handlers.context import Context
from handlers.errors import DomainError
from handlers.identity import sso
from store.records import User

__all__ = ["SpotizerrDialect", "spotizerr", "SSO_PROVIDERS", "UserOut", "MessageOut", "iso",
           "user_out", "message"]

# The SSO providers Spotizerr knows (Chorus's Spotify and Facebook links are not shown here).
SSO_PROVIDERS = ("google", "github")
AUTH_REQUIRED = "Authentication required"
BAD_REQUEST = "Invalid request body"


class SpotizerrDialect(Dialect):
    """`{"error": message, "details": more, "detail": text}`; `details` names the failing
    fields, if any. `detail` is what the web UI shows (it reads FastAPI's `detail` string):
    the failing fields' messages, else the error."""

    name = "spotizerr"
    messages = {
        **signed_out_messages(AUTH_REQUIRED),
        "bad_credentials": "Invalid username or password",
        "validation": BAD_REQUEST,
        "body_missing": BAD_REQUEST,
        "bad_json": BAD_REQUEST,
        "self_delete": "Cannot delete your own account",
        "oauth_state_invalid": "SSO authentication failed",
        "sso_failed": "SSO authentication failed",
    }
    # Spotizerr answers an unconfigured SSO provider with 400, not 404.
    statuses = {"sso_not_configured": 400}

    def error_body(self, err: DomainError) -> Any:
        return {"error": self.message(err), "details": self.details(err),
                "detail": self.detail(err)}

    def detail(self, err: DomainError) -> str:
        if not err.fields:
            return self.message(err)
        return "; ".join(dict.fromkeys(f.msg if f.msg[:1].isupper() else
                                       f"{_field_name(f.loc)}: {f.msg}" for f in err.fields))

    def details(self, err: DomainError) -> str:
        if not err.fields:
            return err.message
        return "; ".join(f"{_field_name(f.loc)}: {f.msg}" for f in err.fields)


def _field_name(loc: tuple[str, ...]) -> str:
    return ".".join(loc[1:]) if len(loc) > 1 and loc[0] == "body" else ".".join(loc)


spotizerr = SpotizerrDialect()


class UserOut(msgspec.Struct):
    """A user as Spotizerr shows one (no password hash, no tokens)."""

    username: str
    email: str | None
    role: str
    created_at: str
    last_login: str | None
    sso_provider: str | None
    is_sso_user: bool


class MessageOut(msgspec.Struct):
    message: str


def iso(ts: float | None) -> str | None:
    """A Unix time as Spotizerr writes datetimes: naive UTC ISO-8601, `2024-01-01T00:00:00`."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


async def user_out(ctx: Context, user: User) -> UserOut:
    """Render a user; `sso_provider` is the oldest linked Google or GitHub account, if any.

    Spotizerr addresses users by username; accounts made elsewhere without one (e-mail only)
    show their e-mail there, which the admin routes accept too.
    """
    linked = [p for p in await sso.linked_providers(ctx, user.id) if p in SSO_PROVIDERS]
    provider = linked[0] if linked else None
    return UserOut(username=user.username or user.email or "", email=user.email,
                   role=user.role, created_at=iso(user.created_at) or "",
                   last_login=iso(user.last_login), sso_provider=provider,
                   is_sso_user=provider is not None)


def message(text: str, status: int = 200) -> Any:
    """Spotizerr's `{"message": ...}` answer."""
    return json_response(MessageOut(text), status=status)
