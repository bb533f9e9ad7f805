"""A live room as its rows left it (handlers/quiz/registry.py resumes a room another process
played): players with their scores after the last reveal, the host, the songs asked, and the
last round, open (with its question, deadline and the answers given so far) or revealed."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from handlers.quiz.scoring import points
from store.records import QuizPlayer, QuizRoom, QuizRound
from workers.quiz_room import (
    Player,
    PlayerKey,
    QuizQuestion,
    RoomPhase,
    RoomSettings,
    RoomState,
    Round,
)
from workers.quizmaster import LOBBY_SECONDS, QuizRoomActor

__all__ = ["restore_state", "restore_timers", "idle_since", "STALE_SECONDS"]

# a started room nobody played for this long (every process was down) is not resumed but
# ended, as a process alone ends the rooms a crash left open
STALE_SECONDS = LOBBY_SECONDS


def _key(stored: str) -> PlayerKey:
    """A player key as stored in a round's JSON: a user id's digits, or "app:<sub>"."""
    return int(stored) if stored.lstrip("-").isdigit() else stored


def _question(row: QuizRound) -> QuizQuestion:
    if not row.question:  # a round stored before questions were (always revealed)
        return QuizQuestion(snippet="", options=[], correct=row.correct,
                            catalog_id=row.catalog_id)
    return msgspec.convert(row.question, QuizQuestion)


def _round(row: QuizRound) -> Round:
    return Round(row.number, _question(row), row.started_at, row.deadline,
                 answers={_key(k): (choice, at) for k, (choice, at) in row.answers.items()},
                 points={_key(k): v for k, v in row.points.items()},
                 revealed_at=row.revealed_at)


def restore_state(room: QuizRoom, players: Sequence[QuizPlayer],
                  rounds: Sequence[QuizRound]) -> RoomState:
    """The room's state from its rows (`rounds` in order)."""
    settings = msgspec.convert(room.settings, RoomSettings)
    state = RoomState(room.id, room.host_id, settings, points, room.invite_code)
    for player in players:
        state.players[player.user_id] = Player(player.user_id, player.name, player.joined_at,
                                               player.score, present=player.left_at is None)
    present = state.present()
    if not state.is_member(state.host_id) and present:
        state.host_id = present[0].user_id  # an app's user hosted (kept in memory only)
    state.asked = {r.catalog_id for r in rounds if r.catalog_id is not None}
    if room.status == "lobby":
        return state
    state.phase = RoomPhase.REVEALED  # started, and no round stored yet: round 1 is due
    if rounds:
        state.round = _round(rounds[-1])
        state.phase = RoomPhase.REVEALED if state.round.revealed else RoomPhase.QUESTION
    return state


def restore_timers(actor: QuizRoomActor, room: QuizRoom) -> None:
    """When the resumed room's lobby closes and its next round opens."""
    actor.lobby_until = room.created_at + LOBBY_SECONDS
    current = actor.state.round
    if actor.state.phase is RoomPhase.REVEALED:
        revealed_at = current.revealed_at if current is not None else None
        actor.next_round_at = actor.clock() if revealed_at is None \
            else revealed_at + actor.state.settings.reveal_seconds


def idle_since(state: RoomState, room: QuizRoom) -> float:
    """When the resumed room last changed as far as its rows tell (a round opened or was
    revealed; else it started, or was created)."""
    current = state.round
    if current is not None:
        return current.revealed_at if current.revealed_at is not None else current.started_at
    return room.started_at if room.started_at is not None else room.created_at
