"""Typed domain errors; each dialect renders them in its own shape (DESIGN §8).

Every error carries a stable `code` (what went wrong, for dialects that word it their own way)
and a default English `message`.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "DomainError",
    "FieldError",
    "NotFound",
    "Conflict",
    "Invalid",
    "Unauthorized",
    "Forbidden",
    "RateLimited",
    "Unavailable",
    "TooLarge",
    "Unsupported",
    "BadGateway",
    "Timeout",
]


class FieldError(msgspec.Struct, frozen=True):
    """One invalid input field: where (e.g. ("body", "password")) and why."""

    loc: tuple[str, ...]
    msg: str
    type: str = "value_error"


class DomainError(Exception):
    """Base of every error a domain operation raises on purpose."""

    status = 400
    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: list[FieldError] | None = None,
        retry_after: int | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or []
        self.retry_after = retry_after
        self.extra = extra or {}


class Invalid(DomainError):
    """The input is malformed or breaks a rule (400; Sono/EchoStats render fields as 422)."""

    status = 400
    default_code = "invalid"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Unauthorized(DomainError):
    status = 401
    default_code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"


class Unsupported(DomainError):
    status = 415
    default_code = "unsupported_media_type"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"


class BadGateway(DomainError):
    """An external service (OAuth provider, SMTP) failed."""

    status = 502
    default_code = "bad_gateway"


class Unavailable(DomainError):
    status = 503
    default_code = "unavailable"


class Timeout(DomainError):
    """The request took longer than its time budget."""

    status = 504
    default_code = "timeout"
