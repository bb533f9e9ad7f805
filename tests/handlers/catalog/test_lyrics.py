"""Spot On's get_lyrics and the admin's PUT, over HTTP, with fake LRCLIB and Musixmatch."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ctx_of
from tests.fakes.lyrics import (
    MUSIXMATCH_KEY,
    FakeLyrics,
    LrclibTrack,
    make_lrclib_app,
    make_musixmatch_app,
)
from tests.handlers.quiz.helpers import admin, member, seed_song, spotify_url

SYNCED = "[00:01.00] First line here\n[00:04.50] Second line there\n[00:09.00] Third one"
TRACK_ID = "4uLU6hMCjMI75M1A2tKUQC"


async def _start(make_client: Any, aiohttp_server: Any, **config: Any) -> tuple[Any, FakeLyrics]:
    fake = FakeLyrics(lrclib=[LrclibTrack("Never Gonna Give You Up", "Rick Astley",
                                          plain="First line here\nSecond line there\nThird one",
                                          synced=SYNCED)],
                      musixmatch={("oasis", "wonderwall"): "Today is gonna be the day"})
    lrclib = await aiohttp_server(make_lrclib_app(fake))
    mxm = await aiohttp_server(make_musixmatch_app(fake))
    client = await make_client(lrclib_url=str(lrclib.make_url("")),
                               musixmatch_url=str(mxm.make_url("/ws/1.1")),
                               musixmatch_api_key=MUSIXMATCH_KEY, **config)
    return client, fake


@pytest.fixture
async def started(make_client: Any, aiohttp_server: Any) -> tuple[Any, FakeLyrics]:
    return await _start(make_client, aiohttp_server)


async def test_lrclib_lyrics_are_served_with_timestamps_and_cached(started: Any) -> None:
    client, fake = started
    ctx = ctx_of(client)
    await seed_song(ctx, TRACK_ID, "Never Gonna Give You Up", "Rick Astley")
    who = await member(client, "ann")
    resp = await client.get("/api/get_lyrics", params={"spotify_url": spotify_url(TRACK_ID)},
                            headers=who.auth)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["lyrics"] == "First line here\nSecond line there\nThird one"
    assert body["source"] == "lrclib"
    assert body["source_url"].endswith("/api/get/1")
    assert body["synced_lyrics"] == SYNCED
    assert fake.calls[0]["track_name"] == "Never Gonna Give You Up"
    again = await client.get("/api/get_lyrics", params={"spotify_url": spotify_url(TRACK_ID)},
                             headers=who.auth)
    assert (await again.json())["lyrics"] == body["lyrics"]
    assert len(fake.calls) == 1  # served from the store the second time
    stored = await ctx.store.lyrics.get((await ctx.store.catalog.find(
        "spotify", "track", TRACK_ID)).id)
    assert stored.source == "lrclib" and stored.fetched_at > 0


async def test_force_refresh_asks_the_provider_again(started: Any) -> None:
    client, fake = started
    await seed_song(ctx_of(client), TRACK_ID, "Never Gonna Give You Up", "Rick Astley")
    who = await member(client, "ann")
    params = {"spotify_url": spotify_url(TRACK_ID)}
    await client.get("/api/get_lyrics", params=params, headers=who.auth)
    fake.lrclib[0].plain = "Changed words"
    fake.lrclib[0].synced = None
    resp = await client.get("/api/get_lyrics", params={**params, "force_refresh": "true"},
                            headers=who.auth)
    body = await resp.json()
    assert body["lyrics"] == "Changed words" and body["synced_lyrics"] is None
    assert len(fake.calls) == 2


async def test_musixmatch_answers_when_lrclib_misses(started: Any) -> None:
    client, fake = started
    await seed_song(ctx_of(client), "0000000000000000000002", "Wonderwall", "Oasis")
    who = await member(client, "ann")
    resp = await client.get("/api/get_lyrics", headers=who.auth,
                            params={"spotify_url": spotify_url("0000000000000000000002")})
    body = await resp.json()
    assert resp.status == 200, body
    assert body["source"] == "musixmatch"
    assert body["lyrics"] == "Today is gonna be the day"  # the free plan's notice is dropped
    assert body["source_url"] == "https://www.musixmatch.com/lyrics/x/y"
    assert [c.get("apikey") for c in fake.calls] == [None, MUSIXMATCH_KEY]


async def test_unknown_lyrics_are_404_and_bad_input_400(started: Any) -> None:
    client, _ = started
    await seed_song(ctx_of(client), "0000000000000000000009", "Nobody Knows", "Someone")
    who = await member(client, "ann")
    missing = await client.get("/api/get_lyrics", headers=who.auth,
                               params={"spotify_url": spotify_url("0000000000000000000009")})
    assert missing.status == 404
    assert await missing.json() == {"error": "Lyrics not found"}
    for params in ({}, {"spotify_url": "not a link"},
                   {"spotify_url": spotify_url(TRACK_ID), "force_refresh": "maybe"}):
        resp = await client.get("/api/get_lyrics", params=params, headers=who.auth)
        assert resp.status == 400, params
        assert "error" in await resp.json()
    anonymous = await client.get("/api/get_lyrics", params={"spotify_url": spotify_url(TRACK_ID)})
    assert anonymous.status == 401


async def test_a_provider_down_is_502_unless_lyrics_are_stored(started: Any) -> None:
    client, fake = started
    await seed_song(ctx_of(client), TRACK_ID, "Never Gonna Give You Up", "Rick Astley")
    who = await member(client, "ann")
    params = {"spotify_url": spotify_url(TRACK_ID)}
    fake.status = 503
    resp = await client.get("/api/get_lyrics", params=params, headers=who.auth)
    assert resp.status == 502
    fake.status = None
    await client.get("/api/get_lyrics", params=params, headers=who.auth)
    fake.status = 503
    kept = await client.get("/api/get_lyrics", params={**params, "force_refresh": "1"},
                            headers=who.auth)
    assert kept.status == 200 and (await kept.json())["source"] == "lrclib"


async def test_an_admin_puts_lrc_lyrics_and_a_user_may_not(started: Any) -> None:
    client, fake = started
    await seed_song(ctx_of(client), "0000000000000000000007", "Own Song", "Local Band")
    url = spotify_url("0000000000000000000007")
    boss, ann = await admin(client), await member(client, "ann")
    refused = await client.put("/api/lyrics", params={"spotify_url": url},
                               json={"lyrics": "words"}, headers=ann.auth)
    assert refused.status == 403
    empty = await client.put("/api/lyrics", params={"spotify_url": url},
                             json={"lyrics": "  "}, headers=boss.auth)
    assert empty.status == 400
    resp = await client.put("/api/lyrics", params={"spotify_url": url},
                            json={"lyrics": "[ar:Local Band]\n[00:02.00]Hello\n[00:01.00]Hi"},
                            headers=boss.auth)
    assert resp.status == 200, await resp.text()
    got = await (await client.get("/api/get_lyrics", params={"spotify_url": url},
                                  headers=ann.auth)).json()
    assert got["lyrics"] == "Hi\nHello"  # in time order
    assert got["source"] == "admin" and got["synced_lyrics"].startswith("[ar:Local Band]")
    assert fake.calls == []
