"""Spotizerr downloads end to end: catalog item -> durable job(s) -> files named by the
template and tagged; albums, playlists and artists as parents of their tasks; duplicates,
cancel, and no DRM circumvention."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import mutagen
import pytest

from handlers.downloads.settings import DOWNLOAD_KIND_TRACK
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.media_server import make_media_app
from tests.fakes.spotify_data import DAFT_PUNK, DIGITAL_LOVE, DISCOVERY, PICKS, RAM
from tests.handlers.api.spotizerr.helpers import spotify_world, token_of, wait_status
from tests.waiting import until

TEMPLATE = {"customDirFormat": "%ar_album%/%album% (%year%)",
            "customTrackFormat": "%tracknum% - %artist% - %music%"}


@pytest.fixture
async def setup(make_client, aiohttp_server):
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True)
    catalog = ctx_of(client).store.catalog
    for track_id, path in (("song1", "/song.wav"), ("slow1", "/slow.wav")):
        url = str(media.make_url(path))
        await catalog.upsert("file", "audio", track_id, url=url, eid=f"/fi/{url}",
                             name=f"Song {track_id}", artist_names=["Ada"], album_name="Demo")
    await catalog.upsert("spotify", "track", "4iV5W9uYEdYUVa79Axb7Rh",
                         eid="/sp/4iV5W9uYEdYUVa79Axb7Rh",
                         url="https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh",
                         name="Locked", artist_names=["Label"])
    return client, await token_of(client, "ada")


@pytest.fixture
async def world(aiohttp_server, make_client, tmp_path):
    client, fake, media = await spotify_world(aiohttp_server, make_client,
                                              tmp_path / "music", **TEMPLATE)
    return client, await token_of(client, "ada"), tmp_path / "music"


async def test_a_track_download_is_accepted_and_completes(setup):
    client, auth = setup
    resp = await client.get("/api/track/download/song1", headers=auth)
    assert resp.status == 202
    task_id = (await resp.json())["task_id"]
    task = await wait_status(client, auth, task_id, "complete", "error")
    assert task["status"] == "complete", task
    path = Path(task["file_path"])
    assert path.exists() and path.name == "Song song1.wav"  # %tracknum%. %music%, no number
    assert path.parent.name == "Demo" and path.parent.parent.name == "Ada"
    assert task["progress"]["percent"] == 100.0 and task["download_type"] == "track"
    assert task["last_line"]["track"]["title"] == "Song song1"
    assert task["last_line"]["status_info"]["status"] == "done"
    listing = await (await client.get("/api/prgs/list", headers=auth)).json()
    assert [t["task_id"] for t in listing["tasks"]] == [task_id]
    assert listing["pagination"]["total_count"] == 1
    assert listing["task_counts"]["completed"] == 1


async def test_a_posted_file_is_downloaded_by_its_path_safe_id(make_client, aiohttp_server):
    """An Openwhyd /fi/ post: its catalog id is a token clients put in a path as it is (it was
    the file's URL, which broke every id-in-path route and leaked the source)."""
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True)
    auth = await token_of(client, "ada")
    md5 = hashlib.md5(STRONG_PASSWORD.encode()).hexdigest()
    # Openwhyd signs in with a session cookie (kept by the test client), Spotizerr with a token
    await client.post("/login", data={"action": "login", "ajax": "1",
                                      "email": "ada@example.com", "md5": md5})
    url = str(media.make_url("/song.wav"))
    resp = await client.post("/api/post", data={"action": "insert", "eId": f"/fi/{url}",
                                                "name": "Posted Song"})
    assert resp.status == 200, await resp.text()
    found = await (await client.get("/api/search/", params={"q": "posted", "search_type":
                                                            "track"}, headers=auth)).json()
    [track] = found["items"]
    track_id = track["id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", track_id) and "127.0.0.1" not in track_id
    assert track["external_urls"]["file"] == url  # the source URL stays, as a field
    # the same item posted again keeps its id
    await client.post("/api/post", data={"action": "insert", "eId": f"/fi/{url}", "name": "x"})
    again = await (await client.get("/api/search/", params={"q": "posted"}, headers=auth)).json()
    assert [i["id"] for i in again["items"]] == [track_id]
    info = await client.get(f"/api/track/info?id={track_id}", headers=auth)
    assert info.status == 200 and (await info.json())["name"] == "Posted Song"
    resp = await client.get(f"/api/track/download/{track_id}", headers=auth)
    assert resp.status == 202, await resp.text()
    task = await wait_status(client, auth, (await resp.json())["task_id"], "complete", "error")
    assert task["status"] == "complete" and Path(task["file_path"]).name == "Posted Song.wav"
    assert task["original_url"].endswith(f"/api/track/download/{track_id}")
    # a client still naming the URL (percent-encoded) finds the same item
    old = await client.get("/api/track/info", params={"id": url}, headers=auth)
    assert old.status == 200 and (await old.json())["id"] == track_id


async def test_a_second_request_while_queued_or_running_is_a_409(setup):
    client, auth = setup
    first = await (await client.get("/api/track/download/slow1", headers=auth)).json()
    resp = await client.get("/api/track/download/slow1", headers=auth)
    body = await resp.json()
    assert resp.status == 409 and body["existing_task"] == first["task_id"]
    assert body["error"] == "Duplicate download detected."
    active = await (await client.get("/api/prgs/list", params={"active_only": "true"},
                                     headers=auth)).json()
    assert [t["task_id"] for t in active["tasks"]] == [first["task_id"]]


async def test_a_drm_service_track_fails_with_a_clear_reason(setup):
    client, auth = setup
    resp = await client.get("/api/track/download/4iV5W9uYEdYUVa79Axb7Rh", headers=auth)
    task = await wait_status(client, auth, (await resp.json())["task_id"], "error")
    assert task["error"] == "no download source for spotify track 4iV5W9uYEdYUVa79Axb7Rh"
    assert task["last_line"]["status_info"] == {"status": "error", "error": task["error"]}


async def test_unknown_items_404_and_everything_needs_a_token(setup):
    client, auth = setup
    for path in ("/api/track/download/nope", "/api/album/download/nope",
                 "/api/playlist/download/nope", "/api/artist/download/nope"):
        resp = await client.get(path, headers=auth)
        assert resp.status == 404, path
        assert set(await resp.json()) == {"error", "details", "detail"}
        assert (await client.get(path)).status == 401
    resp = await client.get("/api/track/download/cancel", headers=auth)
    assert resp.status == 400  # no task_id (and `cancel` is not a track id)


async def test_an_album_is_a_parent_of_its_tracks_named_and_tagged(world):
    client, auth, root = world
    resp = await client.get(f"/api/album/download/{DISCOVERY}", headers=auth)
    assert resp.status == 202
    task_id = (await resp.json())["task_id"]
    task = await wait_status(client, auth, task_id, "complete", "error")
    assert task["status"] == "complete", task
    assert task["download_type"] == "album" and task["name"] == "Discovery"
    assert task["summary"]["total_successful"] == 3 and task["summary"]["total_failed"] == 0
    assert task["progress"]["percent"] == 100.0 and task["progress"]["total_tracks"] == 3
    folder = root / "Daft Punk" / "Discovery (2001)"
    assert sorted(p.name for p in folder.iterdir()) == [
        "01 - Daft Punk - One More Time.mp3", "02 - Daft Punk - Digital Love.mp3",
        "03 - Daft Punk - Harder, Better, Faster, Stronger.mp3"]
    tags = mutagen.File(folder / "02 - Daft Punk - Digital Love.mp3", easy=True)
    assert tags["title"] == ["Digital Love"] and tags["artist"] == ["Daft Punk"]
    assert tags["album"] == ["Discovery"] and tags["tracknumber"] == ["2"]
    assert tags["date"] == ["2001-03-12"] and tags["albumartist"] == ["Daft Punk"]
    children = await (await client.get(f"/api/history/{task_id}/children",
                                       headers=auth)).json()
    assert children["track_count"] == 3
    assert {t["status"] for t in children["tracks"]} == {"completed"}
    assert {t["parent_task_id"] for t in children["tracks"]} == {task_id}
    one = await (await client.get(f"/api/prgs/{children['tracks'][1]['task_id']}",
                                  headers=auth)).json()
    assert one["last_line"]["parent"] == {"task_id": task_id}
    # only the album is listed; its tracks are reached through it
    listing = await (await client.get("/api/prgs/list", headers=auth)).json()
    assert [t["task_id"] for t in listing["tasks"]] == [task_id]


async def test_a_playlist_downloads_each_of_its_tracks(world):
    client, auth, root = world
    task_id = (await (await client.get(f"/api/playlist/download/{PICKS}",
                                       headers=auth)).json())["task_id"]
    task = await wait_status(client, auth, task_id, "complete", "error")
    assert task["status"] == "complete" and task["name"] == "Chorus Picks"
    assert task["last_line"]["playlist"]["owner"]["name"] == "Chorus"
    children = await (await client.get(f"/api/history/{task_id}/children",
                                       headers=auth)).json()
    names = [t["name"] for t in children["tracks"]]
    assert names == ["One More Time", "Bohemian Rhapsody",
                     "Get Lucky (feat. Pharrell Williams and Nile Rodgers)", "Digital Love"]
    assert len(list(root.rglob("*.mp3"))) == 4


async def test_an_album_already_queued_is_a_409_with_its_task(world):
    client, auth, _ = world
    ctx_of(client).jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)  # nothing downloads yet
    first = await (await client.get(f"/api/album/download/{DISCOVERY}", headers=auth)).json()
    resp = await client.get(f"/api/album/download/{DISCOVERY}", headers=auth)
    assert resp.status == 409 and (await resp.json())["existing_task"] == first["task_id"]
    other = await token_of(client, "bob")  # duplicates are per user
    assert (await client.get(f"/api/album/download/{DISCOVERY}", headers=other)).status == 202


async def test_an_artist_queues_albums_of_the_types_asked_and_reports_duplicates(world):
    client, auth, root = world
    ctx = ctx_of(client)
    ctx.jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)
    album = (await (await client.get(f"/api/album/download/{DISCOVERY}",
                                     headers=auth)).json())["task_id"]
    resp = await client.get(f"/api/artist/download/{DAFT_PUNK}",
                            params={"album_type": "album"}, headers=auth)
    body = await resp.json()
    assert resp.status == 202 and body["status"] == "complete"
    assert body["message"] == "Artist discography processing initiated. 1 albums queued."
    assert body["duplicate_albums"] == [album] and len(body["queued_albums"]) == 1
    ram = await (await client.get(f"/api/prgs/{body['queued_albums'][0]}", headers=auth)).json()
    assert ram["name"] == "Random Access Memories" and ram["download_type"] == "album"
    again = await (await client.get(f"/api/artist/download/{DAFT_PUNK}",
                                    params={"album_type": "album"}, headers=auth)).json()
    assert again["queued_albums"] == []  # both albums are queued already
    assert sorted(again["duplicate_albums"]) == sorted([album, *body["queued_albums"]])
    bad = await client.get(f"/api/artist/download/{DAFT_PUNK}", params={"album_type": "ep"},
                           headers=auth)
    assert bad.status == 400
    ctx.jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 3)
    artist = await wait_status(client, auth, body["task_id"], "complete", "error")
    assert artist["download_type"] == "artist" and artist["summary"]["total_successful"] == 1
    assert (await wait_status(client, auth, album, "complete"))["summary"][
        "total_successful"] == 3
    assert len(list((root / "Daft Punk").rglob("*.mp3"))) == 5  # Discovery 3 + RAM 2


async def test_cancelling_an_album_cancels_its_tracks_and_leaves_no_partial_files(
        aiohttp_server, make_client, tmp_path):
    client, _, _ = await spotify_world(aiohttp_server, make_client, tmp_path / "music",
                                       route="/slow", **TEMPLATE)
    auth = await token_of(client, "ada")
    task_id = (await (await client.get(f"/api/album/download/{DISCOVERY}",
                                       headers=auth)).json())["task_id"]
    jobs = ctx_of(client).store.jobs

    async def writing() -> bool:
        return any(c.progress.get("bytes") for c in await jobs.children(task_id))

    await until(writing)
    assert list((tmp_path / "music").rglob("*.part"))  # a track is half written
    resp = await client.get("/api/album/download/cancel", params={"task_id": task_id},
                            headers=auth)
    assert resp.status == 200 and (await resp.json())["status"] == "cancelled"
    task = await wait_status(client, auth, task_id, "cancelled")
    assert task["last_line"]["status_info"]["status"] == "cancelled"
    assert {c.status for c in await jobs.children(task_id)} == {"cancelled"}
    assert list((tmp_path / "music").rglob("*.part")) == []
    assert list((tmp_path / "music").rglob("*.mp3")) == []
    again = await client.get("/api/album/download/cancel", params={"task_id": task_id},
                             headers=auth)
    assert again.status == 400  # already ended


async def test_a_watched_artist_download_starts_through_the_domain_entry_point(world):
    from handlers.downloads.start import start_download

    client, _, _ = world
    ctx = ctx_of(client)
    ada = await ctx.store.users.by_username("ada")
    job, duplicate = await start_download(ctx, ada.id, "album", RAM)  # a user id, as the watcher
    assert not duplicate and job.payload["download_type"] == "album"
    again, duplicate = await start_download(ctx, ada, "album", RAM)  # or a User
    assert duplicate and again.id == job.id
    track, _ = await start_download(ctx, ada.id, "track", DIGITAL_LOVE)
    assert track.payload["tags"]["album"] == "Discovery" and track.payload["sources"]
