"""The one password policy (Sono's rules), reported by every dialect in its own shape, and the
dialects' own documented rules that CHORUS_LEGACY_PASSWORD_RULES=1 restores.

A refusal always names the rule that failed: its message is that rule ("Password must be at
least 8 characters long", "Your password must be between 4 and 32 characters"), and the
policy's refusal lists every broken rule as a field error.
"""

from __future__ import annotations

import re

import msgspec

from handlers.context import Context
from handlers.errors import FieldError, Invalid

__all__ = ["check_password_policy", "check_password", "password_problems", "LegacyRule",
           "LEGACY_RULES"]

RULES: tuple[tuple[str, str], ...] = (
    (r".{8,}", "Password must be at least 8 characters long"),
    (r"[A-Z]", "Password must contain at least one uppercase letter"),
    (r"[a-z]", "Password must contain at least one lowercase letter"),
    (r"[0-9]", "Password must contain at least one number"),
    (r"[^A-Za-z0-9]", "Password must contain at least one special character"),
)


class LegacyRule(msgspec.Struct, frozen=True):
    """A dialect's documented password rule: a length range, and how the dialect words it."""

    min_length: int
    max_length: int | None
    message: str


# Each dialect's rule as its service documents or enforces it. Sono documents the policy
# itself, and EchoStats and ListenBrainz take no passwords, so they have none here.
LEGACY_RULES: dict[str, LegacyRule] = {
    # Openwhyd's register: "Your password must be between 4 and 32 characters"
    "openwhyd": LegacyRule(4, 32, "Your password must be between 4 and 32 characters"),
    # Spotizerr's web UI: at least 6 characters (its backend adds nothing)
    "spotizerr": LegacyRule(6, None, "Password must be at least 6 characters"),
    # Spot On documents no rule: any password that is not empty
    "spoton": LegacyRule(1, None, "Password is required"),
}


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


def _check_legacy(rule: LegacyRule, password: str, field: str) -> None:
    too_long = rule.max_length is not None and len(password) > rule.max_length
    if len(password) < rule.min_length or too_long:
        raise Invalid(rule.message, code="weak_password",
                      fields=[FieldError(loc=("body", field), msg=rule.message)])


def check_password(ctx: Context, password: str | None, *, field: str = "password",
                   dialect: str | None = None) -> None:
    """The policy, or, with CHORUS_LEGACY_PASSWORD_RULES=1, `dialect`'s own documented rule
    when it has one."""
    rule = LEGACY_RULES.get(dialect or "") if ctx.config.legacy_password_rules else None
    if rule is None:
        check_password_policy(password, field=field)
    else:
        _check_legacy(rule, password or "", field)
