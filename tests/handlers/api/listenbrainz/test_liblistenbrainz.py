"""The real `liblistenbrainz` client (PyPI) against the live test server: token check,
single listen, playing now and a batch import all succeed, and the listens read back through
ListenBrainz's reads and EchoStats' history and overview."""

from __future__ import annotations

import asyncio
import time

import liblistenbrainz
import pytest
from liblistenbrainz.errors import InvalidAuthTokenException, ListenBrainzAPIException

from tests.conftest import ctx_of
from tests.handlers.api.listenbrainz.helpers import scrobbler

TRACK = "https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh"


def listen(title: str, listened_at: int | None) -> liblistenbrainz.Listen:
    return liblistenbrainz.Listen(track_name=title, artist_name="Björk", release_name="Homogenic",
                                  listened_at=listened_at, spotify_id=TRACK,
                                  additional_info={"duration_ms": 305000})


async def test_liblistenbrainz_submits_to_chorus(client):
    ada = await scrobbler(client, "ada")
    lb = liblistenbrainz.ListenBrainz(api_base_url=str(client.make_url("/")))
    await asyncio.to_thread(lb.set_auth_token, ada.token)
    now = int(time.time())
    assert await asyncio.to_thread(lb.submit_single_listen, listen("Jóga", now - 400)) == {
        "status": "ok"}
    assert await asyncio.to_thread(lb.submit_playing_now, listen("Hunter", None)) == {
        "status": "ok"}
    batch = [listen(f"Track {i}", now - 1000 * (i + 1)) for i in range(3)]
    assert await asyncio.to_thread(lb.submit_multiple_listens, batch) == {"status": "ok"}
    current = await ctx_of(client).store.listening.current(ada.member.id)
    assert current.link == TRACK and current.description == "Björk – Hunter"


async def test_liblistenbrainz_sees_refusals(client):
    lb = liblistenbrainz.ListenBrainz(api_base_url=str(client.make_url("/")))
    with pytest.raises(InvalidAuthTokenException):
        await asyncio.to_thread(lb.set_auth_token, "not-a-token")
    with pytest.raises(ListenBrainzAPIException) as caught:
        await asyncio.to_thread(lb.submit_single_listen, listen("Jóga", 1_700_000_000))
    assert caught.value.status_code == 401
    assert caught.value.message == "Invalid authorization token."


async def test_liblistenbrainz_listens_show_in_every_read(client):
    ada = await scrobbler(client, "ada")
    lb = liblistenbrainz.ListenBrainz(api_base_url=str(client.make_url("/")))
    await asyncio.to_thread(lb.set_auth_token, ada.token)
    now = int(time.time())
    await asyncio.to_thread(lb.submit_single_listen, listen("Jóga", now - 400))
    batch = [listen(f"Track {i}", now - 1000 * (i + 1)) for i in range(3)]
    await asyncio.to_thread(lb.submit_multiple_listens, batch)
    read = await asyncio.to_thread(lb.get_listens, "ada")
    assert [x.listened_at for x in read] == [now - 400, now - 1000, now - 2000, now - 3000]
    assert read[0].artist_name == "Björk" and read[0].release_name == "Homogenic"
    older = await asyncio.to_thread(lb.get_listens, "ada", max_ts=now - 1000)
    assert [x.listened_at for x in older] == [now - 2000, now - 3000]
    assert await asyncio.to_thread(lb.get_user_listen_count, "ada") == 4
    history = await (await client.get("/api/v1/history", headers=ada.member.auth)).json()
    assert history["total"] == 4 and {x["source"] for x in history["items"]} == {"listenbrainz"}
    resp = await client.get("/api/v1/analytics/overview", params={"period": "all_time"},
                            headers=ada.member.auth)
    overview = await resp.json()
    assert overview["total_tracks_played"] == 4 and overview["total_ms_played"] == 4 * 305_000
