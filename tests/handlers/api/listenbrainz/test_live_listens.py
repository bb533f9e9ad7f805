"""A scrobbled `single` listen that just ended reaches the user's followers as now-playing on
`nowplaying:<uid>` (and `/1/user/<name>/playing-now`); older listens and imports do not."""

from __future__ import annotations

from typing import Any

from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.listenbrainz.helpers import Scrobbler, scrobbler, track
from tests.handlers.api.social_helpers import insert_member

TRACK = "https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh"


async def submit(client, who: Scrobbler, listen_type: str, listens: list[dict[str, Any]]) -> None:
    resp = await client.post("/1/submit-listens", headers=who.auth,
                             json={"listen_type": listen_type, "payload": listens})
    assert resp.status == 200, await resp.text()


async def test_a_recent_single_listen_reaches_a_followers_websocket(client):
    ada = await scrobbler(client, "ada")  # followers only
    bob = await insert_member(client, "bob")
    await ctx_of(client).store.follows.follow(bob.id, ada.member.id)
    live = await RawCentrifuge.open(client, bob.token)
    assert "error" not in await live.call("subscribe", {"channel": f"nowplaying:{ada.member.id}"})
    now = int(ctx_of(client).clock())
    await submit(client, ada, "single", [{"listened_at": now - 100, "track_metadata": track(
        spotify_id=TRACK, duration=180)}])
    push = (await live.next_push(f"nowplaying:{ada.member.id}"))["pub"]["data"]
    assert push["description"] == "Björk – Jóga" and push["link"] == TRACK
    await live.close()
    resp = await client.get("/1/user/ada/playing-now", headers=bob.auth)
    assert (await resp.json())["payload"]["count"] == 1  # until the track's end, 80 s on


async def test_old_single_listens_and_imports_are_not_now_playing(client):
    ada = await scrobbler(client, "ada")
    now = int(ctx_of(client).clock())
    await submit(client, ada, "single", [{"listened_at": now - 3600, "track_metadata": track(
        duration=180)}])
    await submit(client, ada, "import", [{"listened_at": now - 60, "track_metadata": track(
        title="Hunter", duration=180)}])
    assert await ctx_of(client).store.listening.current(ada.member.id) is None
    resp = await client.get("/1/user/ada/listen-count", headers=ada.auth)
    assert await resp.json() == {"payload": {"count": 2}}


async def test_a_recent_listen_does_not_replace_a_later_now_playing(client):
    ada = await scrobbler(client, "ada")
    now = int(ctx_of(client).clock())
    resp = await client.post("/1/submit-listens", headers=ada.auth, json={
        "listen_type": "playing_now", "payload": [{"track_metadata": track(title="Hunter")}]})
    assert resp.status == 200
    await submit(client, ada, "single", [{"listened_at": now - 200, "track_metadata": track(
        duration=180)}])
    current = await ctx_of(client).store.listening.current(ada.member.id)
    assert current.description == "Björk – Hunter"
