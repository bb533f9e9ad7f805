"""Link descriptions from the fake oEmbed server and OpenGraph pages over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from providers.net import FetchError, UnsafeURL
from providers.oembed import Description, describe, describe_oembed
from tests.fakes.oembed import OEmbedItem, make_oembed_app, state_of

__all__: list[str] = []

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
SC = "https://soundcloud.com/forss/flickermood"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
async def fake(aiohttp_server: Any) -> Any:
    return await aiohttp_server(make_oembed_app())


async def test_an_oembed_answer_becomes_a_description(fake, http) -> None:
    state_of(fake.app).items[YT] = OEmbedItem(
        title="Never Gonna Give You Up", author_name="Rick Astley",
        thumbnail_url="https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg")
    found = await describe(http, "youtube", YT, oembed_url=str(fake.make_url("/oembed")),
                           allow_private=True)
    assert found == Description(title="Never Gonna Give You Up", author_name="Rick Astley",
                                image="https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg",
                                provider_name="YouTube")
    assert state_of(fake.app).calls == [YT]


@pytest.mark.parametrize(("provider", "title", "author", "expected_title", "expected_author"), [
    ("soundcloud", "Flickermood by Forss", "Forss", "Flickermood", "Forss"),
    ("youtube", "Get Lucky", "Daft Punk - Topic", "Get Lucky", "Daft Punk"),
    ("spotify", "Get Lucky", "", "Get Lucky", ""),
    ("bandcamp", "Acoustic Breeze, by Bensound", "", "Acoustic Breeze", "Bensound"),
])
async def test_provider_habits_in_titles_are_tidied(fake, http, provider, title, author,
                                                    expected_title, expected_author) -> None:
    state_of(fake.app).items[SC] = OEmbedItem(title=title, author_name=author)
    found = await describe(http, provider, SC, oembed_url=str(fake.make_url("/oembed")),
                           allow_private=True)
    assert found is not None
    assert (found.title, found.author_name) == (expected_title, expected_author)


async def test_vimeo_durations_and_descriptions_are_kept(fake, http) -> None:
    url = "https://vimeo.com/76979871"
    state_of(fake.app).items[url] = OEmbedItem(title="The New Vimeo Player", author_name="Vimeo",
                                               description="A player.", duration=62)
    found = await describe_oembed(http, str(fake.make_url("/oembed")), url, allow_private=True)
    assert found.duration_ms == 62000 and found.description == "A player."


async def test_an_opengraph_page_describes_deezer_dailymotion_and_bandcamp(fake, http) -> None:
    state_of(fake.app).pages["/track/3135556"] = {
        "og:title": "Harder, Better, Faster, Stronger", "og:site_name": "Deezer",
        "og:description": "Listen on Deezer", "og:image": "https://cdn.example/cover.jpg",
        "music:duration": "224", "music:musician_description": "Daft Punk"}
    found = await describe(http, "deezer", str(fake.make_url("/track/3135556")),
                           allow_private=True)
    assert found == Description(title="Harder, Better, Faster, Stronger", author_name="Daft Punk",
                                description="Listen on Deezer",
                                image="https://cdn.example/cover.jpg", duration_ms=224000,
                                provider_name="Deezer")


async def test_a_bandcamp_page_names_the_artist_by_its_site(fake, http) -> None:
    state_of(fake.app).pages["/track/acoustic-breeze"] = {
        "og:title": "Acoustic Breeze", "og:site_name": "Bensound", "og:type": "song"}
    found = await describe(http, "bandcamp", str(fake.make_url("/track/acoustic-breeze")),
                           allow_private=True)
    assert found is not None and found.author_name == "Bensound"


async def test_the_override_also_describes_opengraph_providers(fake, http) -> None:
    url = "https://www.deezer.com/track/3135556"
    state_of(fake.app).items[url] = OEmbedItem(title="HBFS", author_name="Daft Punk", type="rich")
    found = await describe(http, "deezer", url, oembed_url=str(fake.make_url("/oembed")),
                           allow_private=True)
    assert found is not None and found.title == "HBFS"


async def test_audio_files_have_nothing_to_ask(fake, http) -> None:
    assert await describe(http, "file", "https://x.example/a.mp3",
                          oembed_url=str(fake.make_url("/oembed")), allow_private=True) is None
    assert state_of(fake.app).calls == []


async def test_an_unknown_link_is_a_status_error(fake, http) -> None:
    with pytest.raises(FetchError) as caught:
        await describe(http, "youtube", YT, oembed_url=str(fake.make_url("/oembed")),
                       allow_private=True)
    assert caught.value.reason == "status" and "404" in caught.value.message


async def test_a_page_without_a_title_or_an_answer_without_json_is_invalid(fake, http) -> None:
    state_of(fake.app).pages["/video/x1"] = {"og:description": "no title"}
    with pytest.raises(FetchError) as caught:
        await describe(http, "dailymotion", str(fake.make_url("/video/x1")), allow_private=True)
    assert caught.value.reason == "invalid"
    with pytest.raises(FetchError) as caught:  # an HTML page where JSON was expected
        await describe_oembed(http, str(fake.make_url("/video/x1")), YT, allow_private=True)
    assert caught.value.reason == "invalid"


async def test_a_failing_provider_is_a_status_error(fake, http) -> None:
    state_of(fake.app).status = 503
    with pytest.raises(FetchError) as caught:
        await describe(http, "spotify", "https://open.spotify.com/track/x",
                       oembed_url=str(fake.make_url("/oembed")), allow_private=True)
    assert caught.value.reason == "status"


async def test_a_private_endpoint_is_refused_unless_allowed(fake, http) -> None:
    with pytest.raises(UnsafeURL):
        await describe(http, "youtube", YT, oembed_url=str(fake.make_url("/oembed")),
                       allow_private=False)
    assert state_of(fake.app).calls == []
