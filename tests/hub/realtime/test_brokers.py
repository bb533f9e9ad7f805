"""CHORUS_BROKER: which broker serves, and a start with a wrong URL stops with the reason."""

from __future__ import annotations

import pytest

from hub.config import load_config
from hub.realtime.broker_memory import MemoryBroker
from hub.realtime.broker_redis import RedisBroker, RedisPresence
from hub.realtime.brokers import open_broker


def test_the_memory_broker_is_the_default():
    assert load_config(env={}).broker == ""
    for url in ("", "memory"):
        broker, _ = open_broker(url, "chorus:")
        assert isinstance(broker, MemoryBroker)


async def test_a_redis_url_selects_the_redis_broker_under_the_prefix():
    config = load_config(env={"CHORUS_BROKER": "redis://127.0.0.1:6379/0",
                              "CHORUS_REDIS_PREFIX": "site-a:"})
    broker, presence = open_broker(config.broker, config.redis_prefix)
    try:
        assert isinstance(broker, RedisBroker) and isinstance(presence, RedisPresence)
        assert broker._control == b"site-a:control"
    finally:
        await broker.close()


@pytest.mark.parametrize(("url", "prefix", "message"), [
    ("amqp://127.0.0.1", "chorus:", "unsupported broker URL"),
    ("redis://127.0.0.1:6379", "", "CHORUS_REDIS_PREFIX may not be empty"),
])
def test_a_wrong_broker_setting_is_refused_with_the_reason(url, prefix, message):
    with pytest.raises(ValueError, match=message):
        open_broker(url, prefix)


async def test_a_start_with_a_wrong_broker_url_fails(make_client):
    with pytest.raises(ValueError, match="unsupported broker URL"):
        await make_client(broker="nats://127.0.0.1:4222")
