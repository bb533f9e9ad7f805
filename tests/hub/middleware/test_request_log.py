"""The access log: a client that closes an event stream ends it normally (logged with the status
it was answered, no error), whichever way the server notices."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from tests.conftest import STRONG_PASSWORD
from tests.waiting import until


async def _bearer(client) -> str:
    await client.post("/api/auth/register", json={
        "username": "ada", "password": STRONG_PASSWORD, "email": "ada@example.com"})
    resp = await client.post("/api/auth/login",
                             json={"username": "ada", "password": STRONG_PASSWORD})
    return str((await resp.json())["access_token"])


@pytest.mark.parametrize("path", ["/api/prgs/stream", "/connection/uni_sse"])
async def test_a_client_closing_an_event_stream_is_a_normal_end(make_client, caplog, path):
    caplog.set_level(logging.INFO)
    client = await make_client(prgs_poll_interval=0.02)
    token = await _bearer(client)
    params = ({"token": token} if path == "/api/prgs/stream"
              else {"cf_connect": json.dumps({"token": token})})
    async with aiohttp.ClientSession() as session:
        resp = await session.get(client.make_url(path), params=params)
        assert resp.status == 200
        await resp.content.readline()  # the stream is open
        resp.close()

    def logged() -> list[logging.LogRecord]:
        return [r for r in caplog.records
                if r.name == "chorus.access" and r.__dict__.get("path") == path]

    line = (await until(logged))[0]
    assert line.__dict__["status"] == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
