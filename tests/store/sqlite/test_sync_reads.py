"""The store reads the Spotify syncs and the sync-jobs listing need: the users linked to a
provider, and jobs filtered by top-level payload fields."""

from __future__ import annotations

from store.records import OAuthAccount
from store.sqlite.store import SqliteStore


async def test_linked_users_are_those_with_that_providers_account(store: SqliteStore) -> None:
    ids = [(await store.users.create(username=n, email=f"{n}@example.com")).id
           for n in ("ada", "bob", "carol")]
    for user_id, provider in ((ids[2], "spotify"), (ids[0], "spotify"), (ids[1], "google")):
        await store.oauth.link(OAuthAccount(id=0, user_id=user_id, provider=provider,
                                            subject=f"{provider}-{user_id}"))
    assert await store.oauth.linked_users("spotify") == [ids[0], ids[2]]
    assert await store.oauth.linked_users("deezer") == []


async def test_jobs_filter_on_payload_fields(store: SqliteStore) -> None:
    first = await store.jobs.submit("sync", {"user_id": 1, "initial": True})
    later = await store.jobs.submit("sync", {"user_id": 1, "initial": False})
    initial = await store.jobs.list(kinds=["sync"], payload={"initial": True})
    assert ([j.id for j in initial.jobs], initial.total) == ([first.job.id], 1)
    periodic = await store.jobs.list(payload={"initial": False, "user_id": 1})
    assert [j.id for j in periodic.jobs] == [later.job.id]
    assert (await store.jobs.list(payload={"user_id": 2})).total == 0
