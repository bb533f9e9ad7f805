"""The quiz tests play with the real centrifuge-python SDK: the realtime tests' `sdk` fixture,
in both protocol encodings (bots on a mobile SDK speak protobuf); rooms on two processes use
the realtime tests' Redis (`redis_url`, `redis_prefix`)."""

from __future__ import annotations

from tests.hub.realtime.conftest import encoding, redis_prefix, redis_url, sdk

__all__ = ["encoding", "redis_prefix", "redis_url", "sdk"]
