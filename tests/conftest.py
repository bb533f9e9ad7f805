"""Shared fixtures: the production app factory served on loopback, on a fresh SQLite file, or
on a fresh PostgreSQL schema when CHORUS_TEST_STORE=postgresql://... (the whole suite on
PostgreSQL with one variable)."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from handlers.api.keys import ctx_key
from hub.app import create_app
from hub.config import Config, load_config
from store import open_store

# Cheap argon2 for tests (configuration, not a code path): the default follows OWASP.
TEST_SETTINGS: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 256,
    "rate_limit": 0,
    "endpoint_rate_limits": False,
    # never reach the real oEmbed providers from tests: a closed local port, refused at once
    "oembed_url": "http://127.0.0.1:9/oembed",
    # nor LRCLIB: tests that want lyrics providers start a fake (tests/fakes/lyrics.py)
    "lrclib_url": "off",
}

STRONG_PASSWORD = "Sup3r-secret!"

# empty: every test's store is a SQLite file in its own folder; postgresql://...: a schema of
# that database per test folder, named after this run so parallel runs never meet
TEST_STORE = os.environ.get("CHORUS_TEST_STORE", "")
_RUN = secrets.token_hex(4)


def store_url_for(data_dir: Path) -> str:
    """The store of `data_dir` in this run: the same folder always reaches the same store, so
    a test can stop an app and start another on what it left."""
    if not TEST_STORE:
        return f"sqlite:///{data_dir / 'chorus.db'}"
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:12]
    joiner = "&" if "?" in TEST_STORE else "?"
    return f"{TEST_STORE}{joiner}schema=t{_RUN}_{digest}&pool=4"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip what only SQLite has when the suite runs on PostgreSQL."""
    if not TEST_STORE:
        return
    skip = pytest.mark.skip(reason="SQLite's own files or pragmas; CHORUS_TEST_STORE is set")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_schemas() -> Any:
    """Drop this run's PostgreSQL schemas when the run ends."""
    yield
    if TEST_STORE:
        import asyncio

        import asyncpg

        from store.postgres.db import split_url

        async def drop() -> None:
            conn = await asyncpg.connect(split_url(TEST_STORE)[0])
            try:
                names = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1",
                                         f"t{_RUN}\\_%")
                for (name,) in names:
                    await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
            finally:
                await conn.close()

        asyncio.run(drop())


def make_config(data_dir: Path, **overrides: Any) -> Config:
    values = {**TEST_SETTINGS, "data_dir": str(data_dir), "store": store_url_for(data_dir),
              **overrides}
    return load_config(env={k: v for k, v in os.environ.items() if k.startswith("CHORUS_OAUTH")},
                       **values)


@pytest.fixture
def make_client(aiohttp_client: Any, tmp_path: Path) -> Callable[..., Any]:
    """Start Chorus with config overrides; returns the TestClient."""
    counter = {"n": 0}

    async def start(**overrides: Any) -> TestClient:
        counter["n"] += 1
        data_dir = overrides.pop("data_dir", tmp_path / f"data{counter['n']}")
        app = await create_app(make_config(data_dir, **overrides))
        return await aiohttp_client(app)

    return start


@pytest.fixture
async def client(make_client: Callable[..., Any]) -> TestClient:
    return await make_client()


def ctx_of(client: TestClient) -> Any:
    return client.server.app[ctx_key]


async def stored_job(data_dir: Path, job_id: str) -> Any:
    """The job's row as a stopped process left it in `data_dir`'s store."""
    store = open_store(store_url_for(data_dir))
    await store.open()
    try:
        return await store.jobs.get(job_id)
    finally:
        await store.close()


async def expire_job_lease(data_dir: Path, job_id: str) -> None:
    """Move the job's last heartbeat far back, as if its dead runner's lease had run out
    (a store shared by several processes hands over only such jobs)."""
    store = open_store(store_url_for(data_dir))
    await store.open()
    try:
        async with store.db.write() as conn:  # type: ignore[attr-defined]
            await conn.execute("UPDATE jobs SET heartbeat_at = 0 WHERE id = ?", (job_id,))
    finally:
        await store.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Any]:
    """A real store (SQLite in the test's own folder, or CHORUS_TEST_STORE's PostgreSQL), open
    for the test and closed after."""
    s = open_store(store_url_for(tmp_path))
    await s.open()
    yield s
    await s.close()
