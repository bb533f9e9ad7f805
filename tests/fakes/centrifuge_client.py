"""A tiny raw Centrifuge JSON client over aiohttp's websocket, for tests that need to see
exact frames (the SDK tests use the real SDKs)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from tests.waiting import TIMEOUT

__all__ = ["RawCentrifuge"]


class RawCentrifuge:
    def __init__(self, ws: Any, session: aiohttp.ClientSession | None = None) -> None:
        self.ws = ws
        self.session = session
        self.next_id = 0
        self.pushes: list[dict[str, Any]] = []
        self.replies: dict[int, dict[str, Any]] = {}

    @classmethod
    async def open(cls, client: TestClient, token: str = "", *, cookies: bool = True,
                   **headers: str) -> RawCentrifuge:
        """Connect; with cookies=False from a fresh HTTP session (no session cookie)."""
        if cookies:
            ws, session = await client.ws_connect("/connection/websocket", headers=headers), None
        else:
            session = aiohttp.ClientSession()
            ws = await session.ws_connect(client.make_url("/connection/websocket"),
                                          headers=headers)
        self = cls(ws, session)
        connect: dict[str, Any] = {"token": token} if token else {}
        try:
            self.connect_reply = await self.call("connect", connect)
        except BaseException:
            await self.close()
            raise
        return self

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        command_id = self.next_id
        await self.ws.send_str(json.dumps({"id": command_id, method: params}))
        while command_id not in self.replies:
            await self._read()
        return self.replies.pop(command_id)

    async def _read(self) -> None:
        msg = await asyncio.wait_for(self.ws.receive(), TIMEOUT)
        if msg.type != WSMsgType.TEXT:
            raise ConnectionError(f"websocket closed: {msg.type.name} {msg.data} {msg.extra}")
        for line in msg.data.split("\n"):
            data = json.loads(line)
            if "id" in data:
                self.replies[data["id"]] = data
            elif "push" in data:
                self.pushes.append(data["push"])
            elif data == {}:
                await self.ws.send_str("{}")  # pong

    async def next_push(self, channel: str | None = None) -> dict[str, Any]:
        """The next push (for `channel` when given), waiting for it."""
        while True:
            for i, push in enumerate(self.pushes):
                if channel is None or push.get("channel") == channel:
                    return self.pushes.pop(i)
            await self._read()

    async def close(self) -> None:
        await self.ws.close()
        if self.session is not None:
            await self.session.close()
