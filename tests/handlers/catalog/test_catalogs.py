"""The catalog interface: one contract run against SpotifyCatalog (the fake Spotify) and
LocalCatalog (the same music in the local catalog), then what each does on its own."""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
import pytest

from handlers.catalog.browse import random_tracks, search_catalog
from handlers.catalog.factory import catalog_for, spotify_client, spotify_config, spotify_user
from handlers.catalog.local import LocalCatalog
from handlers.catalog.spotify import SpotifyCatalog
from handlers.errors import BadGateway, Invalid, NotFound, RateLimited, Unauthorized
from handlers.state import CatalogState
from hub.config import OAuthProviderConfig
from store.records import OAuthAccount
from tests.conftest import ctx_of
from tests.fakes.spotify import (
    add_user,
    expire_tokens,
    make_spotify_app,
    oauth_config,
    rate_limit_next,
    spotify_settings,
    state_of,
)
from tests.fakes.spotify_data import (
    ALBUMS,
    ARTISTS,
    BOHEMIAN,
    DAFT_PUNK,
    DIGITAL_LOVE,
    DISCOVERY,
    HARDER,
    LOVE_OF_MY_LIFE,
    ONE_MORE_TIME,
    PICKS,
    QUEEN,
    RAM,
    TRACKS,
)

__all__: list[str] = []


async def seed_local(ctx: Any) -> None:
    """The fake Spotify's music, as the local catalog would hold it after posts of it."""
    upsert = ctx.store.catalog.upsert
    for artist_id, artist in ARTISTS.items():
        await upsert("spotify", "artist", artist_id, url=f"https://open.spotify.com/artist/"
                     f"{artist_id}", eid=f"/sp/artist/{artist_id}", name=artist["name"],
                     artist_names=[artist["name"]], genres=artist["genres"])
    for album_id, album in ALBUMS.items():
        if album["album_type"] != "album":
            continue  # the local catalog does not tell singles apart
        await upsert("spotify", "album", album_id, url=f"https://open.spotify.com/album/"
                     f"{album_id}", eid=f"/sp/album/{album_id}", name=album["name"],
                     album_name=album["name"],
                     artist_names=[ARTISTS[a]["name"] for a in album["artists"]])
    for track_id, (name, album_id, artists, duration, _) in TRACKS.items():
        await upsert("spotify", "track", track_id, url=f"https://open.spotify.com/track/"
                     f"{track_id}", eid=f"/sp/{track_id}", name=name, duration_ms=duration,
                     album_name=ALBUMS[album_id]["name"],
                     artist_names=[ARTISTS[a]["name"] for a in artists],
                     genres=[g for a in artists for g in ARTISTS[a]["genres"]])
    await upsert("spotify", "playlist", PICKS, url=f"https://open.spotify.com/playlist/{PICKS}",
                 eid=f"/sp/playlist/{PICKS}", name="Chorus Picks", playlist_name="Chorus Picks")


@pytest.fixture
def start(make_client: Any, aiohttp_server: Any) -> Any:
    """Chorus with the fake Spotify configured ("spotify"), or with the music in the local
    catalog and no Spotify at all ("local"); returns (ctx, fake app or None)."""

    async def run(kind: str) -> tuple[Any, Any]:
        if kind == "local":
            ctx = ctx_of(await make_client())
            await seed_local(ctx)
            return ctx, None
        fake = await aiohttp_server(make_spotify_app())
        client = await make_client(**spotify_settings(fake.make_url("")),
                                   oauth=(oauth_config(fake.make_url("")),))
        return ctx_of(client), fake.app

    return run


@pytest.fixture(params=["spotify", "local"])
async def catalog(request: Any, start: Any) -> Any:
    ctx, _ = await start(request.param)
    return catalog_for(ctx)


# -- the contract, both implementations ----------------------------------------------------


async def test_search_finds_tracks_albums_and_artists(catalog):
    found = await catalog.search("one more", ["track", "album", "artist"], limit=5)
    assert [t.name for t in found.tracks.items] == ["One More Time"]
    track = found.tracks.items[0]
    assert track.id == ONE_MORE_TIME and [a.name for a in track.artists] == ["Daft Punk"]
    assert track.album.name == "Discovery"
    assert found.albums.items == [] and found.artists.items == []
    assert found.playlists is None
    daft = await catalog.search("daft punk", ["artist", "album"], limit=5)
    assert [a.name for a in daft.artists.items] == ["Daft Punk"]
    assert {"Discovery", "Random Access Memories"} <= {a.name for a in daft.albums.items}


async def test_search_pages_with_a_total(catalog):
    first = await catalog.search("queen", ["track"], limit=1)
    second = await catalog.search("queen", ["track"], limit=1, offset=1)
    assert first.tracks.total == second.tracks.total == 2
    assert first.tracks.limit == 1 and second.tracks.offset == 1
    assert {first.tracks.items[0].id, second.tracks.items[0].id} == {BOHEMIAN, LOVE_OF_MY_LIFE}


async def test_a_track_by_id(catalog):
    track = await catalog.track(ONE_MORE_TIME)
    assert (track.name, track.duration_ms) == ("One More Time", 320357)
    assert track.external_url == f"https://open.spotify.com/track/{ONE_MORE_TIME}"
    assert track.provider == "spotify"
    with pytest.raises(NotFound):
        await catalog.track("0000000000000000000000")


async def test_an_album_with_a_page_of_its_tracks(catalog):
    album = await catalog.album(DISCOVERY)
    assert album.name == "Discovery" and [a.name for a in album.artists] == ["Daft Punk"]
    assert [t.id for t in album.tracks.items] == [ONE_MORE_TIME, DIGITAL_LOVE, HARDER]
    assert album.tracks.total == 3 and album.tracks.items[0].album.id == DISCOVERY
    middle = await catalog.album(DISCOVERY, limit=1, offset=1)
    assert [t.name for t in middle.tracks.items] == ["Digital Love"]
    assert (middle.tracks.total, middle.tracks.offset) == (3, 1)
    with pytest.raises(NotFound):
        await catalog.album("0000000000000000000000")


async def test_an_artist_and_their_albums(catalog):
    artist = await catalog.artist(DAFT_PUNK)
    assert artist.name == "Daft Punk" and "french house" in artist.genres
    albums = await catalog.artist_albums(DAFT_PUNK, ["album"])
    assert sorted(a.id for a in albums.items) == sorted([DISCOVERY, RAM])
    assert albums.total == 2
    assert (await catalog.artist_albums(QUEEN, ["album"])).items[0].name == "A Night At The Opera"
    with pytest.raises(NotFound):
        await catalog.artist_albums("0000000000000000000000")


async def test_a_playlist(catalog):
    playlist = await catalog.playlist(PICKS)
    assert playlist.name == "Chorus Picks" and playlist.tracks is None
    with pytest.raises(NotFound):
        await catalog.playlist("0000000000000000000000")
    with pytest.raises(NotFound):
        await catalog.playlist_tracks("0000000000000000000000")


async def test_random_tracks_keep_to_the_genre_and_the_limit(catalog):
    rock = await catalog.sample_tracks(5, genre="rock")
    assert sorted(t.id for t in rock) == sorted([BOHEMIAN, LOVE_OF_MY_LIFE])
    some = await catalog.sample_tracks(3)
    assert len(some) == 3 and len({t.id for t in some}) == 3
    assert await catalog.sample_tracks(3, query="zzzzzz") == []


# -- choosing -------------------------------------------------------------------------------


def with_config(ctx: Any, **changes: Any) -> Any:
    """The same Chorus (store, HTTP client) with other settings and no cached clients."""
    return dataclasses.replace(ctx, config=msgspec.structs.replace(ctx.config, **changes),
                               catalog_state=CatalogState())


SIGNIN_APP = OAuthProviderConfig(name="spotify", client_id="signin-id",
                                 client_secret="signin-secret")


async def test_catalog_for_picks_spotify_only_when_configured(start):
    ctx, _ = await start("local")
    assert isinstance(catalog_for(ctx), LocalCatalog)
    own = with_config(ctx, spotify_client_id="own", spotify_client_secret="own-secret")
    assert isinstance(catalog_for(own), SpotifyCatalog)
    assert spotify_client(own) is spotify_client(own)  # one client: one cached app token
    assert with_config(ctx, spotify_client_id="own").config.spotify_client_secret == ""
    assert isinstance(catalog_for(with_config(ctx, spotify_client_id="own")), LocalCatalog)
    signin_only = with_config(ctx, oauth=(SIGNIN_APP,))
    assert isinstance(catalog_for(signin_only), SpotifyCatalog)
    assert spotify_config(signin_only.config).client_id == "signin-id"
    both = with_config(ctx, spotify_client_id="own", spotify_client_secret="own-secret",
                       oauth=(SIGNIN_APP,))
    assert spotify_config(both.config).client_id == "own"


# -- Spotify on its own -------------------------------------------------------------------


async def test_what_spotify_returns_is_kept_in_the_local_catalog(start):
    ctx, fake = await start("spotify")
    await ctx.store.catalog.upsert("spotify", "track", BOHEMIAN, url="x", eid=f"/sp/{BOHEMIAN}",
                                   name="bohemian rhapsody (posted)", genres=["rock"],
                                   lyrics="Is this the real life?")
    await catalog_for(ctx).search("discovery", ["album"])
    await catalog_for(ctx).playlist(PICKS, include_tracks=True)
    track = await ctx.store.catalog.find("spotify", "track", BOHEMIAN)
    assert track is not None and track.eid == f"/sp/{BOHEMIAN}"
    assert track.description == "Bohemian Rhapsody by Queen" and track.duration_ms == 354320
    assert track.name == "Bohemian Rhapsody" and track.url.startswith("https://open.spotify")
    assert track.genres == ["rock"] and track.lyrics == "Is this the real life?"  # kept
    album = await ctx.store.catalog.find("spotify", "album", DISCOVERY)
    assert album.name == "Discovery" and album.eid == f"/sp/album/{DISCOVERY}"
    local = LocalCatalog(ctx.store.catalog_search)
    assert (await local.track(BOHEMIAN)).name == "Bohemian Rhapsody"
    assert [t.name for t in (await local.search("bohem", ["track"])).tracks.items] == [
        "Bohemian Rhapsody"]


async def test_spotify_playlists_come_with_every_track(start):
    ctx, fake = await start("spotify")
    catalog = catalog_for(ctx)
    playlist = await catalog.playlist(PICKS, include_tracks=True)
    assert playlist.total_tracks == 4 and playlist.owner == "Chorus"
    assert [t.id for t in playlist.tracks] == [ONE_MORE_TIME, BOHEMIAN, "69kOkLUCkxIZYexIgSG8rq",
                                               DIGITAL_LOVE]
    state_of(fake).playlists[PICKS]["tracks"] *= 60  # 240 items: three pages of 100
    tracks = await catalog.playlist_tracks(PICKS)
    assert len(tracks) == 240
    assert len(state_of(fake).calls_to(f"/v1/playlists/{PICKS}/tracks")) == 3


async def test_spotify_albums_of_every_group(start):
    ctx, _ = await start("spotify")
    groups = await catalog_for(ctx).artist_albums(DAFT_PUNK, ["single"])
    assert [(a.name, a.album_type) for a in groups.items] == [("Get Lucky", "single")]
    everything = await catalog_for(ctx).artist_albums(DAFT_PUNK, limit=1)
    assert everything.total == 3 and len(everything.items) == 1


async def test_spotify_failures_become_domain_errors(start):
    ctx, fake = await start("spotify")
    catalog = catalog_for(ctx)
    await catalog.track(HARDER)
    rate_limit_next(fake, retry_after="600")
    with pytest.raises(RateLimited) as limited:
        await catalog.track(HARDER)
    assert limited.value.retry_after == 600
    down = with_config(ctx, spotify_api_url="http://127.0.0.1:9/v1",
                       spotify_accounts_url="http://127.0.0.1:9")
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    spotify_client(down).sleep = no_wait  # the retry schedule, without waiting it out
    with pytest.raises(BadGateway) as failed:
        await catalog_for(down).track(HARDER)
    assert failed.value.message == "Spotify could not be reached" and len(waits) == 3


async def test_catalog_calls_are_in_the_api_log(start):
    ctx, _ = await start("spotify")
    await catalog_for(ctx).track(HARDER)
    calls, total = await ctx.store.api_calls.page(provider="spotify")
    assert total == 2
    assert [(c.method, c.status) for c in calls] == [("GET", 200), ("POST", 200)]
    assert calls[0].url.endswith(f"/v1/tracks/{HARDER}")


async def test_a_user_call_refreshes_the_stored_spotify_token(start):
    ctx, fake = await start("spotify")
    user = await ctx.store.users.create(username="ada", email="ada@example.com")
    access, refresh = add_user(fake, "ada-on-spotify", "Ada")
    await ctx.store.oauth.link(OAuthAccount(
        id=0, user_id=user.id, provider="spotify", subject="ada-on-spotify",
        access_token_enc=ctx.vault.encrypt(access), refresh_token_enc=ctx.vault.encrypt(refresh),
        expires_at=ctx.clock() + 3600))
    client = spotify_client(ctx)
    assert (await client.me(spotify_user(ctx, user.id)))["id"] == "ada-on-spotify"
    expire_tokens(fake)
    assert (await client.me(spotify_user(ctx, user.id)))["display_name"] == "Ada"
    stored = await ctx.store.oauth.user_account(user.id, "spotify")
    assert ctx.vault.decrypt(stored.access_token_enc) != access
    assert ctx.vault.decrypt(stored.refresh_token_enc) == refresh
    calls, _ = await ctx.store.api_calls.page(user_id=user.id)
    assert [c.status for c in reversed(calls)] == [200, 401, 200]


async def test_a_user_without_spotify_cannot_make_user_calls(start):
    ctx, _ = await start("spotify")
    user = await ctx.store.users.create(username="bob", email="bob@example.com")
    with pytest.raises(Unauthorized) as caught:
        await spotify_client(ctx).me(spotify_user(ctx, user.id))
    assert caught.value.code == "spotify_not_connected"


# -- operations -----------------------------------------------------------------------------


async def test_operations_check_their_input(start):
    ctx, _ = await start("local")
    for bad in ({"query": " "}, {"types": ["song"]}, {"types": []}, {"limit": 0},
                {"limit": 51}, {"offset": -1}):
        args = {"query": "daft", "types": ["track"], "limit": 5, "offset": 0, **bad}
        with pytest.raises(Invalid):
            await search_catalog(ctx, **args)
    with pytest.raises(Invalid):
        await random_tracks(ctx, 0)
    found = await search_catalog(ctx, "digital", ["track", "track"], limit=5)
    assert [t.name for t in found.tracks.items] == ["Digital Love"]
    assert msgspec.to_builtins(found)["tracks"]["total"] == 1
