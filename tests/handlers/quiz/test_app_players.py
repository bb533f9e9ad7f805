"""Bots with an app's Centrifugo-compatible connection token play live quiz rooms next to
Chorus users, through the official centrifuge-python SDK in both encodings."""

from __future__ import annotations

import json
from typing import Any

import centrifuge
import pytest

from tests.conftest import ctx_of
from tests.handlers.quiz.helpers import member, next_sse_publication, seed_songs
from tests.hub.realtime.helpers import connect, connection_token, env_of, subscribe
from tests.waiting import until


@pytest.fixture
async def client(make_client: Any) -> Any:
    started = await make_client(centrifugo_env=env_of(), quiz_reveal_seconds=0.05)
    await seed_songs(started)
    return started


async def _push(events: Any, kind: str) -> dict[str, Any]:
    while True:
        data = (await events.next("publication")).pub.data
        if data["type"] == kind:
            return data


async def _code(call: Any) -> int:
    with pytest.raises(centrifuge.ReplyError) as refused:
        await call
    return int(refused.value.code)


async def _bot(client: Any, sdk: Any, sub: str, **claims: Any) -> Any:
    conn = sdk(client, connection_token(sub, **claims))
    await connect(conn)
    return conn


async def test_a_bot_with_an_app_token_plays_a_room_with_a_chorus_user(client, sdk):
    ann = await member(client, "ann")
    ann_ws = sdk(client, ann.token)
    await connect(ann_ws)
    bot_ws = await _bot(client, sdk, "bot-7", info={"name": "Quiz Bot"})
    room = (await ann_ws.rpc("quiz.create", {"rounds": 2, "seconds": 30})).data["room"]
    channel = f"quiz:{room}"
    joined = (await bot_ws.rpc("quiz.join", {"room": room})).data
    assert [(p["user"], p["name"]) for p in joined["players"]] == [
        (ann.id, "Ann"), ("app:bot-7", "Quiz Bot")]
    _, ann_events = await subscribe(ann_ws, channel)
    await ann_events.next("subscribed")
    bot_sub, bot_events = await subscribe(bot_ws, channel)
    await bot_events.next("subscribed")
    present = await bot_sub.presence()
    assert {c.user for c in present.clients.values()} == {str(ann.id), "bot-7"}
    assert await _code(bot_ws.rpc("quiz.start", {"room": room})) == 1004  # not the host
    await ann_ws.rpc("quiz.start", {"room": room})
    for number in (1, 2):
        question = await _push(bot_events, "round")
        assert question["round"] == number
        right = ctx_of(client).quiz_state.rooms[room].state.round.question.correct
        accepted = await bot_ws.rpc("quiz.answer", {"room": room, "round": number,
                                                    "choice": right})
        assert accepted.data == {"accepted": True}
        assert await _code(bot_ws.rpc("quiz.answer", {"room": room, "round": number,
                                                      "choice": right})) == 1010
        answered = await _push(ann_events, "answered")
        assert answered["user"] == "app:bot-7"
        await ann_ws.rpc("quiz.answer", {"room": room, "round": number,
                                         "choice": (right + 1) % 3})
        reveal = await _push(ann_events, "reveal")
        assert 500 <= reveal["points"]["app:bot-7"] <= 1000 and reveal["points"][str(ann.id)] == 0
        scores = await _push(ann_events, "scores")
        assert [(s["user"], s["name"]) for s in scores["scores"]] == [
            ("app:bot-7", "Quiz Bot"), (ann.id, "Ann")]
    end = await _push(bot_events, "end")
    assert [(e["user"], e["name"], e["rank"]) for e in end["board"]] == [
        ("app:bot-7", "Quiz Bot", 1), (ann.id, "Ann", 2)]
    players = await ctx_of(client).store.quiz.players(room)
    by_key = {p.user_id: p for p in players}
    assert by_key["app:bot-7"].score == end["board"][0]["score"] > 0
    assert by_key[ann.id].score == 0
    # the finished room's board, to the bot who played it
    await _wait_gone(client, room)
    state = (await bot_ws.rpc("quiz.state", {"room": room})).data
    assert state["status"] == "finished" and state["board"] == end["board"]


async def _wait_gone(client: Any, room: str) -> None:
    await until(lambda: room not in ctx_of(client).quiz_state.rooms)


async def test_an_app_user_is_named_by_sub_cannot_host_and_is_no_chorus_account(client, sdk):
    ann = await member(client, "ann")
    ann_ws = sdk(client, ann.token)
    await connect(ann_ws)
    room = (await ann_ws.rpc("quiz.create", {"rounds": 1, "seconds": 30})).data["room"]
    # an app user whose sub is ann's id is not ann: not a player, so not admitted to the channel
    twin_ws = await _bot(client, sdk, str(ann.id))
    assert await _code(twin_ws.rpc("quiz.state", {"room": room})) == 1006
    _, twin_events = await subscribe(twin_ws, f"quiz:{room}")
    assert (await twin_events.next("unsubscribed")).code == 103
    plain_ws = await _bot(client, sdk, "plain-bot")
    assert await _code(plain_ws.rpc("quiz.create", {"rounds": 1})) == 1015
    assert ctx_of(client).quiz_state.rooms.keys() == {room}
    joined = (await plain_ws.rpc("quiz.join", {"room": room})).data
    assert ("app:plain-bot", "plain-bot") in [(p["user"], p["name"]) for p in joined["players"]]
    assert (await plain_ws.rpc("quiz.list", {})).data["rooms"][0]["players"] == 2
    await plain_ws.rpc("quiz.leave", {"room": room})
    stored = await ctx_of(client).store.quiz.player(room, "app:plain-bot")
    assert stored is not None and stored.left_at is not None and stored.name == "plain-bot"
    # the REST routes stay Chorus users' only: an app token is no credential there
    resp = await client.post(f"/api/quiz/rooms/{room}/answer",
                             json={"round": 1, "choice": 0},
                             headers={"Authorization": f"Bearer {connection_token('plain-bot')}"})
    assert resp.status == 401
    # other RPC methods still refuse apps' users
    assert await _code(plain_ws.rpc("feed.page", {})) == 401


async def test_a_bot_that_becomes_host_starts_the_room_and_the_stored_host_stays(client, sdk):
    ann = await member(client, "ann")
    ann_ws = sdk(client, ann.token)
    await connect(ann_ws)
    bot_ws = await _bot(client, sdk, "bot-9")
    room = (await ann_ws.rpc("quiz.create", {"rounds": 1, "seconds": 30})).data["room"]
    await bot_ws.rpc("quiz.join", {"room": room})
    _, events = await subscribe(bot_ws, f"quiz:{room}")
    await events.next("subscribed")
    await ann_ws.rpc("quiz.leave", {"room": room})
    players = await _push(events, "players")
    assert players["host"] == "app:bot-9"
    assert [p["user"] for p in players["players"]] == ["app:bot-9"]
    assert (await ctx_of(client).store.quiz.get_room(room)).host_id == ann.id
    assert (await bot_ws.rpc("quiz.start", {"room": room})).data == {}
    assert (await _push(events, "round"))["round"] == 1


async def test_a_bot_follows_its_room_over_uni_sse_with_its_app_token(client, sdk):
    ann = await member(client, "ann")
    ann_ws = sdk(client, ann.token)
    await connect(ann_ws)
    bot_ws = await _bot(client, sdk, "sse-bot")
    room = (await ann_ws.rpc("quiz.create", {"rounds": 1, "seconds": 30})).data["room"]
    await bot_ws.rpc("quiz.join", {"room": room})
    stream = await client.get("/connection/uni_sse", params={"cf_connect": json.dumps(
        {"token": connection_token("sse-bot"), "subs": {f"quiz:{room}": {}}})})
    assert stream.status == 200
    try:
        await ann_ws.rpc("quiz.start", {"room": room})
        push = await next_sse_publication(stream)
        assert push["channel"] == f"quiz:{room}" and push["pub"]["data"]["type"] == "round"
        await bot_ws.rpc("quiz.answer", {"room": room, "round": 1, "choice": 0})
        answered = await next_sse_publication(stream)
        assert answered["pub"]["data"] == {"type": "answered", "round": 1, "user": "app:sse-bot"}
    finally:
        stream.close()
