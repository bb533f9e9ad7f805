"""Shared fixtures: the production app factory served on loopback, on a fresh SQLite file, or
on a fresh PostgreSQL schema when CHORUS_TEST_STORE=postgresql://... (the whole suite on
PostgreSQL with one variable)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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

# empty: every test's store is a SQLite file in its own folder; postgresql://...: a database of
# that server per test folder, copied from a template migrated once per run (a copy takes
# ~0.1 s where migrating takes ~1-2 s) and emptied for the next test after each test (dropping
# a database costs a checkpoint), named after this run so parallel runs never meet
TEST_STORE = os.environ.get("CHORUS_TEST_STORE", "")
# the server of the PostgreSQL stores: CHORUS_TEST_STORE's, else the one the repository contract
# tests (tests/store) run on beside SQLite
PG_SERVER = TEST_STORE or os.environ.get("CHORUS_TEST_PG_URL",
                                         "postgresql://postgres@127.0.0.1:5432/test")
_RUN = secrets.token_hex(4)
_TEMPLATE = f"chorus_tpl_{_RUN}"
_made: list[str] = []  # every database of this run but the template
_free: list[str] = []  # emptied, ready for the next test
_lent: dict[str, str] = {}  # the current test's: data folder -> database
_tables: list[str] = []  # what emptying truncates


def _database_url(name: str, *options: str) -> str:
    """PG_SERVER's server and options, on database `name`, with more `options`."""
    parts = urlsplit(PG_SERVER)
    query = "&".join(q for q in (parts.query, *options) if q)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", query, ""))


def _in_thread(work: Any) -> Any:
    """Run a coroutine to the end from sync code, even inside a running event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _make_database(name: str) -> None:
    """Create database `name` from this run's template (made and migrated on first use)."""
    import asyncpg

    from store.postgres.store import PgStore

    admin = await asyncpg.connect(_database_url("postgres"))
    try:
        if not _tables:
            await admin.execute(f'CREATE DATABASE "{_TEMPLATE}"')
            template = PgStore(_database_url(_TEMPLATE, "pool=1"))
            await template.open()  # migrates
            rows = await template.db.fetch_all(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename != 'schema_version'")
            await template.close()
            _tables.extend(f'"{r[0]}"' for r in rows)
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"')
    finally:
        await admin.close()


async def _empty(names: list[str]) -> None:
    import asyncpg

    for name in names:
        conn = await asyncpg.connect(_database_url(name))
        try:
            await conn.execute(f"TRUNCATE {', '.join(_tables)} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()


def store_url_for(data_dir: Path) -> str:
    """The store of `data_dir` in this test: the same folder always reaches the same store, so
    a test can stop an app and start another on what it left."""
    if not TEST_STORE:
        return f"sqlite:///{data_dir / 'chorus.db'}"
    return pg_store_url_for(data_dir)


def pg_store_url_for(data_dir: Path) -> str:
    """A PostgreSQL database of PG_SERVER for `data_dir` in this test (see store_url_for)."""
    name = _lent.get(str(data_dir))
    if name is None:
        if _free:
            name = _free.pop()
        else:
            name = f"t{_RUN}_{len(_made)}"
            _in_thread(_make_database(name))
            _made.append(name)
        _lent[str(data_dir)] = name
    return _database_url(name, "pool=4")


@pytest.fixture(autouse=True)
def _databases_back() -> Any:
    """After the test (and every fixture of it) ends, its databases are emptied for the next."""
    yield
    if _lent:
        names = list(_lent.values())
        _lent.clear()
        _in_thread(_empty(names))
        _free.extend(names)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip what only SQLite has where a test runs on PostgreSQL (the whole suite under
    CHORUS_TEST_STORE, or the PostgreSQL half of the repository contract tests)."""
    skip = pytest.mark.skip(reason="SQLite's own files or pragmas; this store is PostgreSQL")
    for item in items:
        if not item.get_closest_marker("sqlite_only"):
            continue
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("store") if callspec is not None else None
        if TEST_STORE or engine == "postgresql":
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Any:
    """Drop this run's PostgreSQL databases when the run ends."""
    yield
    if _tables:
        import asyncpg

        async def drop() -> None:
            admin = await asyncpg.connect(_database_url("postgres"))
            try:
                for name in [*_made, _TEMPLATE]:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()

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
