"""Live quiz rooms played by the official centrifuge-python SDK over real websockets."""

from __future__ import annotations

import time
from typing import Any

import centrifuge
import pytest

from tests.conftest import ctx_of
from tests.handlers.quiz.helpers import member, seed_songs
from tests.hub.realtime.helpers import connect, subscribe
from tests.waiting import until


@pytest.fixture
async def client(make_client: Any) -> Any:
    started = await make_client(quiz_reveal_seconds=0.05, quiz_max_players=3)
    await seed_songs(started)
    return started


async def _player(client: Any, sdk: Any, name: str) -> tuple[Any, Any]:
    who = await member(client, name)
    conn = sdk(client, who.token)
    await connect(conn)
    return who, conn


async def _push(events: Any, kind: str) -> dict[str, Any]:
    """The next push of `kind` on the room's channel (others skipped)."""
    while True:
        data = (await events.next("publication")).pub.data
        if data["type"] == kind:
            return data


async def _code(call: Any) -> int:
    with pytest.raises(centrifuge.ReplyError) as refused:
        await call
    return int(refused.value.code)


async def test_two_players_play_a_room_to_its_final_board(client, sdk):
    (ann, ann_ws), (bob, bob_ws) = await _player(client, sdk, "ann"), await _player(client, sdk, "bob")
    created = (await ann_ws.rpc("quiz.create", {"rounds": 2, "seconds": 30})).data
    room, channel = created["room"], created["channel"]
    assert channel == f"quiz:{room}"
    joined = (await bob_ws.rpc("quiz.join", {"room": room})).data
    assert [p["user"] for p in joined["players"]] == [ann.id, bob.id]
    _, ann_events = await subscribe(ann_ws, channel)
    await ann_events.next("subscribed")
    bob_sub, bob_events = await subscribe(bob_ws, channel)
    await bob_events.next("subscribed")
    present = await bob_sub.presence()
    assert {c.user for c in present.clients.values()} == {str(ann.id), str(bob.id)}
    assert (await ann_ws.rpc("quiz.start", {"room": room})).data == {}
    for number in (1, 2):
        question = await _push(bob_events, "round")
        assert question["round"] == number and len(question["options"]) == 3
        assert "correct" not in question and question["deadline"] > time.time()
        assert set(question["options"][0]) == {"name", "artist", "link"}
        assert 2 <= len(question["snippet"].splitlines()) <= 4
        actor = ctx_of(client).quiz_state.rooms[room]
        right = actor.state.round.question.correct
        accepted = await ann_ws.rpc("quiz.answer", {"room": room, "round": number,
                                                    "choice": right})
        assert accepted.data == {"accepted": True}
        answered = await _push(bob_events, "answered")
        assert answered == {"type": "answered", "round": number, "user": ann.id}
        await bob_ws.rpc("quiz.answer", {"room": room, "round": number,
                                         "choice": (right + 1) % 3})
        reveal = await _push(bob_events, "reveal")
        assert reveal["correct"] == right
        assert 500 <= reveal["points"][str(ann.id)] <= 1000 and reveal["points"][str(bob.id)] == 0
        scores = await _push(bob_events, "scores")
        assert scores["scores"][0]["user"] == ann.id
    end = await _push(ann_events, "end")
    assert end["reason"] == "completed"
    assert [(e["user"], e["rank"]) for e in end["board"]] == [(ann.id, 1), (bob.id, 2)]
    stored = await ctx_of(client).store.quiz.get_room(room)
    assert stored.status == "finished" and stored.board == end["board"]
    assert len(await ctx_of(client).store.quiz.rounds(room)) == 2
    assert await _code(bob_ws.rpc("quiz.join", {"room": room})) == 1003


async def test_bad_requests_get_their_codes_and_change_nothing(client, sdk):
    (_, ann_ws), (bob, bob_ws) = await _player(client, sdk, "ann"), await _player(client, sdk, "bob")
    (_, cat_ws), (_, dan_ws) = await _player(client, sdk, "cat"), await _player(client, sdk, "dan")
    assert await _code(ann_ws.rpc("quiz.join", {"room": "nosuchroom"})) == 1001
    assert await _code(ann_ws.rpc("quiz.create", {"rounds": 0})) == 400
    assert await _code(ann_ws.rpc("quiz.create", {"seconds": "soon"})) == 400
    assert await _code(ann_ws.rpc("quiz.create", {"source": "audio"})) == 400
    assert await _code(ann_ws.rpc("quiz.answer", [1, 2])) == 400
    room = (await ann_ws.rpc("quiz.create", {"rounds": 3, "seconds": 30})).data["room"]
    assert await _code(bob_ws.rpc("quiz.start", {"room": room})) == 1006  # not a player yet
    await bob_ws.rpc("quiz.join", {"room": room})
    await cat_ws.rpc("quiz.join", {"room": room})
    assert await _code(dan_ws.rpc("quiz.join", {"room": room})) == 1002  # 3 players at most
    assert await _code(bob_ws.rpc("quiz.start", {"room": room})) == 1004
    assert await _code(bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 0})) == 1007
    await ann_ws.rpc("quiz.start", {"room": room})
    assert await _code(ann_ws.rpc("quiz.start", {"room": room})) == 1005
    state = ctx_of(client).quiz_state.rooms[room].state
    assert await _code(bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 3})) == 1011
    assert await _code(bob_ws.rpc("quiz.answer", {"room": room, "round": 2, "choice": 0})) == 1008
    assert state.round.answers == {}  # none of those changed the round
    await bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 0})
    assert await _code(bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 1})) == 1010
    assert state.round.answers[bob.id][0] == 0  # the first answer counts
    _, dan_events = await subscribe(dan_ws, f"quiz:{room}")
    assert (await dan_events.next("unsubscribed")).code == 103  # not a player: refused
    assert await _code(dan_ws.rpc("quiz.state", {"room": room})) == 1006
    for _ in range(2):
        await ann_ws.rpc("quiz.create", {"public": False})
    assert await _code(ann_ws.rpc("quiz.create", {})) == 1014  # three live rooms at most


async def test_a_private_room_needs_its_invite_code(client, sdk):
    (_, ann_ws), (_, bob_ws) = await _player(client, sdk, "ann"), await _player(client, sdk, "bob")
    created = (await ann_ws.rpc("quiz.create", {"public": False})).data
    assert created["invite_code"]
    assert (await bob_ws.rpc("quiz.list", {})).data == {"rooms": []}
    assert await _code(bob_ws.rpc("quiz.join", {"room": created["room"]})) == 1013
    joined = (await bob_ws.rpc("quiz.join", {"room": created["room"],
                                             "code": created["invite_code"]})).data
    assert len(joined["players"]) == 2


async def test_an_answer_after_the_deadline_is_too_late(client, sdk):
    (_, ann_ws), (bob, bob_ws) = await _player(client, sdk, "ann"), await _player(client, sdk, "bob")
    room = (await ann_ws.rpc("quiz.create", {"rounds": 2, "seconds": 5})).data["room"]
    await bob_ws.rpc("quiz.join", {"room": room})
    await ann_ws.rpc("quiz.start", {"room": room})
    ctx = ctx_of(client)
    deadline = ctx.quiz_state.rooms[room].state.round.deadline
    ctx.clock = lambda: deadline + 0.5  # the process was busy: the answer comes too late
    assert await _code(bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 0})) == 1009
    assert await _code(bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 0})) in (
        1009, 1008)
    assert bob.id not in ctx.quiz_state.rooms[room].state.round.answers


async def test_a_late_joiner_sees_the_open_round_and_can_answer_it(client, sdk):
    (_, ann_ws), (_, cat_ws) = await _player(client, sdk, "ann"), await _player(client, sdk, "cat")
    room = (await ann_ws.rpc("quiz.create", {"rounds": 2, "seconds": 60})).data["room"]
    await ann_ws.rpc("quiz.start", {"room": room})
    joined = (await cat_ws.rpc("quiz.join", {"room": room})).data
    assert joined["status"] == "question" and joined["round"]["round"] == 1
    assert joined["round"]["answered"] is False and "correct" not in joined["round"]
    assert (await cat_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 2})).data == {
        "accepted": True}
    again = (await cat_ws.rpc("quiz.state", {"room": room})).data
    assert again["round"]["answered"] is True


async def test_a_reconnecting_player_recovers_the_round_from_history(client, sdk):
    (_, ann_ws), (bob, _) = await _player(client, sdk, "ann"), await _player(client, sdk, "bob")
    room = (await ann_ws.rpc("quiz.create", {"rounds": 2, "seconds": 60})).data["room"]
    bob_ws = sdk(client, bob.token)
    await connect(bob_ws)
    await bob_ws.rpc("quiz.join", {"room": room})
    sub, events = await subscribe(bob_ws, f"quiz:{room}", positioned=True, recoverable=True)
    await events.next("subscribed")
    await bob_ws.disconnect()
    await ann_ws.rpc("quiz.start", {"room": room})
    await bob_ws.connect()
    resubscribed = await events.next("subscribed")
    assert resubscribed.was_recovering and resubscribed.recovered
    question = (await _push(events, "round"))
    assert question["round"] == 1
    assert (await bob_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 0})).data == {
        "accepted": True}


async def test_the_host_who_leaves_hands_over_and_an_empty_room_ends(client, sdk):
    (ann, ann_ws), (bob, bob_ws) = await _player(client, sdk, "ann"), await _player(client, sdk, "bob")
    room = (await ann_ws.rpc("quiz.create", {"rounds": 2, "seconds": 60})).data["room"]
    await bob_ws.rpc("quiz.join", {"room": room})
    _, events = await subscribe(bob_ws, f"quiz:{room}")
    await events.next("subscribed")
    await ann_ws.rpc("quiz.leave", {"room": room})
    players = await _push(events, "players")
    assert players["host"] == bob.id and [p["user"] for p in players["players"]] == [bob.id]
    await bob_ws.rpc("quiz.start", {"room": room})  # the new host may start
    await bob_ws.rpc("quiz.leave", {"room": room})
    end = await _push(events, "end")
    assert end["reason"] == "empty"
    await until(lambda: room not in ctx_of(client).quiz_state.rooms)
    assert (await ctx_of(client).store.quiz.get_room(room)).end_reason == "empty"
    assert ann.id in [e["user"] for e in end["board"]]
