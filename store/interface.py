"""The Store protocol: what handlers/ and workers/ may ask of persistence.

A backend (store/sqlite now, store/postgres later) implements every repository below. Tokens and
secrets arrive already hashed or encrypted; the store never derives or checks them.
"""

from __future__ import annotations

from typing import Any, Protocol

from store.records import (
    Consent,
    NowPlaying,
    OAuthAccount,
    OAuthState,
    OutboxMail,
    RefreshToken,
    ResetToken,
    Session,
    User,
    UserPatch,
)

__all__ = ["Store", "UserRepo", "TokenRepo", "OAuthRepo", "OutboxRepo", "ConsentRepo",
           "SettingsRepo", "ListeningRepo"]


class UserRepo(Protocol):
    async def create(self, **fields: Any) -> User:
        """Insert a user. Raises store.Duplicate naming the column when username/email is taken."""
    async def get(self, user_id: int) -> User | None: ...
    async def by_username(self, username: str) -> User | None: ...
    async def by_email(self, email: str) -> User | None: ...
    async def by_login(self, login: str) -> User | None:
        """The user whose username or email equals `login`, case-insensitively."""
    async def update(self, user_id: int, patch: UserPatch) -> User | None:
        """Apply the set fields of `patch`. Raises store.Duplicate on a taken username/email."""
    async def delete(self, user_id: int) -> bool: ...
    async def list(self, *, offset: int = 0, limit: int = 100) -> list[User]: ...
    async def count(self) -> int: ...
    async def due_for_erasure(self, before: float) -> list[User]: ...
    async def erase(self, user_id: int, placeholder: dict[str, Any]) -> None:
        """Overwrite personal fields with `placeholder` and drop every linked row, atomically."""


class TokenRepo(Protocol):
    async def create_session(self, session: Session) -> None: ...
    async def create_session_with_refresh(self, session: Session, refresh: RefreshToken) -> None: ...
    async def get_session(self, session_id: str) -> Session | None: ...
    async def session_by_token(self, token_hash: str) -> Session | None: ...
    async def revoke_session(self, session_id: str) -> None: ...
    async def revoke_user_sessions(self, user_id: int, except_session: str | None = None) -> None: ...
    async def get_refresh(self, token_hash: str) -> RefreshToken | None: ...
    async def rotate_refresh(self, old_hash: str, new: RefreshToken) -> bool:
        """Atomically mark `old_hash` used and insert `new`; False if it was used or revoked."""
    async def revoke_family(self, family_id: str) -> None: ...
    async def create_reset(self, token: ResetToken) -> None: ...
    async def get_reset(self, token_hash: str) -> ResetToken | None: ...
    async def use_reset(self, token_hash: str, user_id: int, password_hash: str) -> bool:
        """Consume the token, set the password, revoke all sessions; False if used or expired."""


class OAuthRepo(Protocol):
    async def save_state(self, state: OAuthState) -> None: ...
    async def take_state(self, state: str) -> OAuthState | None: ...
    async def get_account(self, provider: str, subject: str) -> OAuthAccount | None: ...
    async def user_account(self, user_id: int, provider: str) -> OAuthAccount | None: ...
    async def user_accounts(self, user_id: int) -> list[OAuthAccount]: ...
    async def link(self, account: OAuthAccount) -> OAuthAccount:
        """Upsert the (provider, subject) link; the user's link to another account of the same
        provider is replaced in the same transaction."""
    async def unlink(self, user_id: int, provider: str) -> bool: ...


class OutboxRepo(Protocol):
    async def enqueue(self, to_addr: str, subject: str, body: str) -> int: ...
    async def due(self, now: float, limit: int = 20) -> list[OutboxMail]: ...
    async def get(self, mail_id: int) -> OutboxMail | None: ...
    async def list(self, to_addr: str | None = None) -> list[OutboxMail]: ...
    async def mark_sent(self, mail_id: int) -> None: ...
    async def mark_failed(self, mail_id: int, error: str, retry_at: float | None) -> None: ...


class ConsentRepo(Protocol):
    async def add(self, user_id: int, consent_type: str, consent_version: str,
                  ip_address: str | None) -> Consent: ...
    async def list(self, user_id: int) -> list[Consent]: ...


class SettingsRepo(Protocol):
    async def get(self, key: str) -> Any: ...
    async def set(self, key: str, value: Any) -> None: ...


class ListeningRepo(Protocol):
    async def add_now_playing(self, user_id: int, link: str, description: str,
                              latitude: float | None, longitude: float | None,
                              geohash: str | None) -> NowPlaying:
        """Record what the user plays now (ending the previous one), indexed by place."""
    async def clear_now_playing(self, user_id: int) -> NowPlaying | None: ...
    async def current(self, user_id: int) -> NowPlaying | None: ...
    async def in_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float,
                     since: float = 0.0) -> list[NowPlaying]:
        """Located updates inside the box, found through a spatial index."""
    async def for_user(self, user_id: int) -> list[NowPlaying]: ...


class Store(Protocol):
    """Persistence for all of Chorus; opened once per process by hub.app."""

    users: UserRepo
    tokens: TokenRepo
    oauth: OAuthRepo
    outbox: OutboxRepo
    consents: ConsentRepo
    settings: SettingsRepo
    listening: ListeningRepo

    async def open(self) -> None:
        """Connect and apply pending migrations."""
    async def close(self) -> None: ...
    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied."""
    async def ping(self) -> None:
        """Raise if the store cannot answer a trivial query (readiness check)."""
