"""The quiz room actor on its own: timers that close rounds, rooms that nobody started, and
what it stores; a real SQLite store and a supervisor, pushes recorded as published."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from handlers.quiz.scoring import points
from store.records import QuizRoom
from tests.waiting import until
from workers.actor import Supervisor
from workers.quiz_room import QuizOption, QuizQuestion, RoomSettings, RoomState
from workers.quizmaster import Answer, Join, QuizRoomActor, Start

QUESTION = QuizQuestion(snippet="one line\nanother line", correct=1, catalog_id=None,
                        options=[QuizOption(f"https://x.example/{n}", f"T{n}", f"A{n}")
                                 for n in range(3)])


class Recorded:
    """The pushes the actor published, decoded, in order."""

    def __init__(self) -> None:
        self.pushes: list[dict[str, Any]] = []

    async def publish(self, channel: str, data: Any) -> None:
        self.pushes.append(msgspec.json.decode(data))

    def types(self) -> list[str]:
        return [p["type"] for p in self.pushes]


async def _room(store: Any, settings: RoomSettings, clock: Any = None
                ) -> tuple[QuizRoomActor, Recorded, Supervisor]:
    user = await store.users.create(username="host", email="h@example.com", password_hash="x")
    await store.quiz.create_room(QuizRoom(id="r1", host_id=user.id, created_at=1.0))

    async def questions(asked: frozenset[int]) -> QuizQuestion:
        return QUESTION

    pushes = Recorded()
    options: dict[str, Any] = {"clock": clock} if clock else {}
    actor = QuizRoomActor(RoomState("r1", user.id, settings, points), store=store.quiz,
                          publisher=pushes, questions=questions, **options)
    supervisor = Supervisor()
    await supervisor.start(actor)
    await actor.ask(Join(user.id, "Host"))
    return actor, pushes, supervisor


async def test_deadlines_close_rounds_nobody_answers(store) -> None:
    actor, pushes, supervisor = await _room(store, RoomSettings(rounds=2, seconds=0.05,
                                                                reveal_seconds=0.01))
    try:
        await actor.ask(Start(actor.state.host_id))
        await until(lambda: "end" in pushes.types())
        assert pushes.types() == ["players", "round", "reveal", "scores", "round", "reveal",
                                  "scores", "end"]
        assert pushes.pushes[2]["points"] == {str(actor.state.host_id): 0}
        assert all("correct" not in p for p in pushes.pushes if p["type"] == "round")
        stored = await store.quiz.get_room("r1")
        assert stored.status == "finished" and stored.end_reason == "completed"
        assert [r.number for r in await store.quiz.rounds("r1")] == [1, 2]
    finally:
        await supervisor.close()


async def test_an_answer_scores_by_speed_and_is_stored(store) -> None:
    actor, pushes, supervisor = await _room(store, RoomSettings(rounds=1, seconds=30))
    try:
        host = actor.state.host_id
        await actor.ask(Start(host))
        assert await actor.ask(Answer(host, 1, QUESTION.correct)) == {"accepted": True}
        await until(lambda: "end" in pushes.types())
        reveal = next(p for p in pushes.pushes if p["type"] == "reveal")
        assert 990 <= reveal["points"][str(host)] <= 1000  # right, at once
        [player] = await store.quiz.players("r1")
        assert player.score == reveal["points"][str(host)]
    finally:
        await supervisor.close()


async def test_a_room_nobody_starts_ends_as_abandoned(store) -> None:
    now = {"t": 1000.0}
    actor, pushes, supervisor = await _room(store, RoomSettings(), clock=lambda: now["t"])
    try:
        now["t"] += 3601  # an hour later, the next wake ends it
        actor.tell((Join(actor.state.host_id, "Host"), asyncio.get_running_loop().create_future()))
        await until(lambda: "end" in pushes.types())
        assert pushes.pushes[-1]["reason"] == "abandoned"
        assert (await store.quiz.get_room("r1")).end_reason == "abandoned"
    finally:
        await supervisor.close()
