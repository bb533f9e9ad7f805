"""Per-user registry of live connections, across devices and transports."""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Sessions"]

C = TypeVar("C")


class Sessions(Generic[C]):
    """user id -> {client id: connection}; anonymous connections ("") are not tracked."""

    def __init__(self) -> None:
        self._users: dict[str, dict[str, C]] = {}

    def add(self, user: str, client_id: str, conn: C) -> None:
        if user:
            self._users.setdefault(user, {})[client_id] = conn

    def remove(self, user: str, client_id: str) -> None:
        conns = self._users.get(user)
        if conns is not None:
            conns.pop(client_id, None)
            if not conns:
                del self._users[user]

    def of(self, user: str) -> list[C]:
        return list(self._users.get(user, {}).values())

    def count(self, user: str) -> int:
        return len(self._users.get(user, ()))

    def users(self) -> int:
        return len(self._users)
