"""Reading the password-reset mail in tests: the mail is queued by a job after the answer, so
these wait for it (tests.waiting.until) instead of reading the outbox at once."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from handlers.identity.reset import RESET_MAIL_KIND
from tests.conftest import ctx_of
from tests.waiting import until

__all__ = ["reset_jobs_settled", "reset_mails", "reset_token"]

TOKEN = re.compile(r"/reset-password\?token=([A-Za-z0-9_\-]+)")


async def reset_jobs_settled(client: TestClient) -> None:
    """Wait until every queued password-reset job has run (so an absent mail stays absent)."""

    async def settled() -> bool:
        page = await ctx_of(client).jobs.list(kinds=[RESET_MAIL_KIND], limit=1000)
        return all(not job.status.active for job in page.jobs)

    await until(settled, failure="a password-reset job is still queued or running")


async def reset_mails(client: TestClient, email: str | None = None) -> list[Any]:
    """The outbox (for `email`) once every reset job has run."""
    await reset_jobs_settled(client)
    return list(await ctx_of(client).store.outbox.list(email))


async def reset_token(client: TestClient, email: str, count: int = 1) -> str:
    """The token of the `count`-th reset mail to `email`, once it has arrived."""

    async def arrived() -> list[Any]:
        mails = await ctx_of(client).store.outbox.list(email)
        return mails if len(mails) >= count else []

    mails = await until(arrived, failure=f"no reset mail #{count} to {email}")
    match = TOKEN.search(mails[count - 1].body)
    assert match, "the reset mail has no link"
    return match.group(1)
