"""Shared fixtures: the production app factory served on loopback, on a fresh SQLite file."""

from __future__ import annotations

import os
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


def make_config(data_dir: Path, **overrides: Any) -> Config:
    values = {**TEST_SETTINGS, "data_dir": str(data_dir), **overrides}
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
    store = open_store(f"sqlite:///{data_dir / 'chorus.db'}")
    await store.open()
    try:
        return await store.jobs.get(job_id)
    finally:
        await store.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Any]:
    """A real SQLite store in the test's own folder, open for the test and closed after."""
    s = open_store(f"sqlite:///{tmp_path / 'chorus.db'}")
    await s.open()
    yield s
    await s.close()
