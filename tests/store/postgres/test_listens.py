"""Listens on PostgreSQL, where batches are written by concurrent transactions (SQLite has one
writer): every play is stored and rolled up once, whichever batch brought it first."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from store.postgres.store import PgStore
from store.records import NewListen

URL = os.environ.get("CHORUS_TEST_STORE", "") or "postgresql://postgres@127.0.0.1/test"
T0 = datetime(2025, 3, 3, tzinfo=UTC).timestamp()


@pytest.fixture
async def pg_store() -> AsyncIterator[PgStore]:
    """A PostgreSQL store on a schema of its own, dropped after the test."""
    joiner = "&" if "?" in URL else "?"
    store = PgStore(f"{URL}{joiner}schema=t_listens_{secrets.token_hex(6)}&pool=8")
    try:
        await store.open()
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL unreachable at {URL}: {exc}")
    try:
        yield store
    finally:
        await store.close()
        await store.drop()


async def test_concurrent_overlapping_batches_store_and_count_each_play_once(
        pg_store: PgStore) -> None:
    store = pg_store
    users = [(await store.users.create(username=n, email=f"{n}@example.com")).id
             for n in ("ada", "bob")]
    tracks = [await store.catalog.upsert("spotify", "track", f"t{i}", url=f"u:{i}",
                                         eid=f"/sp/t{i}", name=f"Track {i}",
                                         artist_names=[f"Artist {i % 3}"], genres=["rock"])
              for i in range(5)]
    plays = [NewListen(user_id=users[i % 2], played_at=T0 + i * 1800.0, ms_played=60_000,
                       track_id=tracks[i % 5].id, source="manual") for i in range(300)]
    rng = random.Random(7)
    # six batches, each a shuffled sample: most plays come in two or three of them
    batches = [rng.sample(plays, 120) for _ in range(6)]
    added = await asyncio.gather(*(store.listens.add_many(b, "2025-01-01") for b in batches))
    sent = {(x.user_id, x.played_at, x.track_id) for b in batches for x in b}
    assert sum(added) == len(sent)
    for user in users:
        mine = [x for x in plays if x.user_id == user
                and (x.user_id, x.played_at, x.track_id) in sent]
        assert await store.listens.count(user) == len(mine)
        assert await store.listens.totals(user) == (len(mine), 60_000 * len(mine))
        days = Counter(datetime.fromtimestamp(x.played_at, UTC).strftime("%Y-%m-%d")
                       for x in mine)
        assert {d.day: d.plays for d in await store.listens.days(user)} == dict(days)
        top, total = await store.listens.top(user, "track", limit=10)
        assert {int(c.key): c.plays for c in top} == dict(Counter(x.track_id for x in mine))
        assert total == len({x.track_id for x in mine})
        recent, _ = await store.listens.top(user, "track", "2025-03-01", limit=10)
        assert recent == top
