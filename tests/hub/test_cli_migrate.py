"""`chorus migrate` on the configured store (SQLite, or PostgreSQL when CHORUS_TEST_STORE
says so): every migration of that engine applied once, and no password printed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main, shown_url
from store import open_store
from store.postgres.db import migrations as postgres_migrations
from store.sqlite.db import migrations as sqlite_migrations
from tests.conftest import TEST_STORE, store_url_for


async def applied_numbers(url: str) -> tuple[str, list[int]]:
    """(engine, numbers recorded in schema_version) of the store at `url`."""
    store: Any = open_store(url)
    await store.open()
    try:
        rows = await store.db.fetch_all("SELECT number FROM schema_version ORDER BY number")
        return store.db.dialect.name, [int(row[0]) for row in rows]
    finally:
        await store.close()


def test_migrate_applies_every_migration_of_the_stores_engine(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hub.cli.setup_logging", lambda level: None)  # keep pytest's logging
    url = store_url_for(tmp_path / "data")
    argv = ["migrate", "--data-dir", str(tmp_path / "data"), "--store", url]
    assert main(argv) == 0 and main(argv) == 0  # the second run finds nothing to do
    assert "is up to date" in capsys.readouterr().out
    engine, numbers = asyncio.run(applied_numbers(url))
    assert engine == ("postgresql" if TEST_STORE else "sqlite")
    shipped = postgres_migrations() if engine == "postgresql" else sqlite_migrations()
    assert numbers == [number for number, _, _ in shipped]


def test_store_and_broker_passwords_are_never_printed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shown_url("postgresql://chorus:s3cret@db:5432/chorus?schema=a") == \
        "postgresql://chorus:***@db:5432/chorus?schema=a"
    assert shown_url("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    for plain in ("postgresql://postgres@127.0.0.1/test", "sqlite:///data/chorus.db", "0.0.0.0"):
        assert shown_url(plain) == plain
    monkeypatch.setattr("hub.cli.setup_logging", lambda level: None)
    monkeypatch.setenv("CHORUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHORUS_STORE", "postgresql://chorus:s3cret@db/chorus")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "CHORUS_STORE=postgresql://chorus:***@db/chorus" in out and "s3cret" not in out
