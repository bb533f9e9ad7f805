"""The one password policy (Sono's rules), reported by every dialect in its own shape."""

from __future__ import annotations

import re

from handlers.errors import FieldError, Invalid

__all__ = ["check_password_policy", "password_problems"]

RULES: tuple[tuple[str, str], ...] = (
    (r".{8,}", "Password must be at least 8 characters long"),
    (r"[A-Z]", "Password must contain at least one uppercase letter"),
    (r"[a-z]", "Password must contain at least one lowercase letter"),
    (r"[0-9]", "Password must contain at least one number"),
    (r"[^A-Za-z0-9]", "Password must contain at least one special character"),
)


def password_problems(password: str) -> list[str]:
    return [message for pattern, message in RULES if not re.search(pattern, password or "", re.S)]


def check_password_policy(password: str | None, *, field: str = "password") -> None:
    """Raise Invalid (code weak_password, one FieldError per broken rule) unless it passes."""
    problems = password_problems(password or "")
    if problems:
        raise Invalid(
            problems[0],
            code="weak_password",
            fields=[FieldError(loc=("body", field), msg=msg) for msg in problems],
        )
