"""Which process plays which live quiz room, and asking a room wherever it plays.

A room is played by one actor in one process, its owner: the process holding the room's
lease (ctx.quiz_state.leases: on a Redis broker a Redis lock shared by every process, else
this process's own) with a fencing token. When rooms are shared between processes, the
room's writes carry it (handlers/quiz/fence.py), so the writes of a process whose lease
expired are refused once another took the room over, and every answer is stored as it comes;
the owner renews its leases while it plays (`keep_rooms`).

A request for a room played elsewhere goes to its owner through the relay (request and reply
on the broker's control channel, hub.realtime.relay) and its answer comes back. A room whose
owner is gone (its lease expired) is taken over by the first process asked about it, or found
by the sweep of open rooms (`keep_rooms`), and resumed from its rows (handlers/quiz/restore.py).
With one process and the in-process broker, every room plays here and nothing travels.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import Conflict
from handlers.quiz.fence import FencedRoomStore
from handlers.quiz.questions import make_question
from handlers.quiz.restore import STALE_SECONDS, idle_since, restore_state, restore_timers
from hub.realtime.lease import Lease, LeasesUnavailable
from hub.realtime.relay import RelayError, RelayTimeout
from store.records import QuizRoom
from workers.quiz_room import QuizError, QuizQuestion, RoomPhase, RoomState
from workers.quizmaster import QuizRoomActor, Request, RoomMoved, RoomStore

__all__ = ["ask_room", "host_room", "serve_routed", "keep_rooms", "release_rooms",
           "lease_name", "ROUTE_TOPIC", "RoutedRequest", "RoutedReply"]

log = logging.getLogger("chorus.quiz")

ROUTE_TOPIC = "quiz"
ATTEMPTS = 4  # an owner that changes under a request is looked up again this many times
RETRY_DELAY = 0.05  # seconds before looking a room's owner up again
NOT_OWNER = "not_owner"  # a routed reply: that process does not play the room (any more)


class RoutedRequest(msgspec.Struct, frozen=True):
    """A request for `room`, sent to the process that plays it."""

    room: str
    request: Request


class RoutedReply(msgspec.Struct, frozen=True, omit_defaults=True):
    """The room's answer, or its refusal (`code`, `message`: a QuizError's, or NOT_OWNER)."""

    result: Any = None
    code: str = ""
    message: str = ""


def lease_name(room_id: str) -> str:
    return f"quiz:{room_id}"


def _unavailable(message: str) -> QuizError:
    return QuizError("room_unavailable", message)


async def _question(ctx: Context, asked: frozenset[int]) -> QuizQuestion:
    try:
        return await make_question(ctx, exclude=asked)
    except Conflict as exc:
        raise QuizError(exc.code, exc.message) from exc


# ---- playing a room here -------------------------------------------------------------------


def _forget(ctx: Context, room_id: str) -> None:
    """The room's actor stopped (ended, or moved): its lease is given up."""
    quiz = ctx.quiz_state
    quiz.rooms.pop(room_id, None)
    lease = quiz.held.pop(room_id, None)
    if lease is not None:
        task = asyncio.get_running_loop().create_task(_release(ctx, lease))
        quiz.releases.add(task)
        task.add_done_callback(quiz.releases.discard)


async def _release(ctx: Context, lease: Lease) -> None:
    try:
        await ctx.quiz_state.leases.release(lease)
    except Exception:  # noqa: BLE001 - it expires on its own
        log.exception("could not release %s", lease.name)


async def _play(ctx: Context, state: RoomState, lease: Lease) -> QuizRoomActor:
    """Start the room's actor here, writing under `lease`'s token."""
    quiz = ctx.quiz_state
    if quiz.supervisor is None:
        raise QuizError("quiz_unavailable", "Quiz rooms are not running in this process")
    # alone, nobody else can own the room: its writes need no fence
    store: RoomStore = FencedRoomStore(ctx.store, state.room_id, lease.token) \
        if quiz.shared else ctx.store.quiz
    actor = QuizRoomActor(state, store=store, publisher=ctx.publisher,
                          questions=lambda asked: _question(ctx, asked),
                          clock=lambda: ctx.clock(),
                          on_end=lambda room: _forget(ctx, room), resumable=quiz.shared)
    quiz.rooms[state.room_id] = actor
    quiz.held[state.room_id] = lease
    await quiz.supervisor.start(actor)
    return actor


async def host_room(ctx: Context, room: QuizRoom, state: RoomState) -> QuizRoomActor:
    """Store a new room and play it here."""
    if ctx.quiz_state.supervisor is None:
        raise QuizError("quiz_unavailable", "Quiz rooms are not running in this process")
    try:
        lease = await ctx.quiz_state.leases.acquire(lease_name(room.id))
    except LeasesUnavailable:
        raise _unavailable("Quiz rooms cannot start now (their leases' Redis is down); try "
                           "again") from None
    if lease is None:  # a fresh random id: nobody else can hold it
        raise _unavailable("This quiz room's id is taken; create it again")
    await ctx.store.quiz.create_room(msgspec.structs.replace(room, owner_token=lease.token))
    return await _play(ctx, state, lease)


async def _take_over(ctx: Context, room_id: str) -> None:
    """Resume the room here when nobody holds its lease (done when another process took it
    first: the caller looks its owner up again).

    Raises:
        QuizError: `unknown_room`, `room_finished`, `quiz_unavailable`.
    """
    quiz = ctx.quiz_state
    # the lease makes one process (and one task) the owner; the lock saves the others' work
    try:
        async with quiz.taking.setdefault(room_id, asyncio.Lock()):
            if room_id not in quiz.rooms:
                await _resume(ctx, room_id)
    finally:
        quiz.taking.pop(room_id, None)


async def _resume(ctx: Context, room_id: str) -> None:
    room = await ctx.store.quiz.get_room(room_id)
    if room is None:
        raise QuizError("unknown_room", "No quiz room has this id")
    if room.status == "finished":
        raise QuizError("room_finished", "This quiz room has finished")
    leases = ctx.quiz_state.leases
    lease = await leases.acquire(lease_name(room_id), floor=room.owner_token)
    if lease is None:
        return
    if not await ctx.store.quiz.claim_room(room_id, lease.token):
        await leases.release(lease)  # finished meanwhile, or claimed with a higher token
        return
    state = restore_state(room, await ctx.store.quiz.players(room_id),
                          await ctx.store.quiz.rounds(room_id))
    if state.phase is not RoomPhase.LOBBY \
            and ctx.clock() - idle_since(state, room) > STALE_SECONDS:
        # nobody could play it for long (every process was down): ended, not resumed
        await FencedRoomStore(ctx.store, room_id, lease.token).finish_room(
            room_id, state.board(), "restart", ctx.clock())
        await leases.release(lease)
        raise QuizError("room_finished", "This quiz room has finished")
    try:
        actor = await _play(ctx, state, lease)
    except QuizError:
        await leases.release(lease)
        raise
    restore_timers(actor, room)
    log.info("quiz room %s: taken over with token %d (%s, round %s)", room_id, lease.token,
             state.phase.value, state.round.number if state.round else 0)


# ---- asking a room wherever it plays -------------------------------------------------------


async def ask_room(ctx: Context, room_id: str, request: Request) -> Any:
    """The answer of the room's actor, here or in the process that plays it.

    Raises:
        QuizError: the room's refusal; `unknown_room`, `room_finished`; `room_unavailable`
            when its owner does not answer (it died: its lease expires within
            CHORUS_QUIZ_LEASE_SECONDS, then any process takes the room over) or the leases
            cannot be reached.
    """
    try:
        return await _ask(ctx, room_id, request)
    except LeasesUnavailable:
        raise _unavailable("Quiz rooms cannot be reached now (their leases' Redis is down); "
                           "try again") from None


async def _ask(ctx: Context, room_id: str, request: Request) -> Any:
    quiz = ctx.quiz_state
    for attempt in range(ATTEMPTS):
        if attempt and room_id not in quiz.rooms:
            await asyncio.sleep(RETRY_DELAY * attempt)  # an owner changing: let it settle
        actor = quiz.rooms.get(room_id)
        if actor is not None:
            try:
                return await actor.ask(request)
            except RoomMoved:
                continue
        holder = await quiz.leases.holder(lease_name(room_id))
        if holder is None or holder == quiz.leases.owner:
            # nobody's (or this process's, being taken over or given up): take it over
            await _take_over(ctx, room_id)
            continue
        try:
            return await _route(ctx, holder, room_id, request)
        except RoomMoved:
            continue
    raise _unavailable("This quiz room is moving between processes; try again")


async def _route(ctx: Context, holder: str, room_id: str, request: Request) -> Any:
    relay = ctx.quiz_state.relay
    if relay is None:
        raise _unavailable("This quiz room plays in another process, which cannot be reached")
    body = msgspec.json.encode(RoutedRequest(room_id, request))
    try:
        answer = await relay.call(holder, ROUTE_TOPIC, body, ctx.config.quiz_route_timeout)
    except RelayTimeout:
        raise _unavailable("The process playing this quiz room does not answer; try again "
                           "in a few seconds") from None
    except RelayError as exc:
        raise RuntimeError(f"quiz room {room_id}: its owner failed: {exc}") from exc
    reply = msgspec.json.decode(answer, type=RoutedReply)
    if reply.code == NOT_OWNER:
        raise RoomMoved(room_id)
    if reply.code:
        raise QuizError(reply.code, reply.message)
    return reply.result


async def serve_routed(ctx: Context, body: bytes) -> bytes:
    """Answer a request another process routed here (the relay's ROUTE_TOPIC)."""
    call = msgspec.json.decode(body, type=RoutedRequest)
    actor = ctx.quiz_state.rooms.get(call.room)
    reply = RoutedReply(code=NOT_OWNER)
    if actor is not None:
        try:
            reply = RoutedReply(result=await actor.ask(call.request))
        except RoomMoved:
            pass
        except QuizError as exc:
            reply = RoutedReply(code=exc.code, message=exc.message)
    return msgspec.json.encode(reply)


# ---- keeping rooms alive across processes --------------------------------------------------


async def keep_rooms(ctx: Context) -> int:
    """Renew the leases of the rooms played here (a room whose lease is lost stops here), then
    take over the open rooms nobody holds; how many were taken over."""
    quiz = ctx.quiz_state
    for room_id, lease in list(quiz.held.items()):
        if not await quiz.leases.renew(lease) and quiz.held.get(room_id) == lease:
            actor = quiz.rooms.get(room_id)
            if actor is not None:
                actor.lose()
    taken = 0
    for room in await ctx.store.quiz.open_rooms():
        if room.id in quiz.rooms or await quiz.leases.holder(lease_name(room.id)) is not None:
            continue
        try:
            await _take_over(ctx, room.id)
        except QuizError as exc:
            log.info("quiz room %s: not taken over (%s)", room.id, exc.code)
        taken += room.id in quiz.rooms
    return taken


async def release_rooms(ctx: Context) -> None:
    """This process stops without ending its rooms (their actors stopped already): give their
    leases up, so that another process takes them over at once."""
    quiz = ctx.quiz_state
    held, quiz.held = quiz.held, {}
    quiz.rooms.clear()
    for lease in held.values():
        await _release(ctx, lease)
    await asyncio.gather(*quiz.releases, return_exceptions=True)
