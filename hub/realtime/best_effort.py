"""The Publisher handed to domain code: the node's pushes, with a broker out of reach logged
instead of raised.

Domain code pushes after its write is committed (a post, a playlist, a logout). When Redis is
away, a raised BrokerUnavailable would turn that saved write into a 500, and clients retry a 500:
the post would be made twice. The push is lost instead (readiness already answers 503, so a
balancer sends new requests elsewhere), and clients catch up through REST and, once the broker
is back, through their subscriptions. A logout still closes this process's connections at once
(the node applies a disconnect here first, and tells the others once the broker is back).
Presence is a read: it still raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.realtime.node import Node, best_effort

__all__ = ["BestEffortPublisher"]


class BestEffortPublisher:
    """hub.realtime.publisher.Publisher over a Node; pushes that cannot reach the broker are
    logged and dropped (node.best_effort)."""

    def __init__(self, node: Node) -> None:
        self.node = node

    async def publish(self, channel: str, data: Any) -> Any:
        """The stream position, or None when the broker is out of reach."""
        with best_effort(f"push to {channel}"):
            return await self.node.publish(channel, data)
        return None

    async def publish_to_user(self, user_id: int, data: Any) -> None:
        with best_effort(f"push to user {user_id}"):
            await self.node.publish_to_user(user_id, data)

    async def publish_to_users(self, user_ids: Sequence[int], data: Any) -> None:
        with best_effort(f"push to {len(user_ids)} users"):
            await self.node.publish_to_users(list(user_ids), data)

    async def presence(self, channel: str) -> dict[str, Any]:
        return await self.node.presence(channel)

    async def disconnect_session(self, user_id: int, session_id: str, reason: str) -> int:
        """Connections of that sign-in closed here; 0 when the others could not be told (the
        node tells them once the broker is back)."""
        with best_effort(f"disconnect of user {user_id}'s session"):
            return await self.node.disconnect_session(user_id, session_id, reason)
        return 0

    async def disconnect_user(self, user_id: int, reason: str) -> int:
        """Connections of the user closed here; 0 when the others could not be told (the node
        tells them once the broker is back)."""
        with best_effort(f"disconnect of user {user_id}"):
            return await self.node.disconnect_user(user_id, reason)
        return 0
