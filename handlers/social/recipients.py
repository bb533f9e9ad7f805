"""Who a share goes to: Openwhyd's uidList, checked once for posts and playlists alike."""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import Invalid, NotFound

__all__ = ["MAX_RECIPIENTS", "check_recipients"]

MAX_RECIPIENTS = 100


async def check_recipients(ctx: Context, user_ids: list[int]) -> list[int]:
    """The distinct recipients, in order, each an existing visible account; else Invalid or
    NotFound (nothing is sent to anyone)."""
    recipients = list(dict.fromkeys(user_ids))
    if not recipients:
        raise Invalid("missing field: uidList", code="recipients_missing")
    if len(recipients) > MAX_RECIPIENTS:
        raise Invalid(f"at most {MAX_RECIPIENTS} users at once", code="too_many_recipients")
    for user_id in recipients:
        user = await ctx.store.users.get(user_id)
        if user is None or user.state in ("deleted", "disabled"):
            raise NotFound(f"user not found: {user_id}", code="unknown_recipient")
    return recipients
