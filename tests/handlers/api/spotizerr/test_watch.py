"""Spotizerr's watch lists against the fake Spotify: new tracks and releases become download
tasks, the M3U file follows the playlist, and watches are per user."""

from __future__ import annotations

import os

import pytest

from handlers.downloads.settings import DOWNLOAD_KIND_TRACK
from handlers.downloads.watch_check import IDLE_DELAY, check_due
from store.records import JobStatus
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.spotify import make_spotify_app, spotify_settings, state_of
from tests.fakes.spotify_data import (
    BOHEMIAN,
    DAFT_PUNK,
    DIGITAL_LOVE,
    DISCOVERY,
    GET_LUCKY,
    HARDER,
    ONE_MORE_TIME,
    PICKS,
    RAM,
)
from tests.handlers.api.spotizerr.helpers import login

NEW_ALBUM = "6kHtVyf5QXVmcSbwDGPkxw"
NEW_SINGLE = "7dNtVyf5QXVmcSbwDGPkxw"
NEW_TRACK = "1aBcDeFgHiJkLmNoPqRsTu"
SINGLE_TRACK = "2aBcDeFgHiJkLmNoPqRsTu"
UNKNOWN = "0000000000000000000000"


class World:
    """Chorus on the fake Spotify: an admin, two users, the fake's state."""

    def __init__(self, client, fake, admin, ada, bob) -> None:
        self.client, self.fake, self.admin, self.ada, self.bob = client, fake, admin, ada, bob
        self.ctx = ctx_of(client)

    async def enable(self, **changes) -> None:
        resp = await self.client.put("/api/config/watch", headers=self.admin,
                                     json={"enabled": True, **changes})
        assert resp.status == 200


@pytest.fixture
async def world(aiohttp_server, make_client, tmp_path):
    fake = await aiohttp_server(make_spotify_app())
    client = await make_client(admin_username="root", admin_password=STRONG_PASSWORD,
                               allow_private_urls=True, **spotify_settings(fake.make_url("")))
    for name in ("ada", "bob"):
        await client.post("/api/auth/register", json={
            "username": name, "password": STRONG_PASSWORD, "email": f"{name}@example.com"})
    admin = await login(client, "root")
    await client.put("/api/config/", headers=admin,
                     json={"downloadPath": str(tmp_path / "music")})
    w = World(client, state_of(fake.app), admin, await login(client, "ada"),
              await login(client, "bob"))
    # downloads stay queued: what the watcher queued is then what the tests look at
    w.ctx.jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)
    return w


async def test_watching_needs_a_token_and_watching_enabled(world):
    client = world.client
    assert (await client.put(f"/api/playlist/watch/{PICKS}", json={})).status == 401
    assert (await client.get("/api/playlist/watch/list")).status == 401
    resp = await client.put(f"/api/playlist/watch/{PICKS}", json={}, headers=world.ada)
    body = await resp.json()
    assert resp.status == 403 and set(body) == {"error", "details", "detail"}
    assert "disabled" in body["error"]
    resp = await client.post("/api/artist/watch/trigger_check", headers=world.ada)
    assert resp.status == 403
    assert await (await client.get("/api/playlist/watch/list", headers=world.ada)).json() == []


async def test_a_track_added_to_a_watched_playlist_becomes_a_download_task(world):
    await world.enable()
    client, ada = world.client, world.ada
    resp = await client.put(f"/api/playlist/watch/{PICKS}", headers=ada,
                            json={"watch_new_additions": True, "download_existing": False})
    body = await resp.json()
    assert resp.status == 200 and body["message"].endswith("added to watchlist.")
    assert body["check"]["queued_tracks"] == [] and len(body["check"]["known_tracks"]) == 4
    world.fake.playlists[PICKS]["tracks"].append(HARDER)
    resp = await client.post(f"/api/playlist/watch/trigger_check/{PICKS}", headers=ada)
    result = (await resp.json())["results"][0]
    assert resp.status == 200 and result["queued_tracks"] == [HARDER]
    job = await world.ctx.jobs.get(result["task_ids"][0])
    user = await world.ctx.store.users.by_username("ada")
    assert job.owner_id == user.id and job.status == JobStatus.QUEUED
    task = await client.get(f"/api/prgs/{job.id}", headers=ada)
    assert task.status == 200
    again = await (await client.post("/api/playlist/watch/trigger_check", headers=ada)).json()
    assert again["checked"] == 1 and again["results"][0]["queued_tracks"] == []
    assert again["results"][0]["unchanged"] is True
    status = await (await client.get(f"/api/playlist/watch/{PICKS}/status",
                                     headers=ada)).json()
    data = status["playlist_data"]
    assert status["is_watched"] is True and data["name"] == "Chorus Picks"
    assert data["total_tracks"] == 5 and data["known_tracks"] == 5
    assert data["last_checked"] is not None and data["last_error"] is None


async def test_the_m3u_lists_the_downloaded_tracks_files_in_playlist_order(world, tmp_path):
    await world.enable()
    client, ada = world.client, world.ada
    await client.put(f"/api/playlist/watch/{PICKS}", headers=ada, json={})
    world.fake.playlists[PICKS]["tracks"][1:1] = [HARDER]  # second place
    world.fake.playlists[PICKS]["tracks"].append(BOHEMIAN)  # already there: listed once
    resp = await client.post(f"/api/playlist/watch/trigger_check/{PICKS}", headers=ada)
    [task_id] = (await resp.json())["results"][0]["task_ids"]
    target = (await world.ctx.jobs.get(task_id)).payload["target"]
    m3u = tmp_path / "music" / "playlists" / "Chorus Picks.m3u"
    lines = m3u.read_text().splitlines()
    assert lines[:2] == ["#EXTM3U", "#PLAYLIST:Chorus Picks"]
    assert lines[2] == "#EXTINF:224,Daft Punk - Harder, Better, Faster, Stronger"
    assert lines[3] == os.path.relpath(target, m3u.parent) and lines[3].startswith("../")
    assert len(lines) == 4  # the tracks there before the watch were not downloaded by it
    status = await (await client.get(f"/api/playlist/watch/{PICKS}/status",
                                     headers=ada)).json()
    assert status["playlist_data"]["m3u_path"] == str(m3u)


async def test_download_existing_queues_every_track_at_once(world):
    await world.enable()
    resp = await world.client.put(f"/api/playlist/watch/{PICKS}", headers=world.ada,
                                  json={"download_existing": True})
    check = (await resp.json())["check"]
    assert check["queued_tracks"] == [ONE_MORE_TIME, BOHEMIAN, GET_LUCKY, DIGITAL_LOVE]
    assert len(set(check["task_ids"])) == 4


async def test_marked_tracks_are_not_downloaded_and_forgotten_ones_are(world):
    await world.enable()
    client, ada = world.client, world.ada
    await client.put(f"/api/playlist/watch/{PICKS}", headers=ada, json={})
    resp = await client.post(f"/api/playlist/watch/{PICKS}/tracks", headers=ada,
                             json={"track_ids": [HARDER]})
    assert (await resp.json())["processed_count"] == 1
    world.fake.playlists[PICKS]["tracks"].append(HARDER)
    resp = await client.delete(f"/api/playlist/watch/{PICKS}/tracks", headers=ada,
                               json=[ONE_MORE_TIME])  # the bare array Spotizerr's UI sends
    assert (await resp.json())["deleted_count"] == 1
    result = (await (await client.post(f"/api/playlist/watch/trigger_check/{PICKS}",
                                       headers=ada)).json())["results"][0]
    assert result["queued_tracks"] == [ONE_MORE_TIME]
    resp = await client.post(f"/api/playlist/watch/{PICKS}/tracks", headers=ada,
                             json={"track_ids": "nope"})
    assert resp.status == 400 and set(await resp.json()) == {"error", "details", "detail"}


async def test_watches_belong_to_their_user(world):
    await world.enable()
    client, ada, bob = world.client, world.ada, world.bob
    await client.put(f"/api/playlist/watch/{PICKS}", headers=ada, json={})
    status = await (await client.get(f"/api/playlist/watch/{PICKS}/status",
                                     headers=bob)).json()
    assert status == {"is_watched": False}
    assert await (await client.get("/api/playlist/watch/list", headers=bob)).json() == []
    for method, path in (("DELETE", f"/api/playlist/watch/{PICKS}"),
                         ("POST", f"/api/playlist/watch/trigger_check/{PICKS}")):
        resp = await client.request(method, path, headers=bob)
        assert resp.status == 404 and set(await resp.json()) == {"error", "details", "detail"}
    resp = await client.post(f"/api/playlist/watch/{PICKS}/tracks", headers=bob,
                             json={"track_ids": [HARDER]})
    assert resp.status == 404
    listed = await (await client.get("/api/playlist/watch/list", headers=ada)).json()
    assert [p["spotify_id"] for p in listed] == [PICKS]
    resp = await client.delete(f"/api/playlist/watch/{PICKS}", headers=ada)
    assert resp.status == 200 and "removed" in (await resp.json())["message"]
    assert await (await client.get("/api/playlist/watch/list", headers=ada)).json() == []


async def test_unknown_items_and_bad_options_are_refused(world):
    await world.enable()
    client, ada = world.client, world.ada
    resp = await client.put(f"/api/playlist/watch/{UNKNOWN}", headers=ada, json={})
    assert resp.status == 404 and set(await resp.json()) == {"error", "details", "detail"}
    resp = await client.put(f"/api/artist/watch/{DAFT_PUNK}", headers=ada,
                            json={"album_types": ["bootleg"]})
    assert resp.status == 400
    resp = await client.put(f"/api/artist/watch/{DAFT_PUNK}", headers=ada,
                            json={"watch_new_releases": "sometimes"})
    assert resp.status == 400
    assert await (await client.get("/api/artist/watch/list", headers=ada)).json() == []


def add_album(fake, album_id: str, name: str, album_type: str, track_id: str) -> None:
    fake.albums[album_id] = {"name": name, "artists": [DAFT_PUNK], "album_type": album_type,
                             "release_date": "2030-01-01", "label": "Chorus", "popularity": 1,
                             "tracks": []}
    fake.tracks[track_id] = {"name": f"{name} (track)", "album": album_id,
                             "artists": [DAFT_PUNK], "duration_ms": 1000, "explicit": False,
                             "popularity": 1, "isrc": "FAKE", "disc_number": 1,
                             "track_number": 1}
    fake.albums[album_id]["tracks"].append(track_id)


async def test_an_artist_watch_follows_only_its_album_types(world):
    await world.enable()
    client, ada = world.client, world.ada
    resp = await client.put(f"/api/artist/watch/{DAFT_PUNK}", headers=ada,
                            json={"watch_new_releases": True, "album_types": ["album"]})
    body = await resp.json()
    assert resp.status == 200 and body["check"]["known_albums"] == [DISCOVERY, RAM]
    assert body["artist_data"]["album_types"] == ["album"]
    add_album(world.fake, NEW_ALBUM, "Homework II", "album", NEW_TRACK)
    add_album(world.fake, NEW_SINGLE, "A Single", "single", SINGLE_TRACK)
    resp = await client.post(f"/api/artist/watch/{DAFT_PUNK}/albums", headers=ada,
                             json={"album_ids": [NEW_ALBUM]})
    assert (await resp.json())["processed_count"] == 1
    resp = await client.post(f"/api/artist/watch/trigger_check/{DAFT_PUNK}", headers=ada)
    result = (await resp.json())["results"][0]
    # the new album is marked known and the single is not a watched type: nothing to do
    assert result["queued_albums"] == [] and result["error"] is None
    status = await (await client.get(f"/api/artist/watch/{DAFT_PUNK}/status",
                                     headers=ada)).json()
    data = status["artist_data"]
    assert data["total_albums_on_spotify"] == 3 and data["known_albums"] == 3


async def test_an_artists_new_release_of_a_watched_type_becomes_an_album_task(world):
    await world.enable()
    client, ada = world.client, world.ada
    await client.put(f"/api/artist/watch/{DAFT_PUNK}", headers=ada,
                     json={"watch_new_releases": True, "album_types": ["album"]})
    add_album(world.fake, NEW_ALBUM, "Homework II", "album", NEW_TRACK)
    add_album(world.fake, NEW_SINGLE, "A Single", "single", SINGLE_TRACK)
    resp = await client.post("/api/artist/watch/trigger_check", headers=ada)
    result = (await resp.json())["results"][0]
    assert result["queued_albums"] == [NEW_ALBUM]  # the single is not a watched type
    job = await world.ctx.jobs.get(result["task_ids"][0])
    assert job is not None and job.payload.get("download_type") == "album"


async def test_the_watcher_round_checks_what_is_due_and_only_when_enabled(world):
    ctx, client, ada = world.ctx, world.client, world.ada
    await world.enable(check_interval=600)
    await client.put(f"/api/playlist/watch/{PICKS}", headers=ada, json={})
    world.fake.playlists[PICKS]["tracks"].append(HARDER)
    delay = await check_due(ctx)  # checked a moment ago: not due yet
    assert 0 < delay <= 600 and (await ctx.jobs.list()).total == 0
    real_clock = ctx.clock
    ctx.clock = lambda: real_clock() + 601
    assert await check_due(ctx) == pytest.approx(600, abs=5)
    assert (await ctx.jobs.list()).total == 1
    world.fake.playlists[PICKS]["tracks"].append(GET_LUCKY)
    await world.enable(enabled=False)
    ctx.clock = lambda: real_clock() + 1300
    assert await check_due(ctx) == IDLE_DELAY
    assert (await ctx.jobs.list()).total == 1


async def test_a_failed_download_is_queued_again_after_retry_failed_after(world):
    ctx, client, ada = world.ctx, world.client, world.ada
    await world.enable(retry_failed_after=60)
    await client.put(f"/api/playlist/watch/{PICKS}", headers=ada, json={})
    world.fake.playlists[PICKS]["tracks"].append(HARDER)
    first = (await (await client.post("/api/playlist/watch/trigger_check",
                                      headers=ada)).json())["results"][0]["task_ids"][0]
    [claimed] = await ctx.store.jobs.claim(DOWNLOAD_KIND_TRACK, 1, "test-worker")
    await ctx.store.jobs.finish(claimed.id, JobStatus.FAILED, error="no source")
    again = await (await client.post("/api/playlist/watch/trigger_check",
                                     headers=ada)).json()
    assert again["results"][0]["requeued"] == []  # not yet: retry_failed_after
    real_clock = ctx.clock
    ctx.clock = lambda: real_clock() + 61
    again = await (await client.post("/api/playlist/watch/trigger_check",
                                     headers=ada)).json()
    result = again["results"][0]
    assert result["requeued"] == [HARDER] and result["task_ids"][0] != first
