"""Live quiz rooms: the domain operations every way of playing calls (websocket RPC, the REST
answer route). Each room is played by its actor (workers/quizmaster.py) in one process, its
owner (handlers/quiz/registry.py); these functions check the request and ask the room,
wherever it plays. Refusals are typed errors whose `code` is the quiz protocol's (README
"Quiz protocol").
"""

from __future__ import annotations

import secrets
from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable
from handlers.identity.app_users import AppUser, Caller
from handlers.quiz.questions import make_question
from handlers.quiz.registry import ask_room, host_room
from handlers.quiz.scoring import points
from store.records import QuizRoom
from workers.quiz_room import PlayerKey, QuizError, RoomSettings, RoomState, ranked_board
from workers.quizmaster import Answer, End, Join, Leave, Request, Start, State

__all__ = ["create_room", "join_room", "start_room", "answer_round", "leave_room",
           "room_state", "public_rooms", "may_follow_room", "end_rooms", "close_abandoned_rooms",
           "player_key", "MAX_ROUNDS", "MIN_SECONDS", "MAX_SECONDS", "SOURCES"]

MAX_ROUNDS = 50
ROOMS_PER_HOST = 3  # live rooms one user may host at once
MIN_SECONDS, MAX_SECONDS = 5.0, 120.0
SOURCES = ("lyrics",)
_ERRORS: dict[str, type[DomainError]] = {
    "unknown_room": NotFound, "not_host": Forbidden, "not_a_player": Forbidden,
    "bad_invite": Forbidden, "choice_out_of_range": Invalid, "invalid_params": Invalid,
    "room_unavailable": Unavailable, "quiz_unavailable": Unavailable}


def _domain(exc: QuizError) -> DomainError:
    return _ERRORS.get(exc.code, Conflict)(exc.message, code=exc.code)


def player_key(caller: Caller) -> PlayerKey:
    """A Chorus user's id, or "app:<sub>" for an app's user (never equal to a user id)."""
    return f"app:{caller.sub}" if isinstance(caller, AppUser) else caller.user.id


def _player_name(caller: Caller) -> str:
    if isinstance(caller, AppUser):
        return caller.name
    user = caller.user
    return user.name or user.username or f"player {user.id}"


def _settings(ctx: Context, rounds: Any, seconds: Any, source: Any, public: Any
              ) -> RoomSettings:
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise Invalid(f"rounds must be a whole number from 1 to {MAX_ROUNDS}",
                      code="invalid_params")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
            or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise Invalid(f"seconds must be from {MIN_SECONDS:g} to {MAX_SECONDS:g}",
                      code="invalid_params")
    if source not in SOURCES:
        raise Invalid("source must be \"lyrics\" (no audio previews in this catalog)",
                      code="invalid_params")
    if not isinstance(public, bool):
        raise Invalid("public must be true or false", code="invalid_params")
    return RoomSettings(rounds=rounds, seconds=float(seconds), source=source, public=public,
                        max_players=ctx.config.quiz_max_players,
                        reveal_seconds=ctx.config.quiz_reveal_seconds)


async def _ask(ctx: Context, room: Any, request: Request) -> Any:
    if not isinstance(room, str) or not room:
        raise Invalid("room must be a room id", code="invalid_params")
    try:
        return await ask_room(ctx, room, request)
    except QuizError as exc:
        raise _domain(exc) from exc


async def create_room(ctx: Context, principal: Caller, *, rounds: Any = 10,
                      seconds: Any = 20, source: Any = "lyrics", public: Any = True
                      ) -> dict[str, Any]:
    """A new room hosted by the caller, who joins it: `{room, channel, invite_code, ...}`;
    it plays in this process.

    Raises:
        Invalid: bad settings. Conflict: `not_enough_songs`. Unavailable: no supervisor.
        Forbidden: `app_cannot_host` (an app's user joins rooms; Chorus users host them).
    """
    if isinstance(principal, AppUser):
        raise Forbidden("An app's user cannot create quiz rooms; join one a Chorus user hosts",
                        code="app_cannot_host")
    settings = _settings(ctx, rounds, seconds, source, public)
    if ctx.quiz_state.supervisor is None:
        raise Unavailable("Quiz rooms are not running in this process", code="quiz_unavailable")
    host = principal.user.id
    hosted = sum(1 for r in await ctx.store.quiz.open_rooms() if r.host_id == host)
    if hosted >= ROOMS_PER_HOST:
        raise Conflict(f"You already host {hosted} live quiz rooms; end one first",
                       code="too_many_rooms")
    await make_question(ctx)  # fails now, with its reason, when the catalog cannot make one
    room_id = secrets.token_urlsafe(9)
    code = "" if settings.public else secrets.token_hex(4)
    room = QuizRoom(id=room_id, host_id=host, settings=msgspec.to_builtins(settings),
                    invite_code=code, created_at=ctx.clock())
    try:
        await host_room(ctx, room, RoomState(room_id, host, settings, points, code))
    except QuizError as exc:
        raise _domain(exc) from exc
    snapshot = await _ask(ctx, room_id, Join(host, _player_name(principal), code))
    return {**snapshot, "invite_code": code or None}


async def join_room(ctx: Context, principal: Caller, room: Any, code: Any = "") -> Any:
    """Join (or rejoin) a room: its snapshot, the open round included (late joiners play it)."""
    return await _ask(ctx, room, Join(player_key(principal), _player_name(principal),
                                      code if isinstance(code, str) else ""))


async def start_room(ctx: Context, principal: Caller, room: Any) -> Any:
    return await _ask(ctx, room, Start(player_key(principal)))


async def answer_round(ctx: Context, principal: Caller, room: Any, round_number: Any,
                       choice: Any) -> Any:
    """`{accepted: true}`, or the refusal (too late, another round, twice, out of range)."""
    return await _ask(ctx, room, Answer(player_key(principal), round_number, choice))


async def leave_room(ctx: Context, principal: Caller, room: Any) -> Any:
    return await _ask(ctx, room, Leave(player_key(principal)))


async def room_state(ctx: Context, principal: Caller, room: Any) -> Any:
    """The snapshot of a live room; a finished room's final board (to those who played)."""
    if isinstance(room, str) and room and room not in ctx.quiz_state.rooms:
        stored = await ctx.store.quiz.get_room(room)
        if stored is not None and stored.status == "finished" \
                and await ctx.store.quiz.player(room, player_key(principal)) is not None:
            return {"room": room, "channel": f"quiz:{room}", "status": stored.status,
                    "board": stored.board, "end_reason": stored.end_reason}
    return await _ask(ctx, room, State(player_key(principal)))


async def public_rooms(ctx: Context) -> list[dict[str, Any]]:
    """Public rooms still waiting for players to start, wherever they play."""
    found = []
    for stored in await ctx.store.quiz.open_rooms():
        actor = ctx.quiz_state.rooms.get(stored.id)
        if actor is not None:
            state = actor.state
            if state.settings.public and state.phase.value == "lobby":
                found.append(_listed(stored.id, state.host_id, len(state.present()),
                                     state.settings))
        elif stored.status == "lobby" and stored.settings.get("public", True):
            present = [p for p in await ctx.store.quiz.players(stored.id) if p.left_at is None]
            found.append(_listed(stored.id, stored.host_id, len(present),
                                 msgspec.convert(stored.settings, RoomSettings)))
    return found


def _listed(room: str, host: PlayerKey, players: int, settings: RoomSettings) -> dict[str, Any]:
    return {"room": room, "host": host, "players": players, "rounds": settings.rounds,
            "seconds": settings.seconds}


async def may_follow_room(ctx: Context, user_id: PlayerKey, room: str) -> bool:
    """Whether the player (a user id, or an app user's "app:<sub>") may subscribe to
    `quiz:<room>`: a player of the live room, or anyone who played a finished one (its
    history)."""
    actor = ctx.quiz_state.rooms.get(room)
    if actor is not None:
        return actor.state.is_member(user_id)
    return await ctx.store.quiz.player(room, user_id) is not None


async def end_rooms(ctx: Context, reason: str) -> None:
    """End every live room (the process stops): boards pushed and stored with their scores."""
    for actor in list(ctx.quiz_state.rooms.values()):
        try:
            await actor.ask(End(reason))
        except QuizError:
            pass


async def close_abandoned_rooms(ctx: Context) -> int:
    """Finish the rooms a stopped process left open, each with the scores its players had
    after the last revealed round; how many."""
    rooms = await ctx.store.quiz.open_rooms()
    for room in rooms:
        players = await ctx.store.quiz.players(room.id)
        ranked = sorted(players, key=lambda p: (-p.score, p.joined_at))
        board = ranked_board([{"user": p.user_id, "name": p.name, "score": p.score}
                              for p in ranked])
        await ctx.store.quiz.finish_room(room.id, board, "restart", ctx.clock())
    return len(rooms)
