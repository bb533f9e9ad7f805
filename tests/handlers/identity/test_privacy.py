"""Accounts past their deletion grace period are erased (erase_due_accounts, which the periodic
actor runs)."""

from __future__ import annotations

import asyncio

from handlers.identity.auth import Principal
from handlers.identity.privacy import erase_due_accounts, request_deletion
from tests.conftest import STRONG_PASSWORD, ctx_of


async def test_soft_deleted_account_is_erased_after_the_grace_period(client):
    await client.post("/api/register", json={
        "username": "old", "email": "old@example.com", "password": STRONG_PASSWORD})
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username("old")
    await request_deletion(ctx, Principal(user=user, session_id="-"), "soft", None)
    assert await erase_due_accounts(ctx) == 0  # still inside the grace period
    real_clock = ctx.clock
    ctx.clock = lambda: real_clock() + (ctx.config.deletion_grace_days + 1) * 86400
    assert await erase_due_accounts(ctx) == 1
    erased = await ctx.store.users.get(user.id)
    assert erased.state == "deleted" and erased.email is None and erased.username is None
    await asyncio.sleep(0)
