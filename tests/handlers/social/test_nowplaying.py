"""Now playing end to end: Spot On REST and websocket RPC in, live pushes out, nearby counts."""

from __future__ import annotations

from handlers.geo import geohash
from handlers.identity.auth import start_token_session
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
    assert near["pub"]["data"]["id"] == body["id"]
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
    from store.records import UserPatch

    await ctx_of(client).store.users.update(
        owner_id, UserPatch(extra={"nowplaying_visibility": "public"}))
    reply = await conn.call("subscribe", {"channel": f"nowplaying:{owner_id}"})
    assert "subscribe" in reply
