"""The quiz protocol (README "Quiz protocol"): websocket RPC methods `quiz.*` for live clients
and bots (Chorus users, or apps' users with a Centrifugo-compatible token), and REST routes
(Chorus users only) for clients without websockets, who follow the room's channel over
`/connection/uni_sse` and answer here.

RPC errors carry the quiz's own codes (QUIZ_ERROR_CODES); REST errors answer `{"error",
"code"}` with the HTTP status of the refusal.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_json
from handlers.api.dialect import Dialect, json_response
from handlers.api.keys import context
from handlers.api.rpc import RPC_ERROR_CODES, rpc_method_for_apps, rpc_params
from handlers.context import Context
from handlers.errors import DomainError
from handlers.identity.app_users import Caller
from handlers.quiz import rooms

__all__ = ["QUIZ_ERROR_CODES", "QuizDialect", "setup_routes"]

QUIZ_ERROR_CODES = {
    "unknown_room": 1001, "room_full": 1002, "room_finished": 1003, "not_host": 1004,
    "already_started": 1005, "not_a_player": 1006, "not_running": 1007, "wrong_round": 1008,
    "too_late": 1009, "already_answered": 1010, "choice_out_of_range": 1011,
    "not_enough_songs": 1012, "bad_invite": 1013, "too_many_rooms": 1014,
    "app_cannot_host": 1015, "room_unavailable": 1016}
RPC_ERROR_CODES.update(QUIZ_ERROR_CODES)


class QuizDialect(Dialect):
    """Chorus's own REST shape for the quiz: `{"error": message, "code": code}`."""

    name = "quiz"

    def error_body(self, err: DomainError) -> Any:
        return {"error": self.message(err), "code": err.code}


quiz_dialect = QuizDialect()



@rpc_method_for_apps("quiz.create")
async def quiz_create(ctx: Context, principal: Caller, data: Any) -> Any:
    """{rounds?, seconds?, source?, public?} -> {room, channel, invite_code, players, ...}"""
    params = rpc_params(data)
    return await rooms.create_room(ctx, principal, rounds=params.get("rounds", 10),
                                   seconds=params.get("seconds", 20),
                                   source=params.get("source", "lyrics"),
                                   public=params.get("public", True))


@rpc_method_for_apps("quiz.join")
async def quiz_join(ctx: Context, principal: Caller, data: Any) -> Any:
    """{room, code?} -> {room, players, round, ...}"""
    params = rpc_params(data)
    return await rooms.join_room(ctx, principal, params.get("room"), params.get("code", ""))


@rpc_method_for_apps("quiz.start")
async def quiz_start(ctx: Context, principal: Caller, data: Any) -> Any:
    return await rooms.start_room(ctx, principal, rpc_params(data).get("room"))


@rpc_method_for_apps("quiz.answer")
async def quiz_answer(ctx: Context, principal: Caller, data: Any) -> Any:
    """{room, round, choice} -> {accepted: true}"""
    params = rpc_params(data)
    return await rooms.answer_round(ctx, principal, params.get("room"), params.get("round"),
                                    params.get("choice"))


@rpc_method_for_apps("quiz.leave")
async def quiz_leave(ctx: Context, principal: Caller, data: Any) -> Any:
    return await rooms.leave_room(ctx, principal, rpc_params(data).get("room"))


@rpc_method_for_apps("quiz.state")
async def quiz_state(ctx: Context, principal: Caller, data: Any) -> Any:
    return await rooms.room_state(ctx, principal, rpc_params(data).get("room"))


@rpc_method_for_apps("quiz.list")
async def quiz_list(ctx: Context, principal: Caller, data: Any) -> Any:
    """{} -> {rooms: [...]}: public rooms waiting in their lobby"""
    return {"rooms": await rooms.public_rooms(ctx)}


async def _rest_answer(request: web.Request) -> web.Response:
    principal = await require_principal(request, "User not authenticated")
    body = await read_json(request)
    return json_response(await rooms.answer_round(
        context(request), principal, request.match_info["room"], body.get("round"),
        body.get("choice")))


async def _rest_join(request: web.Request) -> web.Response:
    principal = await require_principal(request, "User not authenticated")
    body = await read_json(request, required=False)
    return json_response(await rooms.join_room(context(request), principal,
                                               request.match_info["room"],
                                               body.get("code", "")))


async def _rest_leave(request: web.Request) -> web.Response:
    principal = await require_principal(request, "User not authenticated")
    return json_response(await rooms.leave_room(context(request), principal,
                                                request.match_info["room"]))


async def _rest_state(request: web.Request) -> web.Response:
    principal = await require_principal(request, "User not authenticated")
    return json_response(await rooms.room_state(context(request), principal,
                                                request.match_info["room"]))


def setup_routes(app: web.Application) -> None:
    router = app.router
    quiz_dialect.add(router, "GET", "/api/quiz/rooms/{room}", _rest_state)
    quiz_dialect.add(router, "POST", "/api/quiz/rooms/{room}/join", _rest_join)
    quiz_dialect.add(router, "POST", "/api/quiz/rooms/{room}/answer", _rest_answer)
    quiz_dialect.add(router, "POST", "/api/quiz/rooms/{room}/leave", _rest_leave)
