"""playing_now from a scrobbler: Chorus's now-playing (stored, pushed live) and
`GET /1/user/<name>/playing-now`, which follows the now-playing visibility rule."""

from __future__ import annotations

import time

from store.records import UserPatch
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.listenbrainz.helpers import scrobbler, track
from tests.handlers.api.social_helpers import insert_member

TRACK = "https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh"


async def playing(client, who, metadata) -> None:
    resp = await client.post("/1/submit-listens", headers=who.auth, json={
        "listen_type": "playing_now", "payload": [{"track_metadata": metadata}]})
    assert resp.status == 200 and await resp.json() == {"status": "ok"}


async def read(client, name: str, **headers: str) -> dict:
    resp = await client.get(f"/1/user/{name}/playing-now", headers=headers)
    assert resp.status == 200
    return (await resp.json())["payload"]


async def test_playing_now_reaches_the_channel_and_reads_back(client):
    ada = await scrobbler(client, "ada")
    live = await RawCentrifuge.open(client, ada.member.token)
    assert "error" not in await live.call("subscribe", {"channel": f"nowplaying:{ada.member.id}"})
    metadata = track(release_name="Homogenic", spotify_id=TRACK, duration=305)
    await playing(client, ada, metadata)
    push = (await live.next_push(f"nowplaying:{ada.member.id}"))["pub"]["data"]
    assert push["link"] == TRACK and push["description"] == "Björk – Jóga"
    await live.close()
    payload = await read(client, "ada", **ada.auth)
    assert payload == {"count": 1, "user_id": "ada", "playing_now": True, "listens": [
        {"track_metadata": metadata, "user_name": "ada", "playing_now": True}]}


async def test_without_a_link_it_is_described_and_a_repeat_changes_nothing(client):
    ada = await scrobbler(client, "ada")
    await playing(client, ada, track())
    await playing(client, ada, track())  # the same track and artist: ListenBrainz ignores it
    stored = await ctx_of(client).store.listening.for_user(ada.member.id)
    assert [(s.link, s.description) for s in stored] == [("", "Björk – Jóga")]
    await playing(client, ada, track(title="Bachelorette"))
    assert len(await ctx_of(client).store.listening.for_user(ada.member.id)) == 2


async def test_others_see_it_only_as_the_nowplaying_rule_allows(client):
    ada = await scrobbler(client, "ada")
    bob = await insert_member(client, "bob")
    await playing(client, ada, track())
    empty = {"count": 0, "user_id": "ada", "playing_now": True, "listens": []}
    assert await read(client, "ada") == empty  # anonymous
    assert await read(client, "ada", **bob.auth) == empty
    await ctx_of(client).store.follows.follow(bob.id, ada.member.id)
    assert (await read(client, "ada", **bob.auth))["count"] == 1  # followers may
    await ctx_of(client).store.users.update(
        ada.member.id, UserPatch(extra={"nowplaying_visibility": "public"}))
    assert (await read(client, "ada"))["listens"][0]["track_metadata"] == track()


async def test_it_ends_with_the_track_duration(client):
    ada = await scrobbler(client, "ada")
    await playing(client, ada, track(duration_ms=200_000))
    assert (await read(client, "ada", **ada.auth))["count"] == 1
    ctx_of(client).clock = lambda: time.time() + 201
    assert (await read(client, "ada", **ada.auth))["count"] == 0


async def test_an_unknown_user_is_a_listenbrainz_404(client):
    resp = await client.get("/1/user/nobody/playing-now")
    assert resp.status == 404
    assert await resp.json() == {"code": 404, "error": "Cannot find user: nobody"}
