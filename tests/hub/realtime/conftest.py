"""Fixtures of the realtime tests: real centrifuge-python SDK clients, closed before the servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import centrifuge
import pytest
from aiohttp.test_utils import TestClient

from tests.hub.realtime.helpers import Recorder, SdkFactory, ws_url
from tests.hub.realtime.redis_service import RUN_PREFIX, drop_run_keys, require_redis


@pytest.fixture
async def sdk(make_client: Any) -> AsyncIterator[SdkFactory]:
    """Build SDK clients (events recorded on `.recorder`); all disconnected at teardown,
    before the servers stop."""
    made: list[Any] = []

    def build(server: TestClient, token: str = "", **options: Any) -> Any:
        recorder = Recorder()
        options.setdefault("min_reconnect_delay", 0.05)
        options.setdefault("max_reconnect_delay", 0.2)
        sdk_client = centrifuge.Client(ws_url(server), events=recorder, token=token,
                                       proxy=None, **options)
        sdk_client.recorder = recorder
        made.append(sdk_client)
        return sdk_client

    yield build
    for sdk_client in made:
        await sdk_client.disconnect()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The test Redis (skips, or under CI=true fails, when unreachable); this run's keys are
    deleted after the session."""
    url = require_redis()
    yield url
    drop_run_keys()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of its own for each test, under this run's prefix."""
    return f"{RUN_PREFIX}{uuid.uuid4().hex[:8]}:"
