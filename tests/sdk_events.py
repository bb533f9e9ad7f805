"""Event handlers for the real centrifuge-python SDK that queue what arrives, for tests."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["SdkEvents"]


class SdkEvents:
    """Pass as `centrifuge.Client(..., events=SdkEvents())`: server-side subscriptions'
    publications and subscribed events land in queues; other events are ignored."""

    def __init__(self) -> None:
        self.publications: asyncio.Queue[Any] = asyncio.Queue()
        self.subscribed: asyncio.Queue[Any] = asyncio.Queue()

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("on_"):
            raise AttributeError(name)

        async def record(event: Any) -> None:
            if name == "on_publication":
                self.publications.put_nowait(event)
            elif name == "on_subscribed":
                self.subscribed.put_nowait(event)

        return record
