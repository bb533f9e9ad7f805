"""Quiz rooms, players and rounds in SQLite (implements store.interface.QuizRepo)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite
import msgspec

from store.records import QuizPlayer, QuizRoom, QuizRound
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteQuiz"]


def _room(row: aiosqlite.Row | None) -> QuizRoom | None:
    if row is None:
        return None
    data = dict(zip(row.keys(), row, strict=True))
    data["settings"] = msgspec.json.decode(data["settings"])
    data["board"] = msgspec.json.decode(data["board"])
    return msgspec.convert(data, QuizRoom)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# Chorus users' rows (integer user ids) and app users' rows ("app:<sub>" keys), read apart: one
# column of a UNION has one type in PostgreSQL, and the ids must stay integers
_PLAYERS = ("SELECT room_id, {key} AS user_id, name, score, joined_at, left_at FROM {table} "
            "WHERE room_id = ?")


def _table(user_id: int | str) -> tuple[str, str]:
    """(table, key column) of a player: a Chorus user's id, or an app user's key."""
    return ("quiz_players", "user_id") if isinstance(user_id, int) \
        else ("quiz_app_players", "player")


def _joined(player: QuizPlayer) -> tuple[float, int, int, str]:
    """Players in SQLite's order of the union: by joining time, Chorus users (by id) first."""
    if isinstance(player.user_id, str):
        return player.joined_at, 1, 0, player.user_id
    return player.joined_at, 0, player.user_id, ""


class SqliteQuiz:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_room(self, room: QuizRoom) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO quiz_rooms (id, host_id, status, settings, invite_code, created_at, "
                "owner_token) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (room.id, room.host_id, room.status, _json(room.settings), room.invite_code,
                 room.created_at, room.owner_token))

    async def get_room(self, room_id: str) -> QuizRoom | None:
        return _room(await self.db.fetch_one("SELECT * FROM quiz_rooms WHERE id = ?", (room_id,)))

    async def open_rooms(self) -> list[QuizRoom]:
        rows = await self.db.fetch_all(
            "SELECT * FROM quiz_rooms WHERE status != 'finished' ORDER BY created_at")
        return [r for r in map(_room, rows) if r is not None]

    async def set_host(self, room_id: str, host_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE quiz_rooms SET host_id = ? WHERE id = ?", (host_id, room_id))

    async def start_room(self, room_id: str, at: float) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE quiz_rooms SET status = 'running', started_at = ? "
                               "WHERE id = ? AND status = 'lobby'", (at, room_id))

    async def finish_room(self, room_id: str, board: Sequence[Mapping[str, Any]], reason: str,
                          at: float) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE quiz_rooms SET status = 'finished', board = ?, end_reason = ?, "
                "ended_at = ? WHERE id = ? AND status != 'finished'",
                (_json(list(board)), reason, at, room_id))

    async def add_player(self, player: QuizPlayer) -> None:
        table, key = _table(player.user_id)
        async with self.db.write() as conn:
            await conn.execute(
                f"INSERT INTO {table} (room_id, {key}, name, score, joined_at) "
                f"VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_id, {key}) DO UPDATE SET "
                "left_at = NULL", (player.room_id, player.user_id, player.name, player.score,
                                   player.joined_at))

    async def leave(self, room_id: str, user_id: int | str, at: float) -> None:
        table, key = _table(user_id)
        async with self.db.write() as conn:
            await conn.execute(f"UPDATE {table} SET left_at = ? WHERE room_id = ? AND "
                               f"{key} = ?", (at, room_id, user_id))

    async def players(self, room_id: str) -> list[QuizPlayer]:
        rows = [row for table, key in (_table(0), _table(""))
                for row in await self.db.fetch_all(_PLAYERS.format(table=table, key=key),
                                                   (room_id,))]
        found = [p for p in (to_record(QuizPlayer, r) for r in rows) if p is not None]
        return sorted(found, key=_joined)

    async def player(self, room_id: str, user_id: int | str) -> QuizPlayer | None:
        table, key = _table(user_id)
        return to_record(QuizPlayer, await self.db.fetch_one(
            _PLAYERS.format(table=table, key=key) + f" AND {key} = ?", (room_id, user_id)))

    async def record_round(self, round_: QuizRound, scores: Mapping[int | str, int]) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO quiz_rounds (room_id, number, catalog_id, started_at, deadline, "
                "correct, points, question, answers, revealed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, number) DO UPDATE "
                "SET catalog_id = excluded.catalog_id, started_at = excluded.started_at, "
                "deadline = excluded.deadline, correct = excluded.correct, "
                "points = excluded.points, question = excluded.question, "
                "answers = excluded.answers, revealed_at = excluded.revealed_at",
                (round_.room_id, round_.number, round_.catalog_id, round_.started_at,
                 round_.deadline, round_.correct, _json(round_.points), _json(round_.question),
                 _json(round_.answers), round_.revealed_at))
            for user_id, score in scores.items():
                table, key = _table(user_id)
                await conn.execute(f"UPDATE {table} SET score = ? WHERE room_id = ? AND "
                                   f"{key} = ?", (score, round_.room_id, user_id))

    async def rounds(self, room_id: str) -> list[QuizRound]:
        rows = await self.db.fetch_all(
            "SELECT * FROM quiz_rounds WHERE room_id = ? ORDER BY number", (room_id,))
        found = []
        for row in rows:
            data = dict(zip(row.keys(), row, strict=True))
            for column in ("points", "question", "answers"):
                data[column] = msgspec.json.decode(data[column])
            found.append(msgspec.convert(data, QuizRound))
        return found

    async def claim_room(self, room_id: str, token: int) -> bool:
        async with self.db.write() as conn:
            cursor = await conn.execute(
                "UPDATE quiz_rooms SET owner_token = ? WHERE id = ? AND owner_token < ? "
                "AND status != 'finished'", (token, room_id, token))
            return cursor.rowcount == 1

    async def hold_room(self, room_id: str, token: int) -> bool:
        # a write that changes nothing: inside the caller's transaction it holds the lock
        # (SQLite's write lock, PostgreSQL's row lock) until the end, so no claim comes between
        async with self.db.write() as conn:
            cursor = await conn.execute(
                "UPDATE quiz_rooms SET owner_token = owner_token WHERE id = ? "
                "AND owner_token = ?", (room_id, token))
            return cursor.rowcount == 1
