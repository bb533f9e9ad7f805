"""Spotizerr's download history: filters, one entry and its children, stats, search, recent,
failed and cleanup, each over the caller's own tasks only."""

from __future__ import annotations

import pytest

from tests.conftest import ctx_of
from tests.fakes.media_server import make_media_app
from tests.handlers.api.spotizerr.helpers import fast_parents, token_of, wait_status

DAY = 86400


@pytest.fixture
async def history(make_client, aiohttp_server):
    """Ada: a completed track, a failed one (a Spotify track), a completed two-track album;
    Bob: one completed track."""
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True)
    ctx = ctx_of(client)
    fast_parents(ctx)
    url = str(media.make_url("/song.wav"))
    for track_id, album in (("solo", "Singles"), ("side-a", "Demo"), ("side-b", "Demo"),
                            ("bobs", "Other")):
        await ctx.store.catalog.upsert("file", "audio", track_id, url=url, eid=f"/fi/{url}",
                                       name=f"Song {track_id}", artist_names=["Ada"],
                                       album_name=album)
    await ctx.store.catalog.upsert("file", "album", "demo", url=url, eid="/fi/demo",
                                   name="Demo", album_name="Demo", artist_names=["Ada"])
    await ctx.store.catalog.upsert("spotify", "track", "4iV5W9uYEdYUVa79Axb7Rh",
                                   eid="/sp/4iV5W9uYEdYUVa79Axb7Rh", name="Locked",
                                   url="https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh",
                                   artist_names=["Label"])
    ada, bob = await token_of(client, "ada"), await token_of(client, "bob")
    ids = {}
    for name, path, auth in (("solo", "/api/track/download/solo", ada),
                             ("locked", "/api/track/download/4iV5W9uYEdYUVa79Axb7Rh", ada),
                             ("album", "/api/album/download/demo", ada),
                             ("bobs", "/api/track/download/bobs", bob)):
        ids[name] = (await (await client.get(path, headers=auth)).json())["task_id"]
        await wait_status(client, auth, ids[name], "complete", "error")
    return client, ada, bob, ids


async def entries(client, auth, **params) -> list[dict]:
    resp = await client.get("/api/history/", params=params, headers=auth)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["downloads"]


async def test_the_history_lists_top_level_tasks_with_filters(history):
    client, ada, _, ids = history
    every = await entries(client, ada)
    assert [e["task_id"] for e in every] == [ids["album"], ids["locked"], ids["solo"]]
    assert [e["task_id"] for e in await entries(client, ada, download_type="track")] == [
        ids["locked"], ids["solo"]]
    assert [e["task_id"] for e in await entries(client, ada, download_type="album")] == [
        ids["album"]]
    assert [e["task_id"] for e in await entries(client, ada, status="failed")] == [
        ids["locked"]]
    assert len(await entries(client, ada, status="completed")) == 2
    assert await entries(client, ada, status="in_progress") == []
    page = await (await client.get("/api/history/", params={"limit": "1", "offset": "1"},
                                   headers=ada)).json()
    assert [e["task_id"] for e in page["downloads"]] == [ids["locked"]]
    assert page["pagination"] == {"limit": 1, "offset": 1, "returned_count": 1,
                                  "total_count": 3}
    capped = await (await client.get("/api/history/", params={"limit": "9999"},
                                     headers=ada)).json()
    assert capped["pagination"]["limit"] == 500
    for bad in ({"download_type": "podcast"}, {"status": "done"}, {"limit": "x"}):
        resp = await client.get("/api/history/", params=bad, headers=ada)
        assert resp.status == 400 and set(await resp.json()) == {"error", "details", "detail"}


async def test_an_entry_and_the_children_of_an_album(history):
    client, ada, _, ids = history
    solo = await (await client.get(f"/api/history/{ids['solo']}", headers=ada)).json()
    assert solo["status"] == "completed" and solo["download_type"] == "track"
    assert solo["name"] == "Song solo" and solo["artist"] == "Ada"
    assert solo["file_path"].endswith("Ada/Singles/Song solo.wav")
    assert len(solo["created_at"]) == 19 and solo["created_at"][10] == "T"  # naive UTC ISO
    album = await (await client.get(f"/api/history/{ids['album']}", headers=ada)).json()
    assert album["total_tracks"] == 2 and album["successful_tracks"] == 2
    children = await (await client.get(f"/api/history/{ids['album']}/children",
                                       headers=ada)).json()
    assert children["title"] == "Demo" and children["track_count"] == 2
    assert [t["name"] for t in children["tracks"]] == ["Song side-a", "Song side-b"]
    locked = await (await client.get(f"/api/history/{ids['locked']}", headers=ada)).json()
    assert locked["status"] == "failed" and "no download source" in locked["error"]


async def test_stats_search_recent_and_failed(history):
    client, ada, bob, ids = history
    stats = await (await client.get("/api/history/stats", headers=ada)).json()
    assert stats["total_downloads"] == 3
    assert stats["by_status"] == {"completed": 2, "failed": 1}
    assert stats["by_type"] == {"track": 2, "album": 1}
    assert stats["tracks"] == {"completed": 3, "failed": 1} and stats["total_tracks"] == 4
    assert stats["bytes_downloaded"] > 0 and stats["first_download"] is not None
    found = await (await client.get("/api/history/search", params={"q": "side"},
                                    headers=ada)).json()
    assert sorted(r["name"] for r in found["results"]) == ["Song side-a", "Song side-b"]
    found = await (await client.get("/api/history/search", params={"q": "locked label"},
                                    headers=ada)).json()
    assert [r["task_id"] for r in found["results"]] == [ids["locked"]]
    assert (await client.get("/api/history/search", headers=ada)).status == 400
    recent = await (await client.get("/api/history/recent", params={"limit": "2"},
                                     headers=ada)).json()
    assert [d["task_id"] for d in recent["downloads"]] == [ids["album"], ids["locked"]]
    failed = await (await client.get("/api/history/failed", headers=ada)).json()
    assert [d["task_id"] for d in failed["downloads"]] == [ids["locked"]]
    theirs = await (await client.get("/api/history/stats", headers=bob)).json()
    assert theirs["total_downloads"] == 1


async def test_cleanup_forgets_old_tasks_of_the_caller_only(history):
    client, ada, bob, ids = history
    resp = await client.post("/api/history/cleanup", json={"days_old": 30}, headers=ada)
    assert (await resp.json())["deleted_records"] == 0
    ctx = ctx_of(client)
    async with ctx.store.db.write() as conn:  # everything ended 31 days ago
        await conn.execute("UPDATE jobs SET finished_at = finished_at - ?", (31 * DAY,))
    resp = await client.post("/api/history/cleanup", json={"days_old": 30}, headers=ada)
    body = await resp.json()
    assert resp.status == 200 and body["deleted_records"] == 3 and body["days_old"] == 30
    assert await entries(client, ada) == []
    assert (await ctx.store.jobs.children(ids["album"])) == []  # the album's tracks went too
    assert [e["task_id"] for e in await entries(client, bob)] == [ids["bobs"]]
    for bad in ({"days_old": 0}, {"days_old": "30"}, {"days_old": True}):
        resp = await client.post("/api/history/cleanup", json=bad, headers=ada)
        assert resp.status == 400, bad


async def test_entries_carry_the_real_backend_s_row_fields(history):
    """The web UI reads `title`, `artists[]`, `timestamp` (Unix seconds), `service` and
    `children_table`; the document's `name`, `artist` and `created_at` stay beside them."""
    client, ada, _, ids = history
    every = {e["task_id"]: e for e in await entries(client, ada)}
    solo, album = every[ids["solo"]], every[ids["album"]]
    assert solo["title"] == solo["name"] == "Song solo"
    assert solo["artists"] == ["Ada"] and solo["artist"] == "Ada"
    assert isinstance(solo["timestamp"], float) and solo["timestamp"] > 1.6e9
    assert solo["service"] == "file" and solo["children_table"] is None
    assert solo["external_ids"] == {"file": "solo"} and solo["quality_format"] == "WAV"
    assert album["service"] == "file" and album["children_table"]
    # the UI takes an entry with `album_title` for a child row: top-level ones have none
    assert not any("album_title" in e for e in every.values())
    one = await (await client.get(f"/api/history/{ids['album']}", headers=ada)).json()
    assert one["title"] == "Demo" and one["artists"] == ["Ada"]
    children = await (await client.get(f"/api/history/{ids['album']}/children",
                                       headers=ada)).json()
    assert children["children_table"] == album["children_table"]
    assert [(t["title"], t["artists"], t["position"], t["album_title"])
            for t in children["tracks"]] == [("Song side-a", ["Ada"], 1, "Demo"),
                                             ("Song side-b", ["Ada"], 2, "Demo")]


async def test_the_partial_filter_finds_albums_with_failed_tracks(make_client, aiohttp_server):
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True)
    ctx = ctx_of(client)
    fast_parents(ctx)
    good, gone = str(media.make_url("/song.wav")), str(media.make_url("/gone.wav"))
    for track_id, album, url in (("m-1", "Mixed", good), ("m-2", "Mixed", gone),
                                 ("w-1", "Whole", good)):
        await ctx.store.catalog.upsert("file", "audio", track_id, url=url, eid=f"/fi/{url}",
                                       name=f"Song {track_id}", artist_names=["Ada"],
                                       album_name=album)
    for album_id in ("Mixed", "Whole"):
        await ctx.store.catalog.upsert("file", "album", album_id.lower(), url=good,
                                       eid=f"/fi/{album_id}", name=album_id,
                                       album_name=album_id, artist_names=["Ada"])
    ada = await token_of(client, "ada")
    ids = {}
    for name in ("mixed", "whole"):
        ids[name] = (await (await client.get(f"/api/album/download/{name}",
                                             headers=ada)).json())["task_id"]
        await wait_status(client, ada, ids[name], "complete", "error")
    partial = await entries(client, ada, status="partial")
    assert [e["task_id"] for e in partial] == [ids["mixed"]]
    assert partial[0]["status"] == "partial" and partial[0]["failed_tracks"] == 1
    assert [e["task_id"] for e in await entries(client, ada, status="completed")] == [
        ids["whole"]]
    assert (await entries(client, ada, status="partial", download_type="track")) == []
