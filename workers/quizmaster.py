"""The quizmaster: one actor per live quiz room, owning its rounds and timers.

Requests (join, leave, start, answer, state, end) arrive in the actor's mailbox with a future
for the answer and are handled one at a time, so a room never sees two changes at once. The
loop waits for the next message or the next timer, whichever comes first; timers are absolute
epoch times (a round's deadline, the next round's start), recomputed on every wake, so a busy
process is late at most once and never drifts. Pushes go to `quiz:<room>`; the room's rows
(players, scores after each reveal, the final board) go to the store as they change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from store.interface import QuizRepo
from store.records import QuizPlayer, QuizRound
from workers.actor import Actor
from workers.quiz_room import PlayerKey, QuizError, QuizQuestion, RoomPhase, RoomState

__all__ = ["ChannelPublisher", "QuestionSource", "QuizRoomActor", "Join", "Leave", "Start",
           "Answer", "State", "End"]

log = logging.getLogger("chorus.quiz")

LOBBY_SECONDS = 3600.0  # a room nobody started within this ends ("abandoned")

# the catalog ids asked already -> the next question (raises QuizError when there is none)
QuestionSource = Callable[[frozenset[int]], Awaitable[QuizQuestion]]


class ChannelPublisher(Protocol):
    async def publish(self, channel: str, data: Any) -> Any: ...


@dataclass(frozen=True)
class Join:
    user_id: PlayerKey
    name: str
    code: str = ""


@dataclass(frozen=True)
class Leave:
    user_id: PlayerKey


@dataclass(frozen=True)
class Start:
    user_id: PlayerKey


@dataclass(frozen=True)
class Answer:
    user_id: PlayerKey
    round: Any
    choice: Any


@dataclass(frozen=True)
class State:
    user_id: PlayerKey


@dataclass(frozen=True)
class End:
    reason: str


Request = Join | Leave | Start | Answer | State | End


class QuizRoomActor(Actor):
    """Plays one room until it ends (all rounds played, everyone left, or the process stops)."""

    def __init__(self, state: RoomState, *, store: QuizRepo, publisher: ChannelPublisher,
                 questions: QuestionSource, clock: Callable[[], float] = time.time,
                 on_end: Callable[[str], None] = lambda room: None) -> None:
        super().__init__(name=f"quiz-{state.room_id}")
        self.state, self.store, self.publisher = state, store, publisher
        self.questions, self.clock, self.on_end = questions, clock, on_end
        self.next_round_at: float | None = None  # absolute: when the next round opens
        self.next_question: QuizQuestion | None = None
        self.drifts: list[float] = []  # how late each round opened against its schedule
        self.lobby_until = clock() + LOBBY_SECONDS

    async def ask(self, request: Request) -> Any:
        """Send `request` and wait for its answer (raises QuizError when refused)."""
        if self.state.phase is RoomPhase.FINISHED:
            raise QuizError("room_finished", "This quiz room has finished")
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.tell((request, answer))
        return await answer

    # ---- the loop -----------------------------------------------------------------------

    def _next_timer(self) -> float | None:
        state = self.state
        if state.phase is RoomPhase.QUESTION and state.round is not None:
            return state.round.deadline
        if state.phase is RoomPhase.REVEALED:
            return self.next_round_at
        if state.phase is RoomPhase.LOBBY:
            return self.lobby_until
        return None

    async def run(self) -> None:
        while self.state.phase is not RoomPhase.FINISHED:
            due = self._next_timer()
            timeout = None if due is None else max(0.0, due - self.clock())
            try:
                request, answer = await asyncio.wait_for(self.mailbox.get(), timeout)
            except TimeoutError:
                await self._on_timer()
                continue
            try:
                result = await self._handle(request)
            except QuizError as exc:
                answer.set_exception(exc)
            except Exception as exc:  # noqa: BLE001 - the asker hears it, the room goes on
                log.exception("quiz room %s: %r failed", self.state.room_id, request)
                answer.set_exception(exc)
            else:
                answer.set_result(result)
        self._refuse_waiting()
        self.on_end(self.state.room_id)

    def _refuse_waiting(self) -> None:
        while not self.mailbox.empty():
            _, answer = self.mailbox.get_nowait()
            if not answer.done():
                answer.set_exception(QuizError("room_finished", "This quiz room has finished"))

    async def _on_timer(self) -> None:
        state = self.state
        if state.phase is RoomPhase.QUESTION:
            await self._reveal()
        elif state.phase is RoomPhase.REVEALED and self.next_round_at is not None:
            await self._open_round()
        elif state.phase is RoomPhase.LOBBY and self.clock() >= self.lobby_until:
            await self._end("abandoned")

    async def _handle(self, request: Request) -> Any:
        state, now = self.state, self.clock()
        if isinstance(request, Join):
            return await self._join(request, now)
        if isinstance(request, Leave):
            state.leave(request.user_id)
            await self.store.leave(state.room_id, request.user_id, now)
            await self._after_players_change()
            return {}
        if isinstance(request, Start):
            state.check_start(request.user_id)
            self.next_question = await self.questions(frozenset(state.asked))
            await self.store.start_room(state.room_id, now)
            await self._open_round()
            return {}
        if isinstance(request, Answer):
            state.answer(request.user_id, request.round, request.choice, now)
            await self._publish({"type": "answered", "round": request.round,
                                 "user": request.user_id})
            if state.everyone_answered():
                await self._reveal()
            return {"accepted": True}
        if isinstance(request, State):
            state.require_member(request.user_id)
            return self.snapshot(request.user_id)
        await self._end(request.reason)
        return {}

    # ---- steps --------------------------------------------------------------------------

    async def _join(self, request: Join, now: float) -> dict[str, Any]:
        state = self.state
        host = state.host_id
        if state.join(request.user_id, request.name, request.code, now):
            player = state.players[request.user_id]
            await self.store.add_player(QuizPlayer(room_id=state.room_id,
                                                   user_id=player.user_id, name=player.name,
                                                   score=player.score,
                                                   joined_at=player.joined_at))
            if state.host_id != host:
                await self._store_host()
            await self._publish({"type": "players", "players": state.players_json(),
                                 "host": state.host_id})
        return self.snapshot(request.user_id)

    async def _store_host(self) -> None:
        """Store the host when it is a Chorus user (the stored host is the last Chorus user who
        hosted; an app's user hosts in memory only)."""
        if isinstance(self.state.host_id, int):
            await self.store.set_host(self.state.room_id, self.state.host_id)

    async def _after_players_change(self) -> None:
        state = self.state
        if not state.present():
            await self._end("empty")
            return
        await self._store_host()
        await self._publish({"type": "players", "players": state.players_json(),
                             "host": state.host_id})
        if state.phase is RoomPhase.QUESTION and state.everyone_answered():
            await self._reveal()

    async def _open_round(self) -> None:
        state = self.state
        question = self.next_question or await self.questions(frozenset(state.asked))
        self.next_question = None
        now = self.clock()
        if self.next_round_at is not None:
            self.drifts.append(max(0.0, now - self.next_round_at))
        self.next_round_at = None
        opened = state.open_round(question, now)
        await self._publish(opened.public(state.settings.rounds))

    async def _reveal(self) -> None:
        """Close the round: reveal and scores pushed, then stored (a crash in between loses
        this round's points, never a stored board's), the next round scheduled from now."""
        state = self.state
        revealed = state.reveal()
        next_at = self.clock() + state.settings.reveal_seconds
        points = {str(k): v for k, v in revealed.points.items()}
        await self._publish({"type": "reveal", "round": revealed.number,
                             "correct": revealed.question.correct,
                             "link": revealed.question.options[revealed.question.correct].link,
                             "points": points})
        await self._publish({"type": "scores", "scores": state.scores_json()})
        await self.store.record_round(
            QuizRound(room_id=state.room_id, number=revealed.number,
                      catalog_id=revealed.question.catalog_id, started_at=revealed.started_at,
                      deadline=revealed.deadline, correct=revealed.question.correct,
                      points=points),
            {p.user_id: p.score for p in state.players.values()})
        if state.last_round():
            await self._end("completed")
            return
        self.next_round_at = next_at
        try:  # ready before it is due, so that the round opens on time
            self.next_question = await self.questions(frozenset(state.asked))
        except QuizError:
            await self._end("no_more_songs")

    async def _end(self, reason: str) -> None:
        state = self.state
        if state.phase is RoomPhase.FINISHED:
            return
        state.phase = RoomPhase.FINISHED
        board = state.board()
        await self.store.finish_room(state.room_id, board, reason, self.clock())
        await self._publish({"type": "end", "reason": reason, "board": board})

    async def _publish(self, data: dict[str, Any]) -> None:
        try:
            await self.publisher.publish(self.state.channel, msgspec.json.encode(data))
        except Exception:  # noqa: BLE001 - a lost push must not stop the room
            log.exception("quiz room %s: push failed", self.state.room_id)

    def snapshot(self, user_id: PlayerKey) -> dict[str, Any]:
        """What a player (or a late joiner, or one who reconnects) needs to catch up."""
        state = self.state
        current = state.round
        open_round = None
        if current is not None and state.phase is RoomPhase.QUESTION:
            open_round = {**current.public(state.settings.rounds),
                          "answered": user_id in current.answers}
        return {"room": state.room_id, "channel": state.channel, "status": state.phase.value,
                "host": state.host_id, "players": state.players_json(),
                "scores": state.scores_json(), "round": open_round,
                "rounds": state.settings.rounds, "seconds": state.settings.seconds}
