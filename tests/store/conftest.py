"""The repository contract tests run on both engines: the `store` fixture is a SQLite file and
a PostgreSQL database (only PostgreSQL when the whole suite runs there, CHORUS_TEST_STORE)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from store import open_store
from tests.conftest import TEST_STORE, pg_store_url_for
from tests.store.postgres.pg_service import require_postgres

ENGINES = ["postgresql"] if TEST_STORE else ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A real store of the test's engine, open for the test and closed after; PostgreSQL
    skips when no server answers (fails under CI=true)."""
    if request.param == "postgresql":
        await require_postgres()
        url = pg_store_url_for(tmp_path)
    else:
        url = f"sqlite:///{tmp_path / 'chorus.db'}"
    s = open_store(url)
    await s.open()
    yield s
    await s.close()
