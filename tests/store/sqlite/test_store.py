"""The SQLite store on a real file: migrations, transactions, concurrency, uniqueness."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from store import Duplicate
from store.records import UserPatch
from store.sqlite.db import migrations


async def test_migrations_are_numbered_and_applied_once(tmp_path, store):
    numbers = [n for n, _, _ in migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    assert await store.migrate() == []  # already applied at open
    rows = await store.db.fetch_all("SELECT number FROM schema_version ORDER BY number")
    assert [r[0] for r in rows] == numbers


@pytest.mark.sqlite_only
async def test_wal_and_foreign_keys_are_on(store):
    assert (await store.db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
    assert (await store.db.fetch_one("PRAGMA foreign_keys"))[0] == 1


async def test_duplicate_username_and_email_are_reported_by_column(store):
    await store.users.create(username="ann", email="ann@example.com", password_hash="x")
    with pytest.raises(Duplicate) as exc:
        await store.users.create(username="ANN", email="other@example.com")
    assert exc.value.column == "username"
    with pytest.raises(Duplicate) as exc:
        await store.users.create(username="bob", email="Ann@Example.com")
    assert exc.value.column == "email"
    assert await store.users.count() == 1


async def test_a_failed_transaction_changes_nothing(store):
    user = await store.users.create(username="cat", email="cat@example.com")
    with pytest.raises(RuntimeError):
        async with store.db.write() as conn:
            await conn.execute("UPDATE users SET name = 'changed' WHERE id = ?", (user.id,))
            raise RuntimeError("crash in the middle")
    assert (await store.users.get(user.id)).name == ""


async def test_reads_are_not_serialised_behind_a_write(store):
    user = await store.users.create(username="dan", email="dan@example.com")
    async with store.db.write() as conn:
        await conn.execute("UPDATE users SET name = 'in flight' WHERE id = ?", (user.id,))
        # a reader sees the last committed state while the write transaction is open
        seen = await asyncio.wait_for(store.users.get(user.id), timeout=2)
        assert seen.name == ""
    assert (await store.users.get(user.id)).name == "in flight"


async def test_reset_token_is_single_use_and_revoking_ends_only_the_unused_ones(store):
    from store.records import ResetToken

    user = await store.users.create(username="eve", email="eve@example.com")
    for token_hash in ("t", "older"):
        await store.tokens.create_reset(ResetToken(token_hash=token_hash, user_id=user.id,
                                                   created_at=0, expires_at=9e12))
    assert await store.tokens.take_reset("t") is True
    assert await store.tokens.take_reset("t") is False
    await store.tokens.revoke_resets(user.id)
    assert (await store.tokens.get_reset("t")).used_at is not None
    assert await store.tokens.get_reset("older") is None
    assert await store.tokens.take_reset("older") is False


async def test_erase_removes_personal_data_and_linked_rows(store):
    user = await store.users.create(username="fay", email="fay@example.com", name="Fay",
                                    password_hash="x")
    await store.consents.add(user.id, "privacy_policy", "1", "127.0.0.1")
    await store.users.erase(user.id, {"username": None, "email": None, "password_hash": None,
                                      "name": "Deleted user", "state": "deleted"})
    erased = await store.users.get(user.id)
    assert erased.username is None and erased.email is None and erased.name == "Deleted user"
    assert await store.consents.list(user.id) == []


async def test_update_with_empty_patch_changes_nothing(store):
    user = await store.users.create(username="gus", email="gus@example.com")
    again = await store.users.update(user.id, UserPatch())
    assert again.updated_at == user.updated_at


async def test_integrity_errors_other_than_uniqueness_propagate(store):
    with pytest.raises(sqlite3.IntegrityError):
        await store.users.create(username="hal", role="superuser")
