"""`chorus migrate --from sqlite:///... --to postgresql://...` (store/copy.py): every row of an
embedded store lands in an empty PostgreSQL store, ids and order kept, counts checked."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.migrate_cli import run_copy
from store import open_store
from store.copy import CopyRefused, copy_store
from store.postgres.store import PgStore
from store.sqlite.store import SqliteStore
from tests.store.postgres.pg_service import fresh_schema


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async for url in fresh_schema():
        yield url


async def _embedded(path: Path) -> SqliteStore:
    """A SQLite store with users, follows, a catalog item, posts with tags and a job tree."""
    store = SqliteStore(path)
    await store.open()
    ann = await store.users.create(username="ann", email="ann@example.com", password_hash="x")
    bob = await store.users.create(username="bob", email="bob@example.com", password_hash="y")
    await store.follows.follow(bob.id, ann.id)
    await store.catalog.upsert("youtube", "track", "abc", url="https://youtu.be/abc",
                               eid="/yt/abc", name="Song", artist_names=["Band"])
    parent = (await store.jobs.submit("download", {"name": "album"}, owner_id=ann.id)).job
    for n in range(3):
        await store.jobs.submit("download", {"n": n}, owner_id=ann.id, parent_id=parent.id)
    await store.listening.add_now_playing(ann.id, "https://youtu.be/abc", "now", 48.85, 2.35,
                                          "u09tvw")
    return store


async def test_every_table_is_copied_with_its_ids_and_counts_match(tmp_path: Path,
                                                                   pg_url: str) -> None:
    source = await _embedded(tmp_path / "chorus.db")
    target = open_store(pg_url)
    assert isinstance(target, PgStore)
    await target.open()
    try:
        counts = await copy_store(source, target)
        by_table = {c.table: c for c in counts}
        assert all(c.matches for c in counts)
        assert by_table["users"].target == 2 and by_table["jobs"].target == 4
        assert by_table["follows"].target == 1 and by_table["now_playing"].target == 1
        # schema_version stays the target's own; SQLite's FTS5 and R*Tree tables are not rows
        assert "schema_version" not in by_table
        assert not [t for t in by_table if t.endswith(("_fts", "_geo")) or "_fts_" in t]

        ann = await target.users.by_login("ANN@example.com")
        src_ann = await source.users.by_login("ann")
        assert ann is not None and src_ann is not None and ann.id == src_ann.id
        assert await target.follows.follower_ids(ann.id) == await source.follows.follower_ids(
            ann.id)
        parent = (await target.jobs.list(roots_only=True)).jobs[0]
        children = await target.jobs.children(parent.id)
        assert [c.payload for c in children] == [{"n": 0}, {"n": 1}, {"n": 2}]
        # the identity sequences moved past the copied ids
        cat = await target.users.create(username="cat", email="cat@example.com")
        assert cat.id == max(ann.id, (await target.users.by_login("bob")).id) + 1
    finally:
        await target.close()
        await source.close()


async def test_a_target_with_rows_is_refused_and_left_as_it_was(tmp_path: Path,
                                                                 pg_url: str) -> None:
    source = await _embedded(tmp_path / "chorus.db")
    target = open_store(pg_url)
    assert isinstance(target, PgStore)
    await target.open()
    try:
        await target.users.create(username="zed", email="zed@example.com")
        with pytest.raises(CopyRefused, match="users has rows"):
            await copy_store(source, target)
        assert await target.users.count() == 1
        assert (await target.jobs.list()).total == 0
    finally:
        await target.close()
        await source.close()


async def test_the_command_prints_the_counts_per_table(tmp_path: Path, pg_url: str) -> None:
    source = await _embedded(tmp_path / "chorus.db")
    await source.close()
    out, err = io.StringIO(), io.StringIO()
    code = await run_copy(f"sqlite:///{tmp_path / 'chorus.db'}", pg_url, out=out, err=err)
    assert code == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["table", "sqlite", "postgresql"]
    assert any(line.split() == ["users", "2", "2"] for line in lines)
    assert lines[-1].startswith("copied ") and "MISMATCH" not in out.getvalue()
    # a second copy into the same store is refused, exit 1
    again = await run_copy(f"sqlite:///{tmp_path / 'chorus.db'}", pg_url, out=out, err=err)
    assert again == 1 and "not empty" in err.getvalue()
