"""Fixtures of the realtime tests: real centrifuge-python SDK clients, closed before the servers.

Every test that takes `sdk` runs twice, once per encoding of the protocol (JSON, protobuf):
one test matrix, so both encodings answer the same commands with the same results and codes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import centrifuge
import pytest
from aiohttp.test_utils import TestClient

from tests.hub.realtime.helpers import Recorder, SdkFactory, ws_url
from tests.hub.realtime.redis_service import RUN_PREFIX, drop_run_keys, require_redis


class JsonOverProtobuf(centrifuge.Client):
    """The SDK speaking protobuf with an app's JSON at its edges, as an app on a protobuf SDK
    does: payloads given as objects are sent as their JSON bytes, and bytes received are
    read as JSON, so a test reads the same in both encodings (the wire stays protobuf)."""

    def _encode_data(self, data: Any) -> Any:
        if not isinstance(data, bytes):
            data = json.dumps(data, separators=(",", ":")).encode()
        return super()._encode_data(data)

    def _decode_data(self, data: Any) -> Any:
        raw = super()._decode_data(data)
        return json.loads(raw) if isinstance(raw, bytes) else raw


@pytest.fixture(params=["json", "protobuf"])
def encoding(request: pytest.FixtureRequest) -> str:
    """The protocol encoding the SDK clients of a test speak."""
    return str(request.param)


@pytest.fixture
async def sdk(make_client: Any, encoding: str) -> AsyncIterator[SdkFactory]:
    """Build SDK clients in the test's encoding (events recorded on `.recorder`); all
    disconnected at teardown, before the servers stop. `raw_bytes=True` gives a protobuf
    client that hands payloads over as the bytes on the wire."""
    made: list[Any] = []

    def build(server: TestClient, token: str = "", raw_bytes: bool = False,
              **options: Any) -> Any:
        recorder = Recorder()
        options.setdefault("min_reconnect_delay", 0.05)
        options.setdefault("max_reconnect_delay", 0.2)
        protobuf = options.setdefault("use_protobuf", encoding == "protobuf")
        kind = JsonOverProtobuf if protobuf and not raw_bytes else centrifuge.Client
        sdk_client = kind(ws_url(server), events=recorder, token=token, proxy=None, **options)
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
