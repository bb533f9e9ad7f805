"""Spot On's get_pages_of_spot_embeds: catalog metadata, descriptions from a fake
OpenAI-compatible endpoint (null without one), suggestions from the recommender."""

from __future__ import annotations

from typing import Any

from tests.conftest import ctx_of
from tests.fakes.llm import CHAT_KEY, FakeChat, make_chat_app
from tests.handlers.quiz.helpers import member, seed_songs, spotify_url
from tests.handlers.social.helpers import spoton_post

EMBED_KEYS = {"id", "post_id", "link", "content_type", "artist_names", "playlist_name",
              "album_name", "song_name", "genres", "ai_description", "suggestions"}


async def _posted(client: Any) -> tuple[Any, list[int]]:
    songs = await seed_songs(client)
    ann, bob = await member(client, "ann"), await member(client, "bob")
    posts = [await spoton_post(client, ann, songs[0].url),
             await spoton_post(client, ann, songs[1].url),
             await spoton_post(client, bob, songs[0].url),
             await spoton_post(client, bob, songs[4].url)]
    return ann, posts


async def test_an_embed_has_metadata_no_invented_description_and_suggestions(client) -> None:
    ann, posts = await _posted(client)
    resp = await client.get("/api/get_pages_of_spot_embeds", params={"id": str(posts[0])},
                            headers=ann.auth)
    assert resp.status == 200, await resp.text()
    [embed] = await resp.json()
    assert set(embed) == EMBED_KEYS
    assert embed["song_name"] == "Yellow Submarine" and embed["artist_names"] == ["The Beatles"]
    assert embed["content_type"] == "track" and embed["post_id"] == posts[0]
    assert embed["ai_description"] is None  # no chat endpoint configured
    suggested = {s["name"]: s for s in embed["suggestions"]}
    assert set(suggested) == {"Creep"}  # what its other posters also post (bob, not ann)
    assert suggested["Creep"]["spotify_url"] == spotify_url("0000000000000000000005")
    assert "Yellow Submarine" in suggested["Creep"]["reason"]
    [anonymous] = await (await client.get("/api/get_pages_of_spot_embeds",
                                          params={"id": str(posts[0])})).json()
    assert {s["name"] for s in anonymous["suggestions"]} == {"Wonderwall", "Creep"}


async def test_pages_of_posts_between_dates_and_bad_input(client) -> None:
    _, posts = await _posted(client)
    resp = await client.get("/api/get_pages_of_spot_embeds",
                            params={"start_date": "2000-01-01", "end_date": "2999-12-31",
                                    "page": "1", "page_size": "3"})
    page = await resp.json()
    assert [e["post_id"] for e in page] == [posts[3], posts[2], posts[1]]  # newest first
    second = await (await client.get("/api/get_pages_of_spot_embeds",
                                     params={"page": "2", "page_size": "3"})).json()
    assert [e["post_id"] for e in second] == [posts[0]]
    for params in ({"page_size": "0"}, {"page": "x"}, {"start_date": "yesterday"},
                   {"link": "not a link"}):
        bad = await client.get("/api/get_pages_of_spot_embeds", params=params)
        assert bad.status == 400, params
        assert "error" in await bad.json()
    missing = await client.get("/api/get_pages_of_spot_embeds", params={"id": "999999"})
    assert missing.status == 404


async def test_a_configured_chat_endpoint_describes_once(make_client, aiohttp_server) -> None:
    fake = FakeChat()
    chat = await aiohttp_server(make_chat_app(fake))
    client = await make_client(llm_url=str(chat.make_url("/v1")), llm_api_key=CHAT_KEY,
                               llm_model="tiny")
    _, posts = await _posted(client)
    for _ in range(2):
        [embed] = await (await client.get("/api/get_pages_of_spot_embeds",
                                          params={"id": str(posts[3])})).json()
        assert embed["ai_description"] == "Creep is a track by Radiohead."
    assert len(fake.requests) == 1 and fake.requests[0]["model"] == "tiny"
    stored = await ctx_of(client).store.catalog.find("spotify", "track", "0000000000000000000005")
    assert stored.ai_description == "Creep is a track by Radiohead."
    fake.status = 503
    [other] = await (await client.get("/api/get_pages_of_spot_embeds",
                                      params={"id": str(posts[1])})).json()
    assert other["ai_description"] is None  # a failing endpoint: null, never invented
