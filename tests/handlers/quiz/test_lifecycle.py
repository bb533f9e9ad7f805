"""Quiz rooms across a stop and a start of the process, and played without websockets
(the room followed over uni_sse, answers through the REST route)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from store import open_store
from store.records import QuizPlayer, QuizRoom
from tests.conftest import ctx_of, store_url_for
from tests.handlers.quiz.helpers import member, next_sse_publication, seed_songs
from tests.hub.realtime.helpers import connect


async def _stored_room(data_dir: Path, room: str) -> tuple[Any, list[Any]]:
    store = open_store(store_url_for(data_dir))
    await store.open()
    try:
        return await store.quiz.get_room(room), await store.quiz.players(room)
    finally:
        await store.close()


async def test_a_stopping_process_ends_its_rooms_with_their_scores(make_client, sdk, tmp_path):
    data_dir = tmp_path / "kept"
    client = await make_client(data_dir=data_dir, quiz_reveal_seconds=60)
    await seed_songs(client)
    ann = await member(client, "ann")
    conn = sdk(client, ann.token)
    await connect(conn)
    room = (await conn.rpc("quiz.create", {"rounds": 5, "seconds": 30})).data["room"]
    await conn.rpc("quiz.start", {"room": room})
    correct = ctx_of(client).quiz_state.rooms[room].state.round.question.correct
    await conn.rpc("quiz.answer", {"room": room, "round": 1, "choice": correct})
    await conn.disconnect()
    await client.close()
    stored, players = await _stored_room(data_dir, room)
    assert stored.status == "finished" and stored.end_reason == "shutdown"
    assert stored.board[0]["user"] == ann.id and stored.board[0]["score"] >= 500
    assert players[0].score == stored.board[0]["score"]


async def test_rooms_left_open_by_a_dead_process_end_at_start(make_client, tmp_path):
    data_dir = tmp_path / "crashed"
    first = await make_client(data_dir=data_dir)
    ann, bob = await member(first, "ann"), await member(first, "bob")
    quiz = ctx_of(first).store.quiz
    await quiz.create_room(QuizRoom(id="left-open", host_id=ann.id, status="running",
                                    created_at=1.0))
    await quiz.add_player(QuizPlayer(room_id="left-open", user_id=ann.id, name="Ann",
                                     joined_at=1.0))
    await quiz.add_player(QuizPlayer(room_id="left-open", user_id=bob.id, name="Bob",
                                     joined_at=2.0))
    async with ctx_of(first).store.db.write() as conn:  # scores as the last reveal left them
        await conn.execute("UPDATE quiz_players SET score = 1500 WHERE user_id = ?", (bob.id,))
    # the process dies without its shutdown: a second one opens the same store
    second = await make_client(data_dir=data_dir)
    stored = await ctx_of(second).store.quiz.get_room("left-open")
    assert stored.status == "finished" and stored.end_reason == "restart"
    assert [(e["user"], e["score"], e["rank"]) for e in stored.board] == [
        (bob.id, 1500, 1), (ann.id, 0, 2)]


async def test_a_legacy_client_follows_over_uni_sse_and_answers_over_rest(make_client, sdk):
    client = await make_client(quiz_reveal_seconds=60)
    await seed_songs(client)
    ann, bob = await member(client, "ann"), await member(client, "bob")
    conn = sdk(client, ann.token)
    await connect(conn)
    room = (await conn.rpc("quiz.create", {"rounds": 3, "seconds": 60})).data["room"]
    joined = await client.post(f"/api/quiz/rooms/{room}/join", headers=bob.auth)
    assert joined.status == 200, await joined.text()
    stream = await client.get("/connection/uni_sse", params={"cf_connect": json.dumps(
        {"token": bob.token, "subs": {f"quiz:{room}": {}}})})
    assert stream.status == 200
    await conn.rpc("quiz.start", {"room": room})
    push = await next_sse_publication(stream)
    assert push["channel"] == f"quiz:{room}" and push["pub"]["data"]["type"] == "round"
    out_of_range = await client.post(f"/api/quiz/rooms/{room}/answer", headers=bob.auth,
                                     json={"round": 1, "choice": 7})
    assert out_of_range.status == 400
    assert (await out_of_range.json())["code"] == "choice_out_of_range"
    answer = await client.post(f"/api/quiz/rooms/{room}/answer", headers=bob.auth,
                               json={"round": 1, "choice": 1})
    assert answer.status == 200 and await answer.json() == {"accepted": True}
    answered = await next_sse_publication(stream)
    assert answered["pub"]["data"] == {"type": "answered", "round": 1, "user": bob.id}
    twice = await client.post(f"/api/quiz/rooms/{room}/answer", headers=bob.auth,
                              json={"round": 1, "choice": 0})
    assert twice.status == 409 and (await twice.json())["code"] == "already_answered"
    unknown = await client.post("/api/quiz/rooms/nope/answer", headers=bob.auth,
                                json={"round": 1, "choice": 0})
    assert unknown.status == 404 and (await unknown.json())["code"] == "unknown_room"
    anonymous = await client.post(f"/api/quiz/rooms/{room}/answer", json={"round": 1,
                                                                          "choice": 0})
    assert anonymous.status == 401
    state = await (await client.get(f"/api/quiz/rooms/{room}", headers=bob.auth)).json()
    assert state["round"]["answered"] is True and "correct" not in state["round"]
    stream.close()
