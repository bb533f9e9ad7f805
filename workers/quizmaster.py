"""The quizmaster: one actor per live quiz room, owning its rounds and timers.

Requests (join, leave, start, answer, state, end) arrive in the actor's mailbox with a future
for the answer and are handled one at a time, so a room never sees two changes at once. The
loop waits for the next message or the next timer, whichever comes first; timers are absolute
epoch times (a round's deadline, the next round's start), recomputed on every wake, so a busy
process is late at most once and never drifts. Pushes go to `quiz:<room>`; the room's rows
(players, scores after each reveal, the final board) go to the store as they change. A room
that another process may resume (`resumable`) also stores each round as it opens and each
answer as it comes, always before the push that tells of it, so that the process resuming it
from its rows never contradicts what the players heard.

The store may refuse a write with `RoomMoved` (this process no longer owns the room: another
one took it over, handlers/quiz/registry.py); the actor then stops without ending the room,
and the requests waiting for it hear `RoomMoved` too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import msgspec

from store.records import QuizPlayer, QuizRound
from workers.actor import Actor
from workers.quiz_room import PlayerKey, QuizError, QuizQuestion, RoomPhase, RoomState, Round

__all__ = ["ChannelPublisher", "QuestionSource", "RoomStore", "RoomMoved", "QuizRoomActor",
           "Join", "Leave", "Start", "Answer", "State", "End", "Request", "round_row",
           "LOBBY_SECONDS"]

log = logging.getLogger("chorus.quiz")

LOBBY_SECONDS = 3600.0  # a room nobody started within this ends ("abandoned")

# the catalog ids asked already -> the next question (raises QuizError when there is none)
QuestionSource = Callable[[frozenset[int]], Awaitable[QuizQuestion]]


class ChannelPublisher(Protocol):
    async def publish(self, channel: str, data: Any) -> Any: ...


class RoomStore(Protocol):
    """The room's writes (store.interface.QuizRepo's); each may raise RoomMoved."""

    async def set_host(self, room_id: str, host_id: int) -> None: ...
    async def start_room(self, room_id: str, at: float) -> None: ...
    async def finish_room(self, room_id: str, board: Sequence[Mapping[str, Any]], reason: str,
                          at: float) -> None: ...
    async def add_player(self, player: QuizPlayer) -> None: ...
    async def leave(self, room_id: str, user_id: int | str, at: float) -> None: ...
    async def record_round(self, round_: QuizRound, scores: Mapping[int | str, int]
                           ) -> None: ...


class RoomMoved(Exception):
    """This process no longer owns the room: ask its owner."""


# What a room is asked, as Structs so that a request can travel to the process that owns the
# room (handlers/quiz/registry.py)
class Join(msgspec.Struct, frozen=True, tag=True):
    user_id: PlayerKey
    name: str
    code: str = ""


class Leave(msgspec.Struct, frozen=True, tag=True):
    user_id: PlayerKey


class Start(msgspec.Struct, frozen=True, tag=True):
    user_id: PlayerKey


class Answer(msgspec.Struct, frozen=True, tag=True):
    user_id: PlayerKey
    round: Any
    choice: Any


class State(msgspec.Struct, frozen=True, tag=True):
    user_id: PlayerKey


class End(msgspec.Struct, frozen=True, tag=True):
    reason: str


Request = Join | Leave | Start | Answer | State | End

_LOST = object()  # in the mailbox: the room's lease is lost (QuizRoomActor.lose)


def round_row(room_id: str, current: Round) -> QuizRound:
    """The round as stored: open (answers so far) or revealed (points)."""
    question = current.question
    return QuizRound(
        room_id=room_id, number=current.number, catalog_id=question.catalog_id,
        started_at=current.started_at, deadline=current.deadline, correct=question.correct,
        points={str(k): v for k, v in current.points.items()},
        question=msgspec.to_builtins(question),
        answers={str(k): v for k, v in current.answers.items()},
        revealed_at=current.revealed_at)


class QuizRoomActor(Actor):
    """Plays one room until it ends (all rounds played, everyone left, or the process stops)
    or moves to another process (RoomMoved)."""

    def __init__(self, state: RoomState, *, store: RoomStore, publisher: ChannelPublisher,
                 questions: QuestionSource, clock: Callable[[], float] = time.time,
                 on_end: Callable[[str], None] = lambda room: None,
                 resumable: bool = False) -> None:
        super().__init__(name=f"quiz-{state.room_id}")
        self.state, self.store, self.publisher = state, store, publisher
        self.questions, self.clock, self.on_end = questions, clock, on_end
        # another process may resume the room: every answer is stored as it comes (alone, an
        # open round's answers matter to nobody once the process stops)
        self.resumable = resumable
        self.next_round_at: float | None = None  # absolute: when the next round opens
        self.next_question: QuizQuestion | None = None
        self.drifts: list[float] = []  # how late each round opened against its schedule
        self.lobby_until = clock() + LOBBY_SECONDS
        self.moved = False  # another process owns the room now

    async def ask(self, request: Request) -> Any:
        """Send `request` and wait for its answer (raises QuizError when refused, RoomMoved
        when the room plays elsewhere now)."""
        if self.moved:
            raise RoomMoved(self.state.room_id)
        if self.state.phase is RoomPhase.FINISHED:
            raise QuizError("room_finished", "This quiz room has finished")
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.tell((request, answer))
        return await answer

    def lose(self) -> None:
        """The room's lease is lost: stop playing it (as soon as the current step ends)."""
        self.tell((_LOST, None))

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
        try:
            await self._play()
        except RoomMoved:
            self.moved = True
            log.info("quiz room %s: played by another process now", self.state.room_id)
        self._refuse_waiting()
        self.on_end(self.state.room_id)

    async def _play(self) -> None:
        while self.state.phase is not RoomPhase.FINISHED:
            due = self._next_timer()
            timeout = None if due is None else max(0.0, due - self.clock())
            try:
                request, answer = await asyncio.wait_for(self.mailbox.get(), timeout)
            except TimeoutError:
                await self._on_timer()
                continue
            if request is _LOST:
                raise RoomMoved(self.state.room_id)
            try:
                result = await self._handle(request)
            except (QuizError, RoomMoved) as exc:
                answer.set_exception(exc)
                if isinstance(exc, RoomMoved):
                    raise
            except Exception as exc:  # noqa: BLE001 - the asker hears it, the room goes on
                log.exception("quiz room %s: %r failed", self.state.room_id, request)
                answer.set_exception(exc)
            else:
                answer.set_result(result)

    def _refuse_waiting(self) -> None:
        while not self.mailbox.empty():
            _, answer = self.mailbox.get_nowait()
            if answer is None or answer.done():
                continue
            if self.moved:
                answer.set_exception(RoomMoved(self.state.room_id))
            else:
                answer.set_exception(QuizError("room_finished", "This quiz room has finished"))

    async def _on_timer(self) -> None:
        state = self.state
        if state.phase is RoomPhase.QUESTION:
            await self._reveal()
        elif state.phase is RoomPhase.REVEALED and state.last_round():
            await self._end("completed")  # resumed after the last reveal was stored
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
            return await self._answer(request, now)
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

    async def _answer(self, request: Answer, now: float) -> dict[str, Any]:
        state = self.state
        state.answer(request.user_id, request.round, request.choice, now)
        assert state.round is not None
        if self.resumable:
            await self.store.record_round(round_row(state.room_id, state.round), {})
        await self._publish({"type": "answered", "round": request.round,
                             "user": request.user_id})
        if state.everyone_answered():
            await self._reveal()
        return {"accepted": True}

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
        question = self.next_question
        self.next_question = None
        if question is None:  # not made ahead (a resumed room)
            try:
                question = await self.questions(frozenset(state.asked))
            except QuizError:
                await self._end("no_more_songs")
                return
        now = self.clock()
        if self.next_round_at is not None:
            self.drifts.append(max(0.0, now - self.next_round_at))
        self.next_round_at = None
        opened = state.open_round(question, now)
        if self.resumable:
            await self.store.record_round(round_row(state.room_id, opened), {})
        await self._publish(opened.public(state.settings.rounds))

    async def _reveal(self) -> None:
        """Close the round: the reveal and scores pushed and stored, the next round scheduled
        from now."""
        state = self.state
        revealed = state.reveal(self.clock())
        assert revealed.revealed_at is not None
        next_at = revealed.revealed_at + state.settings.reveal_seconds
        question = revealed.question
        await self._stored_and_pushed(
            round_row(state.room_id, revealed),
            {p.user_id: p.score for p in state.players.values()},
            [{"type": "reveal", "round": revealed.number, "correct": question.correct,
              "link": question.options[question.correct].link,
              "points": {str(k): v for k, v in revealed.points.items()}},
             {"type": "scores", "scores": state.scores_json()}])
        if state.last_round():
            await self._end("completed")
            return
        self.next_round_at = next_at
        try:  # ready before it is due, so that the round opens on time
            self.next_question = await self.questions(frozenset(state.asked))
        except QuizError:
            await self._end("no_more_songs")

    async def _stored_and_pushed(self, row: QuizRound, scores: Mapping[int | str, int],
                                 pushes: list[dict[str, Any]]) -> None:
        """Store the round and `scores` and send `pushes`: stored first when another process
        may resume the room (it must never have told of a round its rows do not have, nor a
        process whose writes are refused tell of one); alone, pushed first, so the players
        hear it at once (a crash in between loses this round's points, never a stored
        board)."""
        if self.resumable:
            await self.store.record_round(row, scores)
        for push in pushes:
            await self._publish(push)
        if not self.resumable:
            await self.store.record_round(row, scores)

    async def _end(self, reason: str) -> None:
        state = self.state
        if state.phase is RoomPhase.FINISHED:
            return
        board = state.board()
        await self.store.finish_room(state.room_id, board, reason, self.clock())
        state.phase = RoomPhase.FINISHED
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
