"""The started app's objects are frozen out of the collector while it serves, and thawed after."""

from __future__ import annotations

import gc
from pathlib import Path

from aiohttp import web

from hub.app import create_app
from hub.heap import frozen_heap
from tests.conftest import make_config


def test_a_frozen_heap_leaves_todays_objects_out_of_collections_until_the_block_ends():
    before = gc.get_freeze_count()
    kept = [object() for _ in range(10)]  # tracked: lists are
    with frozen_heap():
        assert gc.get_freeze_count() >= before + 1
        assert not any(kept is obj for obj in gc.get_objects())  # not in any generation
    assert gc.get_freeze_count() == 0
    assert any(kept is obj for obj in gc.get_objects())


async def test_the_app_is_frozen_while_it_serves_and_thawed_when_it_stops(tmp_path: Path):
    gc.unfreeze()
    app = await create_app(make_config(tmp_path))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        assert gc.get_freeze_count() > 1000  # modules, routes, the store: the started app
    finally:
        await runner.cleanup()
    assert gc.get_freeze_count() == 0
