"""The catalog: links described by the fake oEmbed server, the offline fallback, the refusal
of private addresses, and one row per link however often and however it is posted."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from handlers.catalog.items import DOWN_SECONDS, catalog_item_for, catalog_item_for_eid
from handlers.errors import Invalid
from tests.conftest import ctx_of
from tests.fakes.oembed import OEmbedItem, make_oembed_app, state_of

# the discard port: nothing listens there, so connections are refused at once (a port picked
# as unused may be taken by another server before the test connects)
CLOSED_PORT_URL = "http://127.0.0.1:9/oembed"

__all__: list[str] = []

YT_ID = "dQw4w9WgXcQ"
YT = f"https://www.youtube.com/watch?v={YT_ID}"
SP_ALBUM = "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"
SC = "https://soundcloud.com/forss/flickermood"
SC_STREAM = "https://api.soundcloud.com/tracks/293/stream"


@pytest.fixture
async def fake(aiohttp_server: Any) -> Any:
    server = await aiohttp_server(make_oembed_app())
    state = state_of(server.app)
    state.items[YT] = OEmbedItem(title="Never Gonna Give You Up", author_name="Rick Astley",
                                 thumbnail_url="https://i.ytimg.com/vi/dQw4w9WgXcQ/hq.jpg")
    state.items[SP_ALBUM] = OEmbedItem(title="Discovery", type="rich", provider_name="Spotify")
    state.items[SC] = OEmbedItem(title="Flickermood by Forss", author_name="Forss", type="rich",
                                 provider_name="SoundCloud")
    return server


@pytest.fixture
async def ctx(make_client: Any, fake: Any) -> Any:
    client = await make_client(oembed_url=str(fake.make_url("/oembed")), allow_private_urls=True)
    return ctx_of(client)


async def catalog_rows(ctx: Any) -> int:
    row = await ctx.store.db.fetch_one("SELECT COUNT(*) FROM catalog")
    return int(row[0])


async def test_a_music_link_is_described_by_its_provider_and_stored(ctx, fake) -> None:
    item = await catalog_item_for(ctx, f"https://youtu.be/{YT_ID}?t=3")
    assert (item.provider, item.kind, item.provider_id) == ("youtube", "video", YT_ID)
    assert item.url == YT and item.eid == f"/yt/{YT_ID}"
    assert item.name == "Never Gonna Give You Up" and item.artist_names == ["Rick Astley"]
    assert item.image == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hq.jpg"
    assert item.description == "Never Gonna Give You Up by Rick Astley"
    assert await ctx.store.catalog.get(item.id) == item
    assert state_of(fake.app).calls == [YT]


async def test_albums_and_tracks_fill_their_own_columns(ctx) -> None:
    album = await catalog_item_for(ctx, "spotify:album:4aawyAB9vmqN3uQ7FjRGTy")
    assert album.kind == "album" and album.album_name == "Discovery" and album.name == "Discovery"
    track = await catalog_item_for(ctx, SC)
    assert track.name == "Flickermood" and track.artist_names == ["Forss"]


async def test_a_link_posted_twice_is_one_row_described_once(ctx, fake) -> None:
    first = await catalog_item_for(ctx, YT)
    again = await catalog_item_for(ctx, f"https://m.youtube.com/watch?v={YT_ID}&feature=share")
    by_eid = await catalog_item_for_eid(ctx, f"/yt/{YT_ID}", name="rick roll")
    assert first.id == again.id == by_eid.id and by_eid.name == "Never Gonna Give You Up"
    assert await catalog_rows(ctx) == 1
    assert state_of(fake.app).calls == [YT]


async def test_a_stream_url_once_known_stays_with_the_item(ctx) -> None:
    plain = await catalog_item_for(ctx, SC)
    streamed = await catalog_item_for_eid(ctx, f"/sc/forss/flickermood#{SC_STREAM}")
    later = await catalog_item_for(ctx, SC)
    assert plain.id == streamed.id == later.id
    assert streamed.eid == later.eid == f"/sc/forss/flickermood#{SC_STREAM}"
    assert await ctx.store.catalog.by_eid(streamed.eid) == later


@pytest.mark.parametrize("link", ["", "hello", "https://example.com/page", "/u/12", "/sc/undefined"])
async def test_a_link_that_is_not_music_is_refused_and_stores_nothing(ctx, link) -> None:
    for call in (catalog_item_for(ctx, link), catalog_item_for_eid(ctx, link, name="x")):
        with pytest.raises(Invalid) as caught:
            await call
        assert caught.value.code == "not_music_link"
    assert await catalog_rows(ctx) == 0


async def test_offline_the_link_describes_itself(make_client) -> None:
    ctx = ctx_of(await make_client(
        oembed_url=CLOSED_PORT_URL, allow_private_urls=True))
    item = await catalog_item_for(ctx, YT)
    assert item.name == "" and item.description == f"YouTube video {YT_ID}"
    assert item.image == f"https://i.ytimg.com/vi/{YT_ID}/hqdefault.jpg"
    file = await catalog_item_for(ctx, "https://cdn.example.org/a/My_Song.mp3")
    assert file.name == "My Song" and file.description == "Audio file My_Song.mp3"
    assert file.kind == "audio" and file.eid == "/fi/https://cdn.example.org/a/My_Song.mp3"


async def test_an_openwhyd_name_names_an_item_nobody_could_describe(make_client, fake) -> None:
    state_of(fake.app).status = 500
    ctx = ctx_of(await make_client(oembed_url=str(fake.make_url("/oembed")),
                                   allow_private_urls=True))
    item = await catalog_item_for_eid(ctx, "/dz/3135556", name="Daft Punk - HBFS")
    # Openwhyd names posts "Artist - Title": the catalog (and Spotizerr) gets both
    assert item.provider == "deezer" and item.name == "HBFS"
    assert item.artist_names == ["Daft Punk"]
    assert item.description == "Deezer track 3135556"
    again = await catalog_item_for_eid(ctx, "/dz/3135556", name="another name")
    assert again.name == "HBFS" and again.artist_names == ["Daft Punk"]
    plain = await catalog_item_for_eid(ctx, "/dz/3135557", name="Untitled - ")
    assert plain.name == "Untitled -" and plain.artist_names == []


async def test_an_uploaded_video_titled_artist_dash_title_names_the_artist(ctx, fake) -> None:
    """A YouTube channel is the uploader, not the artist, when the title names one."""
    link = "https://www.youtube.com/watch?v=Zh0aTQbZ4dQ"
    state_of(fake.app).items[link] = OEmbedItem(title="Odesza – Say My Name",
                                                author_name="Majestic Casual")
    item = await catalog_item_for(ctx, link)
    assert item.name == "Say My Name" and item.artist_names == ["Odesza"]
    described = await catalog_item_for(ctx, f"https://youtu.be/{YT_ID}")
    assert described.artist_names == ["Rick Astley"]


async def test_an_item_left_undescribed_is_described_by_a_later_post(ctx, fake) -> None:
    state = state_of(fake.app)
    state.status = 503
    offline = await catalog_item_for(ctx, YT)
    assert offline.description == f"YouTube video {YT_ID}"
    state.status = None  # an answer, even an error one, means the provider is reachable
    described = await catalog_item_for(ctx, YT)
    assert described.id == offline.id and described.name == "Never Gonna Give You Up"
    assert len(state.calls) == 2


async def test_an_unreachable_provider_is_not_asked_again_for_a_while(
        make_client, fake) -> None:
    ctx = ctx_of(await make_client(
        oembed_url=CLOSED_PORT_URL, allow_private_urls=True))
    assert (await catalog_item_for(ctx, YT)).name == ""
    # the provider comes back (here: the endpoint now points at the running fake)
    ctx.config = msgspec.structs.replace(ctx.config, oembed_url=str(fake.make_url("/oembed")))
    assert (await catalog_item_for(ctx, YT)).name == "" and state_of(fake.app).calls == []
    now = ctx.clock()
    ctx.clock = lambda: now + DOWN_SECONDS + 1
    assert (await catalog_item_for(ctx, YT)).name == "Never Gonna Give You Up"


async def test_private_addresses_are_not_fetched_unless_allowed(make_client, fake) -> None:
    ctx = ctx_of(await make_client(oembed_url=str(fake.make_url("/oembed"))))
    assert ctx.config.allow_private_urls is False
    item = await catalog_item_for(ctx, YT)
    assert item.description == f"YouTube video {YT_ID}" and item.name == ""
    assert state_of(fake.app).calls == []
