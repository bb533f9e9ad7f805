"""The server API of the realtime hub, as domain code sees it (handlers/ import only this
protocol; hub.realtime.node.Node implements it; workers/ declare the one method they call)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["Publisher"]


class Publisher(Protocol):
    async def publish(self, channel: str, data: Any) -> Any:
        """Publish `data` (JSON-able, or JSON already encoded as bytes, to encode once for many
        channels) to every subscriber of `channel`, kept in its history per the channel's
        namespace; returns the stream position."""

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        """Push `data` (as for `publish`) to every live connection of the user (its
        `user:#<id>` channel)."""

    async def publish_to_users(self, user_ids: Sequence[int], data: Any) -> None:
        """`publish_to_user` to each of `user_ids` in one broker call (a post to every
        follower), `data` encoded once."""

    async def presence(self, channel: str) -> dict[str, Any]:
        """Who is in `channel` now: client id -> ClientInfo."""

    async def disconnect_session(self, user_id: int, session_id: str, reason: str) -> int:
        """Close the user's connections opened with that sign-in (logout)."""

    async def disconnect_user(self, user_id: int, reason: str) -> int:
        """Close every live connection of the user (logout everywhere, password reset, account
        disabled); returns how many were closed."""
