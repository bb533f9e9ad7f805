"""Fixtures of the realtime tests: real centrifuge-python SDK clients, closed before the servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import centrifuge
import pytest
from aiohttp.test_utils import TestClient

from tests.hub.realtime.helpers import Recorder, SdkFactory, ws_url


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
