"""LRCLIB, Musixmatch and the chat client against their fakes: hits, misses and failures."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers.llm import ChatConfig, ChatUnavailable, complete_chat
from providers.lrclib import fetch_lrclib
from providers.lyrics import LyricsQuery, LyricsUnavailable
from providers.musixmatch import fetch_musixmatch
from tests.fakes.llm import CHAT_KEY, FakeChat, make_chat_app
from tests.fakes.lyrics import (
    MUSIXMATCH_KEY,
    FakeLyrics,
    LrclibTrack,
    make_lrclib_app,
    make_musixmatch_app,
)

QUERY = LyricsQuery(title="Song", artist="Band", album="Album", duration_s=201.4)


async def test_lrclib_sends_the_metadata_and_skips_instrumentals(aiohttp_server: Any) -> None:
    fake = FakeLyrics(lrclib=[LrclibTrack("Song", "Band", plain=None, instrumental=True)])
    server = await aiohttp_server(make_lrclib_app(fake))
    async with httpx.AsyncClient() as http:
        assert await fetch_lrclib(http, str(server.make_url("")), QUERY) is None
        assert fake.calls[0] == {"track_name": "Song", "artist_name": "Band",
                                 "album_name": "Album", "duration": "201"}
        fake.lrclib[0] = LrclibTrack("Song", "Band", plain="la", synced="[00:01.00]la")
        found = await fetch_lrclib(http, str(server.make_url("")), QUERY)
        assert found is not None and found.synced == "[00:01.00]la" and found.plain == "la"
        fake.status = 500
        with pytest.raises(LyricsUnavailable):
            await fetch_lrclib(http, str(server.make_url("")), QUERY)
        with pytest.raises(LyricsUnavailable):  # nothing listens there
            await fetch_lrclib(http, "http://127.0.0.1:9", QUERY)


async def test_musixmatch_refused_key_is_unavailable_and_a_miss_none(aiohttp_server: Any) -> None:
    fake = FakeLyrics(musixmatch={("band", "song"): "words"})
    server = await aiohttp_server(make_musixmatch_app(fake))
    base = str(server.make_url("/ws/1.1"))
    async with httpx.AsyncClient() as http:
        with pytest.raises(LyricsUnavailable) as refused:
            await fetch_musixmatch(http, base, "wrong", QUERY)
        assert "wrong" not in str(refused.value)  # the key stays out of messages
        miss = LyricsQuery(title="Other", artist="Band")
        assert await fetch_musixmatch(http, base, MUSIXMATCH_KEY, miss) is None
        found = await fetch_musixmatch(http, base, MUSIXMATCH_KEY, QUERY)
        assert found is not None and found.plain == "words" and found.source == "musixmatch"


async def test_the_chat_client_reads_the_completion_and_reports_failures(
        aiohttp_server: Any) -> None:
    fake = FakeChat()
    server = await aiohttp_server(make_chat_app(fake))
    config = ChatConfig(base_url=str(server.make_url("/v1")), api_key=CHAT_KEY, model="m")
    user = '{"name": "Song", "type": "track", "artists": ["Band"]}'
    async with httpx.AsyncClient() as http:
        assert await complete_chat(http, config, "system", user) == "Song is a track by Band."
        assert fake.requests[0]["messages"][0] == {"role": "system", "content": "system"}
        with pytest.raises(ChatUnavailable):
            await complete_chat(http, ChatConfig(base_url=config.base_url, api_key="bad",
                                                 model="m"), "system", user)
    assert not ChatConfig(base_url="", model="m").enabled
