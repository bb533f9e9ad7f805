"""A room's writes under its owner's fencing token (handlers/quiz/registry.py): each runs in
a transaction that first checks that the token still owns the room, so the writes of a
process whose lease expired, once another took the room over, are refused (RoomMoved)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from store.interface import Store
from store.records import QuizPlayer, QuizRound
from workers.quizmaster import RoomMoved

__all__ = ["FencedRoomStore"]


class FencedRoomStore:
    """workers.quizmaster.RoomStore for room `room_id` owned with `token`."""

    def __init__(self, store: Store, room_id: str, token: int) -> None:
        self.store, self.room_id, self.token = store, room_id, token

    @asynccontextmanager
    async def _owned(self) -> AsyncIterator[None]:
        async with self.store.transaction():
            if not await self.store.quiz.hold_room(self.room_id, self.token):
                raise RoomMoved(self.room_id)
            yield

    async def set_host(self, room_id: str, host_id: int) -> None:
        async with self._owned():
            await self.store.quiz.set_host(room_id, host_id)

    async def start_room(self, room_id: str, at: float) -> None:
        async with self._owned():
            await self.store.quiz.start_room(room_id, at)

    async def finish_room(self, room_id: str, board: Sequence[Mapping[str, Any]], reason: str,
                          at: float) -> None:
        async with self._owned():
            await self.store.quiz.finish_room(room_id, board, reason, at)

    async def add_player(self, player: QuizPlayer) -> None:
        async with self._owned():
            await self.store.quiz.add_player(player)

    async def leave(self, room_id: str, user_id: int | str, at: float) -> None:
        async with self._owned():
            await self.store.quiz.leave(room_id, user_id, at)

    async def record_round(self, round_: QuizRound, scores: Mapping[int | str, int]
                           ) -> None:
        async with self._owned():
            await self.store.quiz.record_round(round_, scores)
