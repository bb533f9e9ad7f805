"""The baseline of `chorus bench quiz`: a bare aiohttp websocket server that plays the same
message pattern as Chorus's quiz rooms, with no store, no checks and no actor.

It answers connect, subscribe and the `quiz.*` RPCs the bots call: create (a room), join,
start, answer. Start pushes a pre-encoded round on the room's sockets; each answer is
acknowledged and an `answered` push goes to the room; when every player has answered (or
the deadline passes) a `reveal` and a `scores` push go out, and after `--reveal` seconds
the next round. `python -m bench.server_quiz_bare [--core C] [--reveal R]`; prints
`READY <port>`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bench._serve import serve
from bench._sys import pin, raise_nofile

__all__ = ["make_app", "main"]

OPTIONS = [{"name": f"Tune {n}", "artist": f"Band {n}",
            "link": f"https://open.spotify.com/track/{n:022d}"} for n in range(3)]


@dataclass
class Room:
    rounds: int
    seconds: float
    sockets: dict[int, web.WebSocketResponse] = field(default_factory=dict)  # user -> socket
    round: int = 0
    answers: set[int] = field(default_factory=set)
    scores: dict[int, int] = field(default_factory=dict)
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)


def _push(channel: str, data: dict[str, Any]) -> str:
    return json.dumps({"push": {"channel": channel, "pub": {"data": data}}})


async def _broadcast(room: Room, channel: str, data: dict[str, Any]) -> None:
    frame = _push(channel, data)  # encoded once per push
    for ws in list(room.sockets.values()):
        await ws.send_str(frame)


async def _play(room_id: str, room: Room, reveal: float) -> None:
    channel = f"quiz:{room_id}"
    for number in range(1, room.rounds + 1):
        room.round, room.answers = number, set()
        room.all_answered.clear()
        now = time.time()
        await _broadcast(room, channel, {"type": "round", "round": number,
                                         "rounds": room.rounds, "snippet": "la la la\nla la",
                                         "options": OPTIONS, "started_at": now,
                                         "deadline": now + room.seconds})
        try:
            await asyncio.wait_for(room.all_answered.wait(), room.seconds)
        except TimeoutError:
            pass
        points = {str(u): 750 for u in room.answers}
        for user in room.answers:
            room.scores[user] = room.scores.get(user, 0) + 750
        await _broadcast(room, channel, {"type": "reveal", "round": number, "correct": 0,
                                         "link": OPTIONS[0]["link"], "points": points})
        await _broadcast(room, channel, {"type": "scores", "scores": [
            {"user": u, "name": str(u), "score": s} for u, s in room.scores.items()]})
        await asyncio.sleep(reveal)
    await _broadcast(room, channel, {"type": "end", "reason": "completed", "board": []})


def make_app(reveal: float) -> web.Application:
    rooms: dict[str, Room] = {}
    ids = itertools.count(1)
    tasks: set[asyncio.Task[None]] = set()

    async def rpc(user: int, ws: web.WebSocketResponse, method: str, data: dict[str, Any]
                  ) -> dict[str, Any]:
        if method == "quiz.create":
            room_id = f"r{next(ids)}"
            rooms[room_id] = Room(rounds=data.get("rounds", 10), seconds=data.get("seconds", 20))
            rooms[room_id].sockets[user] = ws
            return {"room": room_id, "channel": f"quiz:{room_id}"}
        room = rooms[data["room"]]
        if method == "quiz.join":
            room.sockets[user] = ws
            return {"room": data["room"], "players": list(room.sockets)}
        if method == "quiz.start":
            task = asyncio.create_task(_play(data["room"], room, reveal))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            return {}
        room.answers.add(user)
        await _broadcast(room, f"quiz:{data['room']}",
                         {"type": "answered", "round": data["round"], "user": user})
        if len(room.answers) == len(room.sockets):
            room.all_answered.set()
        return {"accepted": True}

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, heartbeat=None)
        await ws.prepare(request)
        user = 0
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            for line in msg.data.split("\n"):
                command = json.loads(line)
                if "connect" in command:
                    user = int(command["connect"]["data"]["user"])
                    await ws.send_str(f'{{"id":{command["id"]},"connect":{{"client":"bare"}}}}')
                elif "subscribe" in command:
                    await ws.send_str(f'{{"id":{command["id"]},"subscribe":{{}}}}')
                elif "rpc" in command:
                    result = await rpc(user, ws, command["rpc"]["method"],
                                       command["rpc"].get("data") or {})
                    await ws.send_str(json.dumps({"id": command["id"],
                                                  "rpc": {"data": result}}))
        return ws

    app = web.Application()
    app.router.add_get("/connection/websocket", websocket)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--core", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--reveal", type=float, default=0.5, help="seconds after a reveal")
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    asyncio.run(serve(make_app(args.reveal)))


if __name__ == "__main__":
    main()
