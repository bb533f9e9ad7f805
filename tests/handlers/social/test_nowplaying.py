"""Now playing end to end: Spot On REST and websocket RPC in, live pushes out, nearby counts."""

from __future__ import annotations

from handlers.geo import cell_centre, geohash
from handlers.identity.auth import start_token_session
from store.records import UserPatch
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge

PARIS = (48.8566, 2.3522)


async def signed_in(client, name: str) -> tuple[int, str]:
    """Register `name`, log the test client in with a cookie; returns (user id, token)."""
    await client.post("/api/register", json={
        "username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD})
    await client.post("/api/login", json={"username": name, "password": STRONG_PASSWORD})
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(name)
    return user.id, (await start_token_session(ctx, user)).access_token


async def make_public(client, uid: int) -> None:
    """What a user does to let anyone know what they play (the `nowplaying:<uid>` rule)."""
    await ctx_of(client).store.users.update(uid, UserPatch(extra={"nowplaying_visibility": "public"}))


async def test_save_now_playing_requires_a_session(client):
    resp = await client.post("/api/save-now-playing", json={"link": "https://x.example/a"})
    assert resp.status == 401 and await resp.json() == {"error": "User not authenticated"}


async def test_save_now_playing_stores_and_pushes_to_owner_and_nearby(client):
    uid, token = await signed_in(client, "ada")
    owner = await RawCentrifuge.open(client, token)
    reply = await owner.call("subscribe", {"channel": f"nowplaying:{uid}"})
    assert "error" not in reply
    watcher = await RawCentrifuge.open(client, cookies=False)  # anonymous: nearby is public
    cell = geohash(*PARIS)
    assert "error" not in await watcher.call("subscribe", {"channel": f"nearby:{cell}"})
    link = "https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh"
    resp = await client.post("/api/save-now-playing", json={
        "link": link, "latitude": str(PARIS[0]), "longitude": PARIS[1]})
    body = await resp.json()
    assert resp.status == 200
    assert body["message"] == "Now playing data saved successfully." and body["id"] > 0
    push = await owner.next_push(f"nowplaying:{uid}")
    assert push["pub"]["data"]["link"] == link and push["pub"]["data"]["user_id"] == uid
    near = await watcher.next_push(f"nearby:{cell}")
    assert near["pub"]["data"]["link"] == link and "id" not in near["pub"]["data"]
    await watcher.close()
    current = await ctx_of(client).store.listening.current(uid)
    assert current.link == link and current.geohash == cell


async def test_bad_now_playing_input_changes_nothing(client):
    uid, _ = await signed_in(client, "bob")
    for payload in ({"link": ""}, {"link": "not a url"},
                    {"link": "https://x.example/a", "latitude": "north", "longitude": 2},
                    {"link": "https://x.example/a", "latitude": 91, "longitude": 2}):
        resp = await client.post("/api/save-now-playing", json=payload)
        assert resp.status == 400 and "error" in await resp.json()
    assert await ctx_of(client).store.listening.for_user(uid) == []


async def test_most_listened_nearby_counts_only_within_the_radius(client):
    near_paris = (48.8656, 2.3522)  # about 1 km north
    lyon = (45.764, 4.8357)  # about 390 km away
    plays = [("a1", PARIS, "https://x.example/one"), ("a2", near_paris, "https://x.example/one"),
             ("a3", PARIS, "https://x.example/two"), ("a4", lyon, "https://x.example/far")]
    for name, (lat, lon), link in plays:
        await signed_in(client, name)
        resp = await client.post("/api/save-now-playing",
                                 json={"link": link, "latitude": lat, "longitude": lon})
        assert resp.status == 200
    resp = await client.get("/api/most-listened-nearby",
                            params={"latitude": PARIS[0], "longitude": PARIS[1], "radius": 10})
    tracks = (await resp.json())["tracks"]
    assert [(t["link"], t["count"]) for t in tracks] == [
        ("https://x.example/one", 2), ("https://x.example/two", 1)]
    assert all(t["description"] for t in tracks)
    resp = await client.get("/api/most-listened-nearby",
                            params={"latitude": PARIS[0], "longitude": PARIS[1], "radius": 450})
    assert {t["link"] for t in (await resp.json())["tracks"]} == {
        "https://x.example/one", "https://x.example/two", "https://x.example/far"}


async def test_most_listened_nearby_rejects_bad_input(client):
    await signed_in(client, "cid")
    for params in ({"latitude": "x", "longitude": 2, "radius": 5},
                   {"latitude": 48, "longitude": 2},
                   {"latitude": 48, "longitude": 2, "radius": -1}):
        resp = await client.get("/api/most-listened-nearby", params=params)
        assert resp.status == 400
        assert await resp.json() == {"error": "Invalid input for latitude, longitude, or radius."}


async def test_rpc_nowplaying_set_and_clear(client):
    uid, token = await signed_in(client, "dee")
    conn = await RawCentrifuge.open(client, token)
    await conn.call("subscribe", {"channel": f"nowplaying:{uid}"})
    reply = await conn.call("rpc", {"method": "nowplaying.set", "data": {
        "link": "https://x.example/song", "latitude": PARIS[0], "longitude": PARIS[1]}})
    assert reply["rpc"]["data"]["geohash"] == geohash(*PARIS)
    assert (await conn.next_push(f"nowplaying:{uid}"))["pub"]["data"]["type"] == "nowplaying"
    reply = await conn.call("rpc", {"method": "nowplaying.clear", "data": {}})
    assert reply["rpc"]["data"] == {"cleared": True}
    push = await conn.next_push(f"nowplaying:{uid}")
    assert push["pub"]["data"]["type"] == "nowplaying.cleared"
    assert await ctx_of(client).store.listening.current(uid) is None


async def test_rpc_errors_carry_application_codes(client):
    _, token = await signed_in(client, "eve")
    conn = await RawCentrifuge.open(client, token)
    reply = await conn.call("rpc", {"method": "nowplaying.set", "data": {"link": "nope"}})
    assert reply["error"]["code"] == 400 and "link" in reply["error"]["message"]
    reply = await conn.call("rpc", {"method": "no.such.method", "data": {}})
    assert reply["error"] == {"code": 104, "message": "method not found"}
    anonymous = await RawCentrifuge.open(client, cookies=False)
    reply = await anonymous.call("rpc", {"method": "nowplaying.clear", "data": {}})
    assert reply["error"]["code"] == 401
    await anonymous.close()


async def test_someone_elses_nowplaying_is_private_unless_made_public(client):
    owner_id, _ = await signed_in(client, "fay")
    _, token = await signed_in(client, "gus")
    conn = await RawCentrifuge.open(client, token)
    reply = await conn.call("subscribe", {"channel": f"nowplaying:{owner_id}"})
    assert reply["error"]["code"] == 103
    await make_public(client, owner_id)
    reply = await conn.call("subscribe", {"channel": f"nowplaying:{owner_id}"})
    assert "subscribe" in reply


ANONYMOUS_PLAY = {"type", "link", "description", "latitude", "longitude", "geohash", "started_at"}


async def test_nearby_hears_a_private_nowplaying_without_who_or_where_in_the_cell(client):
    _, token = await signed_in(client, "hal")  # now-playing not public: the default
    cell = geohash(*PARIS)
    watcher = await RawCentrifuge.open(client, cookies=False)
    assert "error" not in await watcher.call("subscribe", {"channel": f"nearby:{cell}"})
    player = await RawCentrifuge.open(client, token)
    reply = await player.call("rpc", {"method": "nowplaying.set", "data": {
        "link": "https://x.example/secret", "latitude": PARIS[0], "longitude": PARIS[1]}})
    assert "rpc" in reply
    resp = await client.post("/api/save-now-playing", json={
        "link": "https://x.example/other", "latitude": PARIS[0], "longitude": PARIS[1]})
    assert resp.status == 200
    assert (await player.call("rpc", {"method": "nowplaying.clear", "data": {}}))["rpc"]["data"] \
        == {"cleared": True}
    live = [(await watcher.next_push(f"nearby:{cell}"))["pub"]["data"] for _ in range(2)]
    assert [d["link"] for d in live] == ["https://x.example/secret", "https://x.example/other"]
    centre = cell_centre(cell)
    for data in live:
        assert set(data) == ANONYMOUS_PLAY and "hal" not in str(data)  # no id, no user
        assert (data["latitude"], data["longitude"], data["geohash"]) == (*centre, cell)
    history = await watcher.call("history", {"channel": f"nearby:{cell}", "limit": -1})
    kept = [p["data"] for p in history["history"]["publications"]]
    assert kept == live  # no clearing was published there, and history names nobody either
    late = await RawCentrifuge.open(client, cookies=False)
    position = history["history"]
    recovered = await late.call("subscribe", {"channel": f"nearby:{cell}", "recover": True,
                                              "offset": 0, "epoch": position["epoch"]})
    missed = [p["data"] for p in recovered["subscribe"]["publications"]]
    assert missed == live
    for conn in (watcher, player, late):
        await conn.close()


async def test_nearby_names_a_public_player_at_their_position(client):
    uid, token = await signed_in(client, "ivy")
    await make_public(client, uid)
    cell = geohash(*PARIS)
    watcher = await RawCentrifuge.open(client, cookies=False)
    assert "error" not in await watcher.call("subscribe", {"channel": f"nearby:{cell}"})
    player = await RawCentrifuge.open(client, token)
    reply = await player.call("rpc", {"method": "nowplaying.set", "data": {
        "link": "https://x.example/loud", "latitude": PARIS[0], "longitude": PARIS[1]}})
    entry_id = reply["rpc"]["data"]["id"]
    await player.call("rpc", {"method": "nowplaying.clear", "data": {}})
    played = (await watcher.next_push(f"nearby:{cell}"))["pub"]["data"]
    assert (played["id"], played["user_id"], played["user"]) == (entry_id, uid, "ivy")
    assert (played["latitude"], played["longitude"]) == PARIS
    cleared = (await watcher.next_push(f"nearby:{cell}"))["pub"]["data"]
    assert cleared == {"type": "nowplaying.cleared", "user_id": uid, "id": entry_id}
    await watcher.close()
    await player.close()
