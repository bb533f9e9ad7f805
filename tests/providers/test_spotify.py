"""SpotifyClient against the fake Spotify over loopback HTTP: app tokens, user tokens, retries,
paging and the API log (a real store: SQLite, or CHORUS_TEST_STORE's PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from aiohttp import web

from providers.spotify import (
    CallRecord,
    SpotifyClient,
    SpotifyConfig,
    SpotifyError,
    UserAuth,
    next_page_url,
    redact_url,
)
from store import open_store
from tests.conftest import store_url_for
from tests.fakes.spotify import (
    CLIENT_ID,
    CLIENT_SECRET,
    add_user,
    expire_tokens,
    fail_next,
    make_spotify_app,
    rate_limit_next,
    state_of,
)
from tests.fakes.spotify_data import BOHEMIAN, DAFT_PUNK, DIGITAL_LOVE, HARDER, ONE_MORE_TIME

__all__: list[str] = []


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Spotify(msgspec.Struct):
    app: web.Application
    client: SpotifyClient
    sleeps: list[float]
    clock: Clock
    logged: list[CallRecord]
    url: str


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def serve(aiohttp_server: Any, http: httpx.AsyncClient) -> Any:
    async def start(**changes: Any) -> Spotify:
        app = make_spotify_app()
        server = await aiohttp_server(app)
        base = str(server.make_url("")).rstrip("/")
        config = SpotifyConfig(CLIENT_ID, CLIENT_SECRET, f"{base}/v1", base)
        config = msgspec.structs.replace(config, **changes)
        sleeps: list[float] = []
        logged: list[CallRecord] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        async def log_call(record: CallRecord) -> None:
            logged.append(record)

        clock = Clock()
        client = SpotifyClient(config, http, log_call=log_call, sleep=sleep, clock=clock)
        return Spotify(app, client, sleeps, clock, logged, base)

    return start


async def test_the_app_token_is_fetched_once_and_renewed_when_it_expires(serve):
    spotify = await serve()
    first = await spotify.client.track(ONE_MORE_TIME)
    second = await spotify.client.artist(DAFT_PUNK)
    assert first["name"] == "One More Time" and second["name"] == "Daft Punk"
    assert len(state_of(spotify.app).calls_to("/api/token")) == 1
    spotify.clock.now += 3600 - 60  # the token's hour, less the safety margin
    await spotify.client.track(ONE_MORE_TIME)
    assert len(state_of(spotify.app).calls_to("/api/token")) == 2


async def test_an_app_token_spotify_refuses_is_replaced_and_the_call_repeated(serve):
    spotify = await serve()
    await spotify.client.track(ONE_MORE_TIME)
    expire_tokens(spotify.app)
    track = await spotify.client.track(BOHEMIAN)
    assert track["name"] == "Bohemian Rhapsody"
    assert [r.status for r in spotify.logged] == [200, 200, 401, 200, 200]


async def test_wrong_app_credentials_are_an_unauthorized_error(serve):
    spotify = await serve(client_secret="wrong")
    with pytest.raises(SpotifyError) as caught:
        await spotify.client.track(ONE_MORE_TIME)
    assert caught.value.reason == "unauthorized" and caught.value.status == 400
    assert "Invalid client" in caught.value.message


async def test_without_credentials_no_request_is_made(serve):
    spotify = await serve(client_id="")
    with pytest.raises(SpotifyError) as caught:
        await spotify.client.track(ONE_MORE_TIME)
    assert caught.value.reason == "not_configured"
    assert state_of(spotify.app).calls == []


async def test_429_waits_for_retry_after_then_succeeds(serve):
    spotify = await serve()
    await spotify.client.app_token()
    rate_limit_next(spotify.app, retry_after="2")
    track = await spotify.client.track(HARDER)
    assert track["id"] == HARDER
    assert spotify.sleeps == [2.0]
    assert [r.status for r in spotify.logged[1:]] == [429, 200]
    assert spotify.logged[1].error == "API rate limit exceeded"


async def test_a_retry_after_longer_than_the_bound_is_not_waited_for(serve):
    spotify = await serve()
    await spotify.client.app_token()
    rate_limit_next(spotify.app, retry_after="120")
    with pytest.raises(SpotifyError) as caught:
        await spotify.client.track(HARDER)
    assert caught.value.reason == "rate_limited" and caught.value.retry_after == 120
    assert spotify.sleeps == []
    assert len(state_of(spotify.app).calls_to("/v1/")) == 1


async def test_server_errors_are_retried_a_bounded_number_of_times(serve):
    spotify = await serve()
    await spotify.client.app_token()
    fail_next(spotify.app, 502, times=2)
    assert (await spotify.client.track(HARDER))["id"] == HARDER
    assert spotify.sleeps == [0.25, 0.5]
    fail_next(spotify.app, 503, times=10)
    with pytest.raises(SpotifyError) as caught:
        await spotify.client.track(HARDER)
    assert caught.value.reason == "unavailable" and caught.value.status == 503
    assert len(state_of(spotify.app).calls_to(f"/v1/tracks/{HARDER}")) == 3 + 4


async def test_an_unreachable_api_is_a_network_error_and_logged_without_status(serve):
    spotify = await serve(api_url="http://127.0.0.1:9/v1")
    with pytest.raises(SpotifyError) as caught:
        await spotify.client.track(HARDER)
    assert caught.value.reason == "network"
    failed = [r for r in spotify.logged if r.url.startswith("http://127.0.0.1:9/")]
    assert len(failed) == 4 and all(r.status is None and r.error for r in failed)


async def test_unknown_and_malformed_ids_are_not_found(serve):
    spotify = await serve()
    for bad in ("0000000000000000000000", "not-an-id"):
        with pytest.raises(SpotifyError) as caught:
            await spotify.client.track(bad)
        assert caught.value.reason == "not_found"
    assert [r.status for r in spotify.logged[1:]] == [404, 400]


async def test_iter_items_follows_next_urls_across_pages(serve):
    spotify = await serve()
    items = await spotify.client.collect("search", {"q": "daft", "type": "track", "limit": 2},
                                         key="tracks")
    assert len(items) == 6 and len({i["id"] for i in items}) == 6
    pages = state_of(spotify.app).calls_to("/v1/search")
    assert len(pages) == 3 and "offset=4" in pages[-1]
    capped = await spotify.client.collect("search", {"q": "daft", "type": "track",
                                                     "limit": 2}, key="tracks", max_items=3)
    assert len(capped) == 3


async def test_an_album_s_embedded_page_is_continued(serve):
    spotify = await serve()
    album = await spotify.client.album_tracks("2noRn2Aes5aoNVsU6iWThc", limit=1)
    items = [i async for i in spotify.client.follow(album)]
    assert [i["id"] for i in items] == [ONE_MORE_TIME, DIGITAL_LOVE, HARDER]


async def test_a_next_url_elsewhere_is_refused(serve):
    spotify = await serve()
    with pytest.raises(SpotifyError) as caught:
        await spotify.client.get("https://evil.example/v1/tracks")
    assert caught.value.reason == "invalid_response"


def test_offset_paging_without_next_steps_the_offset():
    paging = {"href": "https://api.spotify.com/v1/x?limit=2&offset=0", "items": [1, 2],
              "offset": 0, "limit": 2, "total": 5}
    assert next_page_url(paging) == "https://api.spotify.com/v1/x?limit=2&offset=2"
    assert next_page_url({**paging, "offset": 3}) is None
    assert next_page_url({**paging, "next": None}) is None


def test_secrets_are_redacted_from_logged_urls():
    url = ("https://user:pw@api.example/v1/me?access_token=abc&limit=5&client_secret=s"
           "&code=c&q=daft+punk")
    assert redact_url(url) == ("https://api.example/v1/me?access_token=REDACTED&limit=5"
                               "&client_secret=REDACTED&code=REDACTED&q=daft+punk")


async def refresh_at_fake(http: httpx.AsyncClient, base: str, refresh: str) -> str:
    response = await http.post(f"{base}/api/token", auth=(CLIENT_ID, CLIENT_SECRET),
                               data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert response.status_code == 200
    return response.json()["access_token"]


async def test_a_refused_user_token_is_refreshed_through_the_callback(serve, http):
    spotify = await serve()
    access, refresh = add_user(spotify.app, "wizzler", "Wizzler")
    asked: list[bool] = []
    tokens = {"current": access}

    async def token(renew: bool) -> str:
        asked.append(renew)
        if renew:
            tokens["current"] = await refresh_at_fake(http, spotify.url, refresh)
        return tokens["current"]

    user = UserAuth(token=token, user_id=7)
    assert (await spotify.client.me(user))["id"] == "wizzler"
    expire_tokens(spotify.app)
    assert (await spotify.client.me(user))["display_name"] == "Wizzler"
    assert asked == [False, False, True]
    me_calls = [r for r in spotify.logged if r.url.endswith("/v1/me")]
    assert [(r.status, r.user_id) for r in me_calls] == [(200, 7), (401, 7), (200, 7)]


async def test_a_user_token_refused_twice_is_unauthorized(serve):
    spotify = await serve()
    add_user(spotify.app, "wizzler")

    async def token(renew: bool) -> str:
        return "stale"

    with pytest.raises(SpotifyError) as caught:
        await spotify.client.me(UserAuth(token=token))
    assert caught.value.reason == "unauthorized" and caught.value.status == 401


async def test_recently_played_pages_back_with_cursors(serve):
    spotify = await serve()
    access, _ = add_user(spotify.app, "wizzler")
    state_of(spotify.app).played["wizzler"] = [
        (ONE_MORE_TIME, "2025-01-15T14:00:01Z"), (BOHEMIAN, "2025-01-15T14:05:00Z"),
        (HARDER, "2025-01-15T14:10:00Z"), (DIGITAL_LOVE, "2025-01-15T14:15:00Z"),
        (ONE_MORE_TIME, "2025-01-15T14:20:00Z")]

    async def token(renew: bool) -> str:
        return access

    user = UserAuth(token=token)
    first = await spotify.client.recently_played(user, limit=2)
    assert first["cursors"]["before"] and first["items"][0]["played_at"] == "2025-01-15T14:20:00Z"
    items = [i async for i in spotify.client.follow(first, user=user)]
    assert [i["track"]["id"] for i in items] == [ONE_MORE_TIME, DIGITAL_LOVE, HARDER, BOHEMIAN,
                                                  ONE_MORE_TIME]


async def test_every_call_lands_in_the_api_log(aiohttp_server, http, tmp_path: Path):
    store = open_store(store_url_for(tmp_path))
    await store.open()
    try:
        app = make_spotify_app()
        server = await aiohttp_server(app)
        base = str(server.make_url("")).rstrip("/")
        access, _ = add_user(app, "wizzler")

        async def log_call(record: CallRecord) -> None:
            await store.api_calls.add(record.provider, record.method, record.url,
                                      record.status, record.duration_ms, error=record.error,
                                      user_id=record.user_id)

        async def token(renew: bool) -> str:
            return access

        client = SpotifyClient(SpotifyConfig(CLIENT_ID, CLIENT_SECRET, f"{base}/v1", base), http,
                               log_call=log_call)
        await client.search("queen", ["artist"], limit=5)
        with pytest.raises(SpotifyError):
            await client.track("0000000000000000000000")
        user = await store.users.create(username="ada", email="ada@example.com")
        await client.me(UserAuth(token=token, user_id=user.id))
        calls, total = await store.api_calls.page()
        assert total == 4
        newest = calls[0]
        assert (newest.provider, newest.method, newest.url, newest.status, newest.user_id) == (
            "spotify", "GET", f"{base}/v1/me", 200, user.id)
        assert newest.duration_ms > 0
        failed, count = await store.api_calls.page(status_min=400)
        assert count == 1 and failed[0].error == "Resource not found"
        token_calls, _ = await store.api_calls.page(method="post")
        assert [c.url for c in token_calls] == [f"{base}/api/token"]
        searches, _ = await store.api_calls.page(url_contains="/v1/search?")
        assert "q=queen" in searches[0].url and searches[0].user_id is None
        assert await store.api_calls.prune(before=newest.created_at + 1) == 4
    finally:
        await store.close()
