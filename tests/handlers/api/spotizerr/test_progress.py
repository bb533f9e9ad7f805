"""Spotizerr's progress routes: the SSE stream read by a real HTTP client while the same
progress arrives over the websocket, heartbeats, updates since a time, cancel one or all,
delete, pagination, and ownership on every task id."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import centrifuge
import pytest

from handlers.downloads.settings import DOWNLOAD_KIND_TRACK
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.fakes.media_server import gate_key, make_media_app
from tests.handlers.api.spotizerr.helpers import token_of, wait_status
from tests.sdk_events import SdkEvents
from tests.waiting import TIMEOUT

TRACKS = {"song1": "/song.wav", "song2": "/song.wav", "song3": "/song.wav",
          "gated1": "/gated.wav", "slow1": "/slow.wav"}


@pytest.fixture
async def setup(make_client, aiohttp_server):
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True, prgs_poll_interval=0.02)
    catalog = ctx_of(client).store.catalog
    for track_id, path in TRACKS.items():
        url = str(media.make_url(path))
        await catalog.upsert("file", "audio", track_id, url=url, eid=f"/fi/{url}",
                             name=f"Song {track_id}", artist_names=["Ada"], album_name="Demo")
    return client, media, await token_of(client, "ada"), await token_of(client, "bob")


class SSE:
    """A real HTTP client reading `data:` frames."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.lines: list[str] = []

    async def next(self) -> dict[str, Any]:
        data: list[str] = []
        while True:
            line = await asyncio.wait_for(self.response.content.readline(), TIMEOUT)
            assert line, "the stream ended"
            text = line.decode().rstrip("\n")
            self.lines.append(text)
            if text == "":
                if data:
                    return json.loads("\n".join(data))  # type: ignore[no-any-return]
                continue
            assert text.startswith("data: "), text  # plain data frames, no event names
            data.append(text[len("data: "):])

    async def until(self, check: Any) -> list[dict[str, Any]]:
        """Events up to the first one for which `check(event)` holds."""
        events = []
        while True:
            events.append(await self.next())
            if check(events[-1]):
                return events


async def open_stream(client: Any, auth: dict[str, str], session: aiohttp.ClientSession,
                      **params: str) -> SSE:
    response = await session.get(client.make_url("/api/prgs/stream"), headers=auth,
                                 params=params)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    return SSE(response)


def tasks_of(events: list[dict[str, Any]], task_id: str) -> list[dict[str, Any]]:
    return [t for e in events for t in e.get("tasks", []) if t["task_id"] == task_id]


async def test_the_sse_stream_and_the_websocket_carry_the_same_progress(setup):
    client, media, ada, bob = setup
    ctx = ctx_of(client)
    ada_id = (await ctx.store.users.by_username("ada")).id
    ws = await RawCentrifuge.open(client, ada["Authorization"].split()[1], cookies=False)
    async with aiohttp.ClientSession() as session:
        sse = await open_stream(client, ada, session)
        first = await sse.next()
        assert first["change_type"] == "update" and first["initial"] is True
        assert first["tasks"] == [] and first["task_counts"]["active"] == 0
        theirs = (await (await client.get("/api/track/download/song1",
                                          headers=bob)).json())["task_id"]
        task_id = (await (await client.get("/api/track/download/gated1",
                                           headers=ada)).json())["task_id"]

        def downloading(event: dict[str, Any]) -> bool:
            return any(t["status"] == "downloading" for t in tasks_of([event], task_id))

        events = await sse.until(downloading)  # held at the gate, part way
        media.app[gate_key].set()
        events += await sse.until(lambda e: any(
            t["status"] == "complete" for t in tasks_of([e], task_id)))
        pushed = []
        while not pushed or pushed[-1]["status"] != "completed":
            push = (await ws.next_push(f"user:#{ada_id}"))["pub"]["data"]
            assert push["type"] == "job" and push["job"]["id"] == task_id
            pushed.append(push["job"])
    await ws.close()
    seen = tasks_of(events, task_id)
    assert all(e["change_type"] == "update" for e in events)
    assert theirs not in {t["task_id"] for e in events for t in e.get("tasks", [])}
    # every state the stream showed was pushed over the websocket, and both end alike
    for task in seen:
        assert task["progress"] in [p["progress"] for p in pushed], task["progress"]
    assert seen[-1]["progress"] == pushed[-1]["progress"]
    assert seen[-1]["file_path"] == pushed[-1]["result"]["file_path"]
    partial = [t for t in seen if t["status"] == "downloading"]
    assert partial and partial[0]["progress"]["bytes"] < partial[0]["progress"]["total"]
    assert partial[0]["last_line"]["status_info"]["status"] == "real-time"
    assert [j["status"] for j in pushed][:2] == ["queued", "running"]


async def test_a_quiet_stream_sends_heartbeats_and_replays_active_tasks(
        make_client, aiohttp_server):
    client = await make_client(allow_private_urls=True, prgs_poll_interval=0.02,
                               prgs_heartbeat=0.05)
    ada = await token_of(client, "ada")
    ctx_of(client).jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)
    media = await aiohttp_server(make_media_app())
    url = str(media.make_url("/song.wav"))
    await ctx_of(client).store.catalog.upsert("file", "audio", "q1", url=url, eid=f"/fi/{url}",
                                              name="Queued")
    task_id = (await (await client.get("/api/track/download/q1", headers=ada)).json())[
        "task_id"]
    async with aiohttp.ClientSession() as session:
        sse = await open_stream(client, ada, session)
        first = await sse.next()
        assert [t["task_id"] for t in first["tasks"]] == [task_id]
        replay = await sse.next()
        assert replay["change_type"] == "callback" and replay["replay"] is True
        assert replay["task_id"] == task_id
        assert replay["callback_data"]["status_info"]["status"] == "queued"
        beat = await sse.next()
        assert beat["change_type"] == "heartbeat" and beat["tasks"] == []
        assert beat["task_counts"]["queued"] == 1 and beat["total_tasks"] == 0


async def test_the_stream_s_first_frame_lists_active_tasks_only(make_client, aiohttp_server):
    """A finished task in the first frame showed as "Downloading..." after every page load."""
    client = await make_client(allow_private_urls=True, prgs_poll_interval=0.02)
    ada = await token_of(client, "ada")
    media = await aiohttp_server(make_media_app())
    url = str(media.make_url("/song.wav"))
    for track_id in ("done1", "waits"):
        await ctx_of(client).store.catalog.upsert("file", "audio", track_id, url=url,
                                                  eid=f"/fi/{url}#{track_id}", name=track_id)
    done = (await (await client.get("/api/track/download/done1", headers=ada)).json())[
        "task_id"]
    await wait_status(client, ada, done, "complete")
    ctx_of(client).jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)
    waiting = (await (await client.get("/api/track/download/waits", headers=ada)).json())[
        "task_id"]
    async with aiohttp.ClientSession() as session:
        sse = await open_stream(client, ada, session)
        first = await sse.next()
        assert first["initial"] is True and first["updated_count"] == 0
        assert [t["task_id"] for t in first["tasks"]] == [waiting]
        assert first["task_counts"]["completed"] == 1  # the counts still count it


async def test_updates_since_a_time_and_the_snapshot_without_one(setup):
    client, _, ada, _ = setup
    before = time.time() - 1
    task_id = (await (await client.get("/api/track/download/song1",
                                       headers=ada)).json())["task_id"]
    await wait_status(client, ada, task_id, "complete")
    body = await (await client.get("/api/prgs/updates", params={"since": str(before)},
                                   headers=ada)).json()
    assert [t["task_id"] for t in body["tasks"]] == [task_id]
    assert body["since_timestamp"] == before and body["updated_count"] == 1
    later = await (await client.get("/api/prgs/updates", params={
        "since": str(body["current_timestamp"] + 1)}, headers=ada)).json()
    assert later["tasks"] == [] and later["task_counts"]["completed"] == 1
    snapshot = await (await client.get("/api/prgs/updates", headers=ada)).json()
    assert [t["task_id"] for t in snapshot["tasks"]] == [task_id]
    assert snapshot["pagination"]["page"] == 1
    bad = await client.get("/api/prgs/updates", params={"since": "yesterday"}, headers=ada)
    assert bad.status == 400 and set(await bad.json()) == {"error", "details", "detail"}


async def test_cancel_one_cancel_all_and_delete(setup):
    client, _, ada, bob = setup
    ctx_of(client).jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)  # everything stays queued
    ids = [(await (await client.get(f"/api/track/download/{t}", headers=ada)).json())["task_id"]
           for t in ("song1", "song2", "song3")]
    theirs = (await (await client.get("/api/track/download/song1",
                                      headers=bob)).json())["task_id"]
    resp = await client.post(f"/api/prgs/cancel/{ids[0]}", headers=ada)
    assert resp.status == 200 and (await resp.json())["task_id"] == ids[0]
    resp = await client.post("/api/prgs/cancel/all", headers=ada)
    body = await resp.json()
    assert body["cancelled_count"] == 2 and sorted(body["task_ids"]) == sorted(ids[1:])
    for task_id in ids:
        assert (await wait_status(client, ada, task_id, "cancelled"))["status"] == "cancelled"
    assert (await (await client.get(f"/api/prgs/{theirs}", headers=bob)).json())[
        "status"] == "queued"  # someone else's tasks are left alone
    resp = await client.delete(f"/api/prgs/delete/{ids[0]}", headers=ada)
    assert resp.status == 200
    assert (await client.get(f"/api/prgs/{ids[0]}", headers=ada)).status == 404
    listing = await (await client.get("/api/prgs/list", headers=ada)).json()
    assert sorted(t["task_id"] for t in listing["tasks"]) == sorted(ids[1:])
    assert listing["task_counts"]["cancelled"] == 2


async def test_deleting_a_running_task_cancels_it_first(setup):
    client, media, ada, _ = setup
    task_id = (await (await client.get("/api/track/download/gated1",
                                       headers=ada)).json())["task_id"]
    await wait_status(client, ada, task_id, "downloading")
    assert (await client.delete(f"/api/prgs/delete/{task_id}", headers=ada)).status == 200
    assert (await client.get(f"/api/prgs/{task_id}", headers=ada)).status == 404
    root = ctx_of(client).config.data_path / "downloads"
    assert list(root.rglob("*.part")) == [] and list(root.rglob("*.wav")) == []


async def test_list_pages_and_caps_the_limit(setup):
    client, _, ada, _ = setup
    ctx_of(client).jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)
    for track in ("song1", "song2", "song3"):
        await client.get(f"/api/track/download/{track}", headers=ada)
    body = await (await client.get("/api/prgs/list", params={"limit": "2", "page": "2"},
                                   headers=ada)).json()
    assert len(body["tasks"]) == 1 and body["pagination"]["total_pages"] == 2
    assert body["pagination"]["has_more"] is False and body["task_counts"]["queued"] == 3
    capped = await (await client.get("/api/prgs/list", params={"limit": "1000"},
                                     headers=ada)).json()
    assert capped["pagination"]["limit"] == 100 and len(capped["tasks"]) == 3
    assert (await client.get("/api/prgs/list", params={"page": "0"}, headers=ada)).status == 400


async def test_someone_elses_task_is_not_found_anywhere(setup):
    client, _, ada, bob = setup
    ctx_of(client).jobs.set_concurrency(DOWNLOAD_KIND_TRACK, 0)
    task_id = (await (await client.get("/api/track/download/song1",
                                       headers=ada)).json())["task_id"]
    for method, path in (("GET", f"/api/prgs/{task_id}"),
                         ("POST", f"/api/prgs/cancel/{task_id}"),
                         ("DELETE", f"/api/prgs/delete/{task_id}"),
                         ("GET", f"/api/history/{task_id}"),
                         ("GET", f"/api/history/{task_id}/children"),
                         ("GET", f"/api/track/download/cancel?task_id={task_id}")):
        resp = await client.request(method, path, headers=bob)
        assert resp.status == 404, path
        assert set(await resp.json()) == {"error", "details", "detail"}
        assert (await client.request(method, path)).status == 401, path
    assert (await (await client.get("/api/prgs/list", headers=bob)).json())["tasks"] == []
    assert (await (await client.get("/api/history/", headers=bob)).json())["downloads"] == []
    await client.post("/api/prgs/cancel/all", headers=bob)
    assert (await (await client.get(f"/api/prgs/{task_id}", headers=ada)).json())[
        "status"] == "queued"
    for path in ("/api/prgs/list", "/api/prgs/updates", "/api/prgs/stream", "/api/history/",
                 "/api/history/stats", "/api/history/search?q=a", "/api/history/recent",
                 "/api/history/failed"):
        assert (await client.get(path)).status == 401, path
    for path in ("/api/prgs/cancel/all", "/api/history/cleanup"):
        assert (await client.post(path)).status == 401, path


async def test_an_event_source_may_sign_in_with_a_token_in_the_query(setup):
    # browsers' EventSource cannot send headers: `?token=` stands in for the bearer header
    client, _, ada, _ = setup
    token = ada["Authorization"].split()[1]
    async with aiohttp.ClientSession() as session:
        sse = await open_stream(client, {}, session, token=token)
        first = await sse.next()
        assert first["change_type"] == "update" and first["initial"] is True
        sse.response.close()
    resp = await client.get("/api/prgs/stream", params={"token": token + "x"})
    assert resp.status == 401 and set(await resp.json()) == {"error", "details", "detail"}
    # only the stream takes it: other routes still want the header
    assert (await client.get("/api/prgs/list", params={"token": token})).status == 401


async def test_the_official_sdk_receives_the_download_progress(setup):
    client, media, ada, _ = setup
    ada_id = (await ctx_of(client).store.users.by_username("ada")).id
    url = str(client.make_url("/connection/websocket")).replace("http://", "ws://", 1)
    events = SdkEvents()
    sdk = centrifuge.Client(url, events=events, token=ada["Authorization"].split()[1],
                            proxy=None)
    try:
        await sdk.connect()
        await asyncio.wait_for(events.subscribed.get(), TIMEOUT)
        task_id = (await (await client.get("/api/track/download/gated1",
                                           headers=ada)).json())["task_id"]
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["status"] != "completed":
            pub = await asyncio.wait_for(events.publications.get(), TIMEOUT)
            if pub.channel != f"user:#{ada_id}" or pub.pub.data.get("type") != "job":
                continue
            job = pub.pub.data["job"]
            assert job["id"] == task_id
            seen.append(job)
            if job["status"] == "running" and job["progress"].get("bytes"):
                media.app[gate_key].set()  # part way: let the rest through
    finally:
        await sdk.disconnect()
    partial = [j for j in seen if j["status"] == "running" and j["progress"].get("bytes")]
    assert partial and partial[0]["progress"]["bytes"] < partial[0]["progress"]["total"]
    assert seen[-1]["progress"]["percent"] == 100.0
    task = await (await client.get(f"/api/prgs/{task_id}", headers=ada)).json()
    assert task["status"] == "complete" and task["file_path"] == seen[-1]["result"]["file_path"]
