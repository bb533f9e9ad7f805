"""Spotizerr track downloads end to end: catalog track -> durable job -> file, progress read
through /api/prgs, ownership, duplicates, and no DRM circumvention."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.media_server import make_media_app


async def token_of(client, username: str) -> dict[str, str]:
    await client.post("/api/auth/register", json={
        "username": username, "password": STRONG_PASSWORD, "email": f"{username}@example.com"})
    resp = await client.post("/api/auth/login",
                             json={"username": username, "password": STRONG_PASSWORD})
    return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


@pytest.fixture
async def setup(make_client, aiohttp_server):
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True)
    catalog = ctx_of(client).store.catalog
    for track_id, path in (("song1", "/song.wav"), ("slow1", "/slow.wav")):
        url = str(media.make_url(path))
        await catalog.upsert("file", "audio", track_id, url=url, eid=f"/fi/{url}",
                             name=f"Song {track_id}", artist_names=["Ada"], album_name="Demo")
    await catalog.upsert("spotify", "track", "4iV5W9uYEdYUVa79Axb7Rh", eid="/sp/4iV5W9uYEdYUVa79Axb7Rh",
                         url="https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh",
                         name="Locked", artist_names=["Label"])
    return client, await token_of(client, "ada")


async def wait_status(client, auth, task_id: str, *statuses: str) -> dict:
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        task = await (await client.get(f"/api/prgs/{task_id}", headers=auth)).json()
        if task["status"] in statuses:
            return task
        assert asyncio.get_running_loop().time() < deadline, task
        await asyncio.sleep(0.05)


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
    listing = await (await client.get("/api/prgs/list", headers=auth)).json()
    assert [t["task_id"] for t in listing["tasks"]] == [task_id]
    assert listing["pagination"]["total_count"] == 1


async def test_a_second_request_while_queued_or_running_is_a_409(setup):
    client, auth = setup
    first = await (await client.get("/api/track/download/slow1", headers=auth)).json()
    resp = await client.get("/api/track/download/slow1", headers=auth)
    body = await resp.json()
    assert resp.status == 409 and body["task_id"] == first["task_id"] and "error" in body
    active = await (await client.get("/api/prgs/list", params={"active_only": "true"},
                                     headers=auth)).json()
    assert [t["task_id"] for t in active["tasks"]] == [first["task_id"]]


async def test_a_drm_service_track_fails_with_a_clear_reason(setup):
    client, auth = setup
    resp = await client.get("/api/track/download/4iV5W9uYEdYUVa79Axb7Rh", headers=auth)
    task = await wait_status(client, auth, (await resp.json())["task_id"], "error")
    assert "no download source for spotify track" in task["error"]


async def test_tasks_are_private_and_unknown_tracks_404(setup):
    client, auth = setup
    task_id = (await (await client.get("/api/track/download/song1", headers=auth)).json())[
        "task_id"]
    other = await token_of(client, "bob")
    resp = await client.get(f"/api/prgs/{task_id}", headers=other)
    assert resp.status == 404 and set(await resp.json()) == {"error", "details"}
    assert (await (await client.get("/api/prgs/list", headers=other)).json())["tasks"] == []
    resp = await client.get("/api/track/download/nope", headers=auth)
    assert resp.status == 404
    assert (await client.get("/api/track/download/song1")).status == 401
