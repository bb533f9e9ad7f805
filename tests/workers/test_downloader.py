"""The "download.track" job against a local media server, run by the app's real job runner."""

from __future__ import annotations

import asyncio

import mutagen
import pytest

from tests.conftest import ctx_of
from tests.fakes.media_server import make_media_app, wav_bytes
from workers.downloader import make_track_handler

KIND = "download.track"
TAGS = {"title": "One More Time", "artist": "Daft Punk", "album": "Discovery",
        "tracknumber": "1"}


@pytest.fixture
async def setup(make_client, aiohttp_server, tmp_path):
    media = await aiohttp_server(make_media_app())
    client = await make_client(allow_private_urls=True)
    ctx = ctx_of(client)
    ctx.jobs.register(KIND, make_track_handler(ctx.http, allow_private=True), concurrency=2)
    return ctx, media, tmp_path / "downloads"


async def finished(ctx, job_id, timeout: float = 10.0):
    """The job once it has left queued/running."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job = await ctx.store.jobs.get(job_id)
        if job.status not in ("queued", "running"):
            return job
        assert asyncio.get_running_loop().time() < deadline, f"job still {job.status}"
        await asyncio.sleep(0.02)


async def test_a_track_is_downloaded_renamed_and_tagged(setup):
    ctx, media, root = setup
    target = root / "Daft Punk" / "Discovery" / "01. One More Time.wav"
    submitted = await ctx.jobs.submit(KIND, {"url": str(media.make_url("/moved")),
                                             "target": str(target), "tags": TAGS})
    job = await finished(ctx, submitted.job.id)
    assert job.status == "completed", job.error
    assert job.result["bytes"] == len(wav_bytes())  # followed the redirect, whole file
    assert wav_bytes()[44:] in target.read_bytes()  # the audio itself, tags added around it
    assert not target.with_name(target.name + ".part").exists()
    assert job.result["tagged"] is True and job.progress["percent"] == 100.0
    tags = mutagen.File(target).tags  # read back from the file (ID3 frames inside the WAV)
    assert tags["TIT2"].text == ["One More Time"] and tags["TPE1"].text == ["Daft Punk"]
    assert tags["TALB"].text == ["Discovery"] and tags["TRCK"].text == ["1"]


async def test_a_cancelled_download_leaves_no_partial_file(setup):
    ctx, media, root = setup
    target = root / "slow.wav"
    submitted = await ctx.jobs.submit(KIND, {"url": str(media.make_url("/slow.wav")),
                                             "target": str(target)})
    while not (await ctx.store.jobs.get(submitted.job.id)).progress.get("bytes"):
        await asyncio.sleep(0.02)  # it has started writing
    await ctx.jobs.cancel(submitted.job.id)
    job = await finished(ctx, submitted.job.id)
    assert job.status == "cancelled"
    assert not target.exists() and not target.with_name("slow.wav.part").exists()


async def test_http_errors_fail_or_retry_without_files(setup):
    ctx, media, root = setup
    missing = await ctx.jobs.submit(KIND, {"url": str(media.make_url("/nothing.wav")),
                                           "target": str(root / "a.wav")})
    job = await finished(ctx, missing.job.id)
    assert job.status == "failed" and "404" in job.error and job.attempts == 1
    busy = await ctx.jobs.submit(KIND, {"url": str(media.make_url("/busy.wav")),
                                        "target": str(root / "b.wav")}, max_attempts=1)
    job = await finished(ctx, busy.job.id)
    assert job.status == "failed" and "503" in job.error
    assert not root.exists() or not any(root.rglob("*.wav*"))


async def test_private_addresses_are_refused_unless_allowed(make_client, aiohttp_server,
                                                            tmp_path):
    media = await aiohttp_server(make_media_app())
    client = await make_client()
    ctx = ctx_of(client)
    ctx.jobs.register(KIND, make_track_handler(ctx.http, allow_private=False))
    submitted = await ctx.jobs.submit(KIND, {"url": str(media.make_url("/song.wav")),
                                             "target": str(tmp_path / "x.wav")})
    job = await finished(ctx, submitted.job.id)
    assert job.status == "failed" and "refused" in job.error
    assert not (tmp_path / "x.wav").exists()


async def test_a_bad_payload_fails_at_once(setup):
    ctx, _, _ = setup
    submitted = await ctx.jobs.submit(KIND, {"target": "/tmp/nowhere.wav"})
    job = await finished(ctx, submitted.job.id)
    assert job.status == "failed" and "payload" in job.error
