"""Quiz rooms on two Chorus processes (CHORUS_BROKER=redis://...): two apps in one test
process with their own nodes, on one Redis (a prefix of their own) and one SQLite file. A
room plays in the process that created it; requests made on the other process are routed to
it and answered from it; when it dies (its lease expires, never released) the other takes
the room over and resumes it from its rows; when it stops, it hands its rooms over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from handlers.quiz.registry import lease_name
from hub.realtime.lease_redis import redis_leases
from store.records import QuizPlayer, QuizRoom
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.quiz.helpers import member, seed_songs
from tests.hub.realtime.helpers import node_of
from tests.waiting import until

ROUTE_TIMEOUT = 0.3


@pytest.fixture
def hubs(make_client: Any, tmp_path: Path, redis_url: str, redis_prefix: str) -> Any:
    """Start hubs A and B, with the given lease seconds each."""

    async def start(lease_a: float = 10.0, lease_b: float = 10.0
                    ) -> tuple[TestClient, TestClient]:
        started = []
        for lease in (lease_a, lease_b):
            started.append(await make_client(
                data_dir=tmp_path / "shared", broker=redis_url, redis_prefix=redis_prefix,
                quiz_lease_seconds=lease, quiz_route_timeout=ROUTE_TIMEOUT,
                quiz_reveal_seconds=60))
        await seed_songs(started[0])
        return started[0], started[1]

    return start


async def _rpc(conn: RawCentrifuge, method: str, data: dict[str, Any]) -> Any:
    reply = await conn.call("rpc", {"method": method, "data": data})
    assert "error" not in reply, reply
    return reply["rpc"].get("data")


async def _push(conn: RawCentrifuge, channel: str, kind: str) -> dict[str, Any]:
    """The next push of `kind` on `channel` (others skipped)."""
    while True:
        data: dict[str, Any] = (await conn.next_push(channel))["pub"]["data"]
        if data["type"] == kind:
            return data


async def _die(hub: TestClient) -> None:
    """The process dies: its actors stop where they are, its leases are never released, and
    nothing reaches it through Redis any more."""
    quiz = ctx_of(hub).quiz_state
    assert quiz.supervisor is not None
    await quiz.supervisor.close()
    quiz.held.clear()
    quiz.rooms.clear()
    await node_of(hub).broker.close()


async def _room_with_two_players(a: TestClient, b: TestClient, rounds: int = 1,
                                 seconds: int = 60) -> tuple[str, Any, Any, RawCentrifuge]:
    """A room created on A by ann (connected to A), joined by bob through B."""
    ann, bob = await member(a, "ann"), await member(b, "bob")
    ann_ws = await RawCentrifuge.open(a, ann.token, cookies=False)
    room = (await _rpc(ann_ws, "quiz.create", {"rounds": rounds, "seconds": seconds}))["room"]
    joined = await b.post(f"/api/quiz/rooms/{room}/join", headers=bob.auth)
    assert joined.status == 200, await joined.text()
    assert [p["user"] for p in (await joined.json())["players"]] == [ann.id, bob.id]
    return room, ann, bob, ann_ws


async def test_requests_on_the_other_process_are_answered_by_the_room_s_owner(hubs):
    a, b = await hubs()
    room, ann, bob, ann_ws = await _room_with_two_players(a, b)
    bob_ws = await RawCentrifuge.open(b, bob.token, cookies=False)
    try:
        assert room in ctx_of(a).quiz_state.rooms and room not in ctx_of(b).quiz_state.rooms
        assert await ctx_of(b).quiz_state.leases.holder(lease_name(room)) == node_of(a).uid
        listed = await _rpc(bob_ws, "quiz.list", {})
        assert [(r["room"], r["players"]) for r in listed["rooms"]] == [(room, 2)]
        early = await b.post(f"/api/quiz/rooms/{room}/answer", headers=bob.auth,
                             json={"round": 1, "choice": 0})
        assert early.status == 409 and (await early.json())["code"] == "not_running"
        refused = await bob_ws.call("rpc", {"method": "quiz.start", "data": {"room": room}})
        assert refused["error"]["code"] == 1004  # not_host, as A's actor said
        assert "error" not in await bob_ws.call("subscribe", {"channel": f"quiz:{room}"})
        await _rpc(ann_ws, "quiz.start", {"room": room})
        assert (await _push(bob_ws, f"quiz:{room}", "round"))["round"] == 1
        wrong = await _rpc_error(bob_ws, "quiz.answer", {"room": room, "round": 2, "choice": 0})
        assert wrong == 1008  # wrong_round
        assert await _rpc(bob_ws, "quiz.answer", {"room": room, "round": 1, "choice": 0}) == {
            "accepted": True}
        assert (await _push(bob_ws, f"quiz:{room}", "answered"))["user"] == bob.id
        state = await (await b.get(f"/api/quiz/rooms/{room}", headers=bob.auth)).json()
        assert state["status"] == "question" and state["round"]["answered"] is True
        assert bob.id in ctx_of(a).quiz_state.rooms[room].state.round.answers
        assert room not in ctx_of(b).quiz_state.rooms  # never played on B
    finally:
        await ann_ws.close()
        await bob_ws.close()


async def _rpc_error(conn: RawCentrifuge, method: str, data: dict[str, Any]) -> int:
    reply = await conn.call("rpc", {"method": method, "data": data})
    return int(reply["error"]["code"])


async def test_a_request_after_the_owner_died_takes_the_room_over(hubs):
    """B's own sweep is far off (a long lease of its own): the request itself takes over."""
    a, b = await hubs(lease_a=3.0, lease_b=60.0)
    room, ann, bob, ann_ws = await _room_with_two_players(a, b)
    await _rpc(ann_ws, "quiz.start", {"room": room})
    played = ctx_of(a).quiz_state.rooms[room]
    correct = played.state.round.question.correct
    deadline = played.state.round.deadline
    await _rpc(ann_ws, "quiz.answer", {"room": room, "round": 1, "choice": correct})
    await ann_ws.close()
    token = (await ctx_of(b).store.quiz.get_room(room)).owner_token
    await _die(a)
    # while A's lease lasts, nobody answers for the room
    silent = await b.get(f"/api/quiz/rooms/{room}", headers=bob.auth)
    assert silent.status == 503 and (await silent.json())["code"] == "room_unavailable"
    leases = ctx_of(b).quiz_state.leases
    await until(lambda: _no_holder(leases, room), failure="A's lease never expired")
    state = await b.get(f"/api/quiz/rooms/{room}", headers=bob.auth)
    assert state.status == 200, await state.text()
    resumed = await state.json()
    assert resumed["status"] == "question" and resumed["round"]["deadline"] == deadline
    assert room in ctx_of(b).quiz_state.rooms
    wrong = (correct + 1) % 3
    answer = await b.post(f"/api/quiz/rooms/{room}/answer", headers=bob.auth,
                          json={"round": 1, "choice": wrong})
    assert answer.status == 200, await answer.text()  # the last answer: revealed, ended
    stored = await until(lambda: _finished(b, room))
    assert stored.end_reason == "completed" and stored.owner_token > token
    assert [(e["user"], e["rank"]) for e in stored.board] == [(ann.id, 1), (bob.id, 2)]
    assert stored.board[0]["score"] >= 500 and stored.board[1]["score"] == 0


async def _no_holder(leases: Any, room: str) -> bool:
    return await leases.holder(lease_name(room)) is None


async def _finished(hub: TestClient, room: str) -> Any:
    stored = await ctx_of(hub).store.quiz.get_room(room)
    return stored if stored.status == "finished" else None


async def test_when_the_owner_dies_the_other_process_finishes_the_round(hubs):
    """Nobody asks B anything: its sweep finds the room, resumes it, and plays the round to
    its deadline, pushing the reveal and the end to bob on B."""
    a, b = await hubs(lease_a=1.0, lease_b=1.0)
    room, ann, bob, ann_ws = await _room_with_two_players(a, b, seconds=5)
    bob_ws = await RawCentrifuge.open(b, bob.token, cookies=False)
    try:
        assert "error" not in await bob_ws.call("subscribe", {"channel": f"quiz:{room}"})
        await _rpc(ann_ws, "quiz.start", {"room": room})
        correct = ctx_of(a).quiz_state.rooms[room].state.round.question.correct
        await _rpc(ann_ws, "quiz.answer", {"room": room, "round": 1, "choice": correct})
        await ann_ws.close()
        await _die(a)
        await until(lambda: room in ctx_of(b).quiz_state.rooms,
                    failure="B never took the room over")
        reveal = await _push(bob_ws, f"quiz:{room}", "reveal")
        assert reveal["correct"] == correct and reveal["points"][str(ann.id)] >= 500
        assert reveal["points"][str(bob.id)] == 0
        end = await _push(bob_ws, f"quiz:{room}", "end")
        assert end["reason"] == "completed" and end["board"][0]["user"] == ann.id
        stored = await ctx_of(b).store.quiz.get_room(room)
        assert stored.status == "finished" and stored.board == end["board"]
    finally:
        await bob_ws.close()


async def test_a_process_that_stops_hands_its_rooms_over(hubs):
    a, b = await hubs(lease_a=60.0, lease_b=1.0)
    room, ann, bob, ann_ws = await _room_with_two_players(a, b)
    await ann_ws.close()
    await a.close()  # a clean stop: the room is not ended, its lease is released
    stored = await ctx_of(b).store.quiz.get_room(room)
    assert stored.status == "lobby"
    await until(lambda: room in ctx_of(b).quiz_state.rooms, failure="B never took it over")
    state = await (await b.get(f"/api/quiz/rooms/{room}", headers=bob.auth)).json()
    assert state["status"] == "lobby" and [p["user"] for p in state["players"]] == [
        ann.id, bob.id]
    assert state["host"] == ann.id


async def test_rooms_answer_room_unavailable_while_their_leases_cannot_be_reached(make_client):
    client = await make_client()
    await seed_songs(client)
    ann = await member(client, "ann")
    ann_ws = await RawCentrifuge.open(client, ann.token, cookies=False)
    try:
        room = (await _rpc(ann_ws, "quiz.create", {}))["room"]
        quiz = ctx_of(client).quiz_state
        quiz.leases = redis_leases("redis://127.0.0.1:9/0", "chorus-test:", "me", 1.0)
        quiz.rooms.clear()  # as if it played elsewhere: its owner must be looked up
        state = await client.get(f"/api/quiz/rooms/{room}", headers=ann.auth)
        assert state.status == 503 and (await state.json())["code"] == "room_unavailable"
        refused = await ann_ws.call("rpc", {"method": "quiz.create", "data": {}})
        assert refused["error"]["code"] == 1016
        await quiz.leases.close()
    finally:
        await ann_ws.close()


async def test_a_started_room_nobody_played_for_an_hour_ends_when_taken_over(make_client):
    """Every process was down for long: the room is ended with its stored scores (`restart`),
    not played on to nobody."""
    client = await make_client()
    ann = await member(client, "ann")
    quiz = ctx_of(client).store.quiz
    await quiz.create_room(QuizRoom(id="stale", host_id=ann.id, status="running",
                                    created_at=1.0, settings={"rounds": 3}))
    await quiz.add_player(QuizPlayer(room_id="stale", user_id=ann.id, name="Ann", score=700,
                                     joined_at=1.0))
    state = await client.get("/api/quiz/rooms/stale", headers=ann.auth)
    assert state.status == 409 and (await state.json())["code"] == "room_finished"
    stored = await quiz.get_room("stale")
    assert stored.status == "finished" and stored.end_reason == "restart"
    assert [(e["user"], e["score"]) for e in stored.board] == [(ann.id, 700)]
    assert stored.owner_token >= 1 and "stale" not in ctx_of(client).quiz_state.rooms


async def test_a_resumed_room_without_songs_left_ends_instead_of_failing(make_client):
    client = await make_client()
    ann = await member(client, "ann")
    quiz = ctx_of(client).store.quiz
    now = ctx_of(client).clock()
    await quiz.create_room(QuizRoom(id="songless", host_id=ann.id, status="running",
                                    created_at=now, started_at=now, settings={"rounds": 3}))
    await quiz.add_player(QuizPlayer(room_id="songless", user_id=ann.id, name="Ann",
                                     joined_at=now))
    await client.get("/api/quiz/rooms/songless", headers=ann.auth)  # taken over here
    stored = await until(lambda: _finished(client, "songless"))
    assert stored.end_reason == "no_more_songs" and stored.board[0]["user"] == ann.id
