"""The real `liblistenbrainz` client (PyPI) against the live test server: token check,
single listen, playing now and a batch import all succeed."""

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
