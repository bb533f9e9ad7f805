"""What domain code may ask of the realtime core: publish and disconnect.

The realtime hub (hub/realtime) implements this; until it is wired in, `OfflinePublisher`
stands for a process with no live connections, where every push reaches nobody.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Publisher", "OfflinePublisher"]


class Publisher(Protocol):
    async def publish(self, channel: str, data: Any) -> None:
        """Publish `data` (JSON-able) to every subscriber of `channel`."""

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        """Push `data` to every live connection of the user (its `user:#<id>` channel)."""

    async def disconnect_user(self, user_id: int, reason: str) -> None:
        """Close every live connection of the user (logout everywhere, password reset, disable)."""


class OfflinePublisher:
    """A Publisher for a process without live connections."""

    async def publish(self, channel: str, data: Any) -> None:
        return None

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        return None

    async def disconnect_user(self, user_id: int, reason: str) -> None:
        return None
