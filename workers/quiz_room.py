"""A quiz room's state, without I/O: players, the current round, answers, scores.

Every change is a method that checks first and raises QuizError (nothing changed) or
changes the state and returns what to push. workers/quizmaster.py (the room's actor) calls
these one at a time, owns the timers and does the I/O. Times are absolute epoch seconds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

__all__ = ["PlayerKey", "QuizError", "QuizOption", "QuizQuestion", "RoomSettings", "Player", "Round",
           "RoomPhase", "RoomState", "Scorer", "ranked_board"]

# A player: a Chorus user's id, or "app:<sub>" for an app's user (a Centrifugo token's `sub`)
PlayerKey = int | str

# (correct, seconds left before the deadline when it came, seconds the round lasted) -> points
Scorer = Callable[[bool, float, float], int]


def ranked_board(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`scores` (best first) with each entry's rank; equal scores share a rank."""
    board, rank, last = [], 0, None
    for index, entry in enumerate(scores, start=1):
        if entry["score"] != last:
            rank, last = index, entry["score"]
        board.append({**entry, "rank": rank})
    return board


class QuizError(Exception):
    """A refused request: `code` is stable (README "Quiz protocol"), `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class QuizOption(msgspec.Struct, frozen=True):
    link: str
    name: str
    artist: str


class QuizQuestion(msgspec.Struct, frozen=True, kw_only=True):
    snippet: str
    options: list[QuizOption]
    correct: int  # never pushed before the reveal
    catalog_id: int | None = None


class RoomSettings(msgspec.Struct, frozen=True, kw_only=True):
    rounds: int = 10
    seconds: float = 20.0
    source: str = "lyrics"
    public: bool = True
    max_players: int = 16
    reveal_seconds: float = 3.0


@dataclass
class Player:
    user_id: PlayerKey
    name: str
    joined_at: float
    score: int = 0
    present: bool = True


@dataclass
class Round:
    number: int  # 1-based
    question: QuizQuestion
    started_at: float
    deadline: float
    # player -> (choice, at)
    answers: dict[PlayerKey, tuple[int, float]] = field(default_factory=dict)
    points: dict[PlayerKey, int] = field(default_factory=dict)
    revealed_at: float | None = None  # when it closed (None: open for answers)

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None

    def public(self, rounds: int) -> dict[str, Any]:
        """The `round` push: everything but the answer."""
        return {"type": "round", "round": self.number, "rounds": rounds,
                "snippet": self.question.snippet,
                "options": [{"name": o.name, "artist": o.artist, "link": o.link}
                            for o in self.question.options],
                "started_at": self.started_at, "deadline": self.deadline}


class RoomPhase(enum.StrEnum):
    LOBBY = "lobby"
    QUESTION = "question"  # a round is open for answers
    REVEALED = "revealed"  # between a reveal and the next round
    FINISHED = "finished"


class RoomState:
    """One room: who plays, who hosts, the current round and the scores."""

    def __init__(self, room_id: str, host_id: PlayerKey, settings: RoomSettings, scorer: Scorer,
                 invite_code: str = "") -> None:
        self.room_id, self.host_id, self.settings = room_id, host_id, settings
        self.scorer, self.invite_code = scorer, invite_code
        self.players: dict[PlayerKey, Player] = {}
        self.phase = RoomPhase.LOBBY
        self.round: Round | None = None
        self.asked: set[int] = set()  # catalog ids of the songs asked so far

    @property
    def channel(self) -> str:
        return f"quiz:{self.room_id}"

    def present(self) -> list[Player]:
        return [p for p in self.players.values() if p.present]

    def is_member(self, user_id: PlayerKey) -> bool:
        player = self.players.get(user_id)
        return player is not None and player.present

    def players_json(self) -> list[dict[str, Any]]:
        return [{"user": p.user_id, "name": p.name, "score": p.score,
                 "host": p.user_id == self.host_id} for p in self.present()]

    def scores_json(self) -> list[dict[str, Any]]:
        ranked = sorted(self.players.values(), key=lambda p: (-p.score, p.joined_at))
        return [{"user": p.user_id, "name": p.name, "score": p.score} for p in ranked]

    def board(self) -> list[dict[str, Any]]:
        """The final board: everyone who played, best first, with ranks."""
        return ranked_board(self.scores_json())

    # ---- changes --------------------------------------------------------------------------

    def join(self, user_id: PlayerKey, name: str, code: str, now: float) -> bool:
        """Add the player (True) or find them there already (False)."""
        if self.phase is RoomPhase.FINISHED:
            raise QuizError("room_finished", "This quiz room has finished")
        if self.is_member(user_id):
            return False
        if not self.settings.public and code != self.invite_code and user_id != self.host_id:
            raise QuizError("bad_invite", "This quiz room needs its invite code")
        if len(self.present()) >= self.settings.max_players:
            raise QuizError("room_full",
                            f"This quiz room is full ({self.settings.max_players} players)")
        known = self.players.get(user_id)
        if known is not None:
            known.present, known.name = True, name
        else:
            self.players[user_id] = Player(user_id, name, now)
        if not self.is_member(self.host_id):
            self.host_id = user_id
        return True

    def leave(self, user_id: PlayerKey) -> None:
        """Take the player out (their score stays on the board); the next player in join order
        becomes host when the host leaves."""
        self.require_member(user_id)
        self.players[user_id].present = False
        if user_id == self.host_id and self.present():
            self.host_id = self.present()[0].user_id

    def require_member(self, user_id: PlayerKey) -> None:
        if not self.is_member(user_id):
            raise QuizError("not_a_player", "Join this quiz room first")

    def check_start(self, user_id: PlayerKey) -> None:
        self.require_member(user_id)
        if user_id != self.host_id:
            raise QuizError("not_host", "Only the host starts the quiz")
        if self.phase is not RoomPhase.LOBBY:
            raise QuizError("already_started", "This quiz has already started")

    def open_round(self, question: QuizQuestion, now: float) -> Round:
        number = self.round.number + 1 if self.round else 1
        self.round = Round(number, question, now, now + self.settings.seconds)
        self.phase = RoomPhase.QUESTION
        if question.catalog_id is not None:
            self.asked.add(question.catalog_id)
        return self.round

    def answer(self, user_id: PlayerKey, number: Any, choice: Any, now: float) -> None:
        """Record the player's first answer to the open round, on time and in range."""
        self.require_member(user_id)
        current = self.round
        if self.phase is RoomPhase.LOBBY or current is None:
            raise QuizError("not_running", "No round is open: the quiz has not started")
        if self.phase is RoomPhase.FINISHED:
            raise QuizError("room_finished", "This quiz room has finished")
        if isinstance(number, bool) or not isinstance(number, int):
            raise QuizError("invalid_params", "round must be a round number")
        if number != current.number:
            raise QuizError("wrong_round",
                            f"Round {number} is not open; round {current.number} is")
        if isinstance(choice, bool) or not isinstance(choice, int) \
                or not 0 <= choice < len(current.question.options):
            raise QuizError("choice_out_of_range",
                            f"choice must be an option index from 0 to "
                            f"{len(current.question.options) - 1}")
        if user_id in current.answers:
            raise QuizError("already_answered", f"You already answered round {number}")
        if current.revealed or now > current.deadline:
            raise QuizError("too_late", f"Round {number} closed at its deadline")
        current.answers[user_id] = (choice, now)

    def everyone_answered(self) -> bool:
        current = self.round
        return current is not None and all(p.user_id in current.answers for p in self.present())

    def reveal(self, now: float) -> Round:
        """Close the open round: each player's points (0 without an answer) added to scores."""
        current = self.round
        assert current is not None and not current.revealed
        seconds = self.settings.seconds
        for player in self.players.values():
            choice, at = current.answers.get(player.user_id, (-1, current.deadline))
            gained = self.scorer(choice == current.question.correct,
                                 max(0.0, current.deadline - at), seconds)
            if player.user_id in current.answers or player.present:
                current.points[player.user_id] = gained
            player.score += gained
        current.revealed_at = now
        self.phase = RoomPhase.REVEALED
        return current

    def last_round(self) -> bool:
        return self.round is not None and self.round.number >= self.settings.rounds
