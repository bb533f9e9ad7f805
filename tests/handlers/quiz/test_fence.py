"""A room's writes under its owner's fencing token, on a real SQLite store: a claim with a
higher token refuses the older owner's writes (nothing of them is stored), and the room's
actor, refused, stops without ending the room; a room is resumed from the rows it left."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from handlers.quiz.fence import FencedRoomStore
from handlers.quiz.restore import restore_state, restore_timers
from handlers.quiz.scoring import points
from store.records import QuizPlayer, QuizRoom
from tests.waiting import until
from workers.actor import Supervisor
from workers.quiz_room import QuizOption, QuizQuestion, RoomPhase, RoomSettings, RoomState
from workers.quizmaster import Answer, Join, QuizRoomActor, RoomMoved, Start

QUESTION = QuizQuestion(snippet="one line\nanother line", correct=2, catalog_id=None,
                        options=[QuizOption(f"https://x.example/{n}", f"T{n}", f"A{n}")
                                 for n in range(3)])
SETTINGS = RoomSettings(rounds=2, seconds=60, reveal_seconds=30)


async def _host(store: Any, token: int) -> int:
    user = await store.users.create(username="host", email="h@example.com", password_hash="x")
    await store.quiz.create_room(QuizRoom(id="r1", host_id=user.id, created_at=1.0,
                                          settings=msgspec.to_builtins(SETTINGS),
                                          owner_token=token))
    return int(user.id)


async def _questions(asked: frozenset[int]) -> QuizQuestion:
    return QUESTION


def _actor(store: Any, state: RoomState, token: int, ended: list[str]) -> QuizRoomActor:
    return QuizRoomActor(state, store=FencedRoomStore(store, "r1", token),
                         publisher=_Pushes(), questions=_questions, on_end=ended.append,
                         resumable=True)


class _Pushes:
    async def publish(self, channel: str, data: Any) -> None:
        return None


async def test_a_claim_with_a_higher_token_refuses_the_older_owner_s_writes(store):
    host = await _host(store, token=1)
    assert not await store.quiz.claim_room("r1", 1)  # not higher
    old = FencedRoomStore(store, "r1", 1)
    await old.add_player(QuizPlayer(room_id="r1", user_id=host, name="Host", joined_at=2.0))
    assert await store.quiz.claim_room("r1", 2)
    with pytest.raises(RoomMoved):
        await old.leave("r1", host, 3.0)
    with pytest.raises(RoomMoved):
        await old.finish_room("r1", [], "completed", 3.0)
    [player] = await store.quiz.players("r1")
    room = await store.quiz.get_room("r1")
    assert player.left_at is None and room.status == "lobby" and room.owner_token == 2
    await FencedRoomStore(store, "r1", 2).leave("r1", host, 4.0)  # the new owner writes
    assert (await store.quiz.players("r1"))[0].left_at == 4.0
    await store.quiz.finish_room("r1", [], "completed", 5.0)
    assert not await store.quiz.claim_room("r1", 3)  # a finished room is nobody's to take


async def test_a_refused_actor_stops_without_ending_the_room(store):
    host = await _host(store, token=1)
    ended: list[str] = []
    actor = _actor(store, RoomState("r1", host, SETTINGS, points), 1, ended)
    supervisor = Supervisor()
    await supervisor.start(actor)
    try:
        await actor.ask(Join(host, "Host"))
        assert await store.quiz.claim_room("r1", 2)  # another process took the room over
        with pytest.raises(RoomMoved):
            await actor.ask(Start(host))
        await until(lambda: ended == ["r1"])
        assert actor.moved
        with pytest.raises(RoomMoved):
            await actor.ask(Start(host))
        room = await store.quiz.get_room("r1")
        assert room.status == "lobby" and room.end_reason == ""
    finally:
        await supervisor.close()


async def test_a_room_resumes_from_its_rows_with_the_open_round_and_its_answers(store):
    host = await _host(store, token=1)
    await store.quiz.add_player(QuizPlayer(room_id="r1", user_id="app:bot", name="Bot",
                                           joined_at=2.0))
    ended: list[str] = []
    first = _actor(store, RoomState("r1", host, SETTINGS, points), 1, ended)
    supervisor = Supervisor()
    await supervisor.start(first)
    try:
        await first.ask(Join(host, "Host"))
        await first.ask(Join("app:bot", "Bot"))
        await first.ask(Start(host))
        await first.ask(Answer("app:bot", 1, QUESTION.correct))
        opened = first.state.round
        # the owner dies here; another process claims the room and rebuilds it from its rows
        assert await store.quiz.claim_room("r1", 2)
        room = await store.quiz.get_room("r1")
        state = restore_state(room, await store.quiz.players("r1"),
                              await store.quiz.rounds("r1"))
        assert state.phase is RoomPhase.QUESTION and state.host_id == host
        assert state.round.number == 1 and state.round.question == QUESTION
        assert state.round.deadline == opened.deadline
        assert state.round.answers == {"app:bot": opened.answers["app:bot"]}
        second = _actor(store, state, 2, ended)
        restore_timers(second, room)
        await supervisor.start(second)
        await second.ask(Answer(host, 1, 0))  # everyone answered: revealed
        await until(lambda: second.state.phase is RoomPhase.REVEALED)
        scores = {p.user_id: p.score for p in await store.quiz.players("r1")}
        assert scores[host] == 0 and scores["app:bot"] >= 500  # the answer before the move
        [stored] = await store.quiz.rounds("r1")
        assert stored.revealed_at is not None and stored.points["app:bot"] == scores["app:bot"]
        assert second.next_round_at == stored.revealed_at + SETTINGS.reveal_seconds
    finally:
        await supervisor.close()
