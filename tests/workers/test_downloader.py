"""The "download.track" job against a local media server, run by the app's real job runner:
progress, cancel, failures and retries, stalled and short streams, sources tried in order,
existing files, and a process killed mid-download whose job completes after a restart."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import mutagen
import pytest

from providers.sources import audio_session
from tests.conftest import ctx_of, expire_job_lease, store_url_for, stored_job
from tests.fakes.media_server import hits_key, make_media_app, mp3_bytes, wav_bytes
from tests.waiting import until
from workers.downloader import make_track_handler

KIND = "download.track"
ROOT = Path(__file__).resolve().parents[2]
TAGS = {"title": "One More Time", "artist": "Daft Punk", "album": "Discovery",
        "tracknumber": "1", "date": "2001-03-12", "albumartist": "Daft Punk"}


@pytest.fixture
async def media(aiohttp_server):
    return await aiohttp_server(make_media_app())


@pytest.fixture
async def audio_http():
    async with audio_session() as session:
        yield session


@pytest.fixture
async def setup(make_client, media, audio_http, tmp_path):
    client = await make_client(allow_private_urls=True)
    ctx = ctx_of(client)
    ctx.jobs.retry_base_delay = 0.01  # retries at once (the backoff is the runner's business)
    ctx.jobs.register(KIND, make_track_handler(audio_http, allow_private=True, read_timeout=0.5),
                      concurrency=2)
    return ctx, media, tmp_path / "downloads"


async def finished(ctx, job_id):
    """The job once it has left queued/running."""
    seen = []

    async def ended():
        seen[:] = [await ctx.store.jobs.get(job_id)]
        return seen[0] if seen[0].status not in ("queued", "running") else None

    return await until(ended, failure=lambda: f"job still {seen[0].status}")


async def writing(ctx, job_id) -> bool:
    """Whether the job has reported written bytes."""
    return bool((await ctx.store.jobs.get(job_id)).progress.get("bytes"))


def leftovers(root: Path) -> list[Path]:
    return sorted(root.rglob("*.part")) if root.exists() else []


async def submit(ctx, target: Path, *urls: str, **options):
    sources = [{"kind": "http", "location": u, "source": "direct"} for u in urls]
    return (await ctx.jobs.submit(KIND, {"sources": sources, "target": str(target),
                                         "tags": options.pop("tags", {})}, **options)).job


async def test_a_track_is_downloaded_renamed_and_tagged(setup):
    ctx, media, root = setup
    target = root / "Daft Punk" / "Discovery" / "01. One More Time.wav"
    job = await submit(ctx, target, str(media.make_url("/moved")), tags=TAGS)
    job = await finished(ctx, job.id)
    assert job.status == "completed", job.error
    assert job.result["bytes"] == len(wav_bytes())  # followed the redirect, whole file
    assert wav_bytes()[44:] in target.read_bytes()  # the audio itself, tags added around it
    assert leftovers(root) == []
    assert job.result["tagged"] is True and job.result["file_path"] == str(target)
    tags = mutagen.File(target).tags  # read back from the file (ID3 frames inside the WAV)
    assert tags["TIT2"].text == ["One More Time"] and tags["TPE1"].text == ["Daft Punk"]
    assert tags["TALB"].text == ["Discovery"] and tags["TRCK"].text == ["1"]
    assert str(tags["TDRC"].text[0]) == "2001-03-12" and tags["TPE2"].text == ["Daft Punk"]


async def test_an_mp3_gets_id3_tags(setup):
    ctx, media, root = setup
    target = root / "a.mp3"
    job = await finished(ctx, (await submit(ctx, target, str(media.make_url("/spotify/x1.mp3")),
                                            tags=TAGS)).id)
    assert job.status == "completed", job.error
    audio = mutagen.File(target, easy=True)
    assert audio["title"] == ["One More Time"] and audio["album"] == ["Discovery"]
    assert target.read_bytes().endswith(mp3_bytes())


async def test_progress_reports_bytes_total_percent_and_speed(setup):
    ctx, media, root = setup
    job = await submit(ctx, root / "slow.wav", str(media.make_url("/slow.wav")))
    seen = []
    while (current := await ctx.store.jobs.get(job.id)).status in ("queued", "running"):
        if current.progress.get("bytes"):
            seen.append(current.progress)
        await asyncio.sleep(0.01)
    total = len(wav_bytes()) * 20
    assert current.status == "completed" and current.progress["percent"] == 100.0
    partial = [p for p in seen if p["bytes"] < total]
    assert partial, "no progress seen before the end"
    for p in partial:
        assert p["total"] == total and p["percent"] == round(100 * p["bytes"] / total, 1)
        assert p["speed"] > 0 and p["status"] == "downloading"


async def test_a_cancelled_download_leaves_no_partial_file(setup):
    ctx, media, root = setup
    target = root / "slow.wav"
    job = await submit(ctx, target, str(media.make_url("/slow.wav")))
    await until(lambda: writing(ctx, job.id))  # it has started writing
    assert target.with_name("slow.wav.part").exists()
    await ctx.jobs.cancel(job.id)
    job = await finished(ctx, job.id)
    assert job.status == "cancelled"
    assert not target.exists() and leftovers(root) == []


async def test_http_errors_fail_or_retry_without_files(setup):
    ctx, media, root = setup
    missing = await finished(ctx, (await submit(ctx, root / "a.wav",
                                                str(media.make_url("/nothing.wav")))).id)
    assert missing.status == "failed" and "404" in missing.error and missing.attempts == 1
    broken = await finished(ctx, (await submit(ctx, root / "b.wav", str(
        media.make_url("/error.wav")), max_attempts=2)).id)
    assert broken.status == "failed" and "500" in broken.error and broken.attempts == 2
    assert media.app[hits_key]["/error.wav"] == 2  # a 500 is worth another attempt
    assert not root.exists() or not any(root.rglob("*.wav*"))


async def test_a_failing_source_is_retried_until_it_answers(setup):
    ctx, media, root = setup
    job = await finished(ctx, (await submit(ctx, root / "flaky.wav",
                                            str(media.make_url("/flaky.wav")))).id)
    assert job.status == "completed" and job.attempts == 3  # two 500s, then the file
    assert (root / "flaky.wav").stat().st_size > len(wav_bytes())  # plus its tags
    assert leftovers(root) == []


async def test_stalled_and_short_streams_fail_without_partial_files(setup):
    ctx, media, root = setup
    stalled = await finished(ctx, (await submit(ctx, root / "stall.wav", str(
        media.make_url("/stall.wav")), max_attempts=1)).id)
    assert stalled.status == "failed" and "read timeout" in stalled.error
    short = await finished(ctx, (await submit(ctx, root / "short.wav", str(
        media.make_url("/short.wav")), max_attempts=1)).id)
    assert short.status == "failed" and short.error
    assert leftovers(root) == [] and not (root / "stall.wav").exists()
    assert not (root / "short.wav").exists()


async def test_sources_are_tried_in_order(setup):
    ctx, media, root = setup
    job = await finished(ctx, (await submit(ctx, root / "x.wav", str(media.make_url("/gone.wav")),
                                            str(media.make_url("/song.wav")))).id)
    assert job.status == "completed" and job.attempts == 1
    assert media.app[hits_key]["/gone.wav"] == 1 and media.app[hits_key]["/song.wav"] == 1


async def test_an_existing_file_is_not_fetched_again(setup):
    ctx, media, root = setup
    target = root / "here.wav"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"kept")
    job = await finished(ctx, (await submit(ctx, target, str(media.make_url("/song.wav")))).id)
    assert job.status == "skipped" and "already downloaded" in job.error
    assert target.read_bytes() == b"kept" and media.app[hits_key]["/song.wav"] == 0


async def test_no_source_and_bad_payloads_fail_at_once(setup):
    ctx, _, root = setup
    none = await ctx.jobs.submit(KIND, {"target": str(root / "x.mp3"),
                                        "no_source": "no download source for spotify track 1"})
    job = await finished(ctx, none.job.id)
    assert job.status == "failed" and job.error == "no download source for spotify track 1"
    bad = await ctx.jobs.submit(KIND, {"url": "http://example.org/a.mp3"})  # no target
    job = await finished(ctx, bad.job.id)
    assert job.status == "failed" and "payload" in job.error and job.attempts == 1


async def test_private_addresses_are_refused_unless_allowed_or_trusted(make_client, media,
                                                                       audio_http, tmp_path):
    client = await make_client()
    ctx = ctx_of(client)
    ctx.jobs.register(KIND, make_track_handler(audio_http, allow_private=False))
    url = str(media.make_url("/song.wav"))
    job = await finished(ctx, (await submit(ctx, tmp_path / "x.wav", url)).id)
    assert job.status == "failed" and "refused" in job.error
    assert not (tmp_path / "x.wav").exists()
    trusted = [{"kind": "http", "location": url, "trusted": True}]  # an operator's source
    job = (await ctx.jobs.submit(KIND, {"sources": trusted, "target": str(tmp_path / "y.wav")})).job
    assert (await finished(ctx, job.id)).status == "completed"


CHILD = """
import asyncio, sys
from aiohttp import web
from handlers.downloads.start import start_download
from hub.app import create_app
from hub.config import load_config
from handlers.api.keys import ctx_key
async def main(data_dir, store, url):
    config = load_config(env={}, data_dir=data_dir, store=store, argon2_time_cost=1,
                         argon2_memory_kib=256, allow_private_urls=True)
    app = await create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()  # startup: store, runner, actors; no socket needed
    ctx = app[ctx_key]
    user = await ctx.store.users.create(username="ada", email="ada@example.com")
    await ctx.store.catalog.upsert("file", "audio", "restart1", url=url, eid="/fi/" + url,
                                   name="Restart", artist_names=["Ada"], album_name="Demo")
    job, _ = await start_download(ctx, user.id, "track", "restart1")
    while not (await ctx.store.jobs.get(job.id)).progress.get("bytes"):
        await asyncio.sleep(0.01)
    print(job.id, job.payload["target"], flush=True)
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
"""


async def test_a_download_killed_mid_way_completes_after_a_restart(make_client, media,
                                                                   tmp_path):
    data_dir = tmp_path / "data"
    url = str(media.make_url("/stall-once.wav"))  # the first request stalls half way
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(data_dir), store_url_for(data_dir), url, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 30)  # type: ignore[union-attr]
        assert line, (await child.stderr.read()).decode()  # type: ignore[union-attr]
        job_id, target = line.decode().split(maxsplit=1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.kill()  # SIGKILL: no cleanup; the row stays 'running', the .part stays
        await child.wait()
    target_path = Path(target.strip())
    orphan = await stored_job(data_dir, job_id)
    assert orphan.status == "running" and orphan.progress["bytes"] > 0
    assert target_path.with_name(target_path.name + ".part").exists()
    await expire_job_lease(data_dir, job_id)

    client = await make_client(data_dir=data_dir, allow_private_urls=True)
    job = await finished(ctx_of(client), job_id)
    assert job.status == "completed" and job.attempts == 2, job.error
    assert target_path.exists() and leftovers(target_path.parent) == []
    assert mutagen.File(target_path).tags["TIT2"].text == ["Restart"]
    assert media.app[hits_key]["/stall-once.wav"] == 2
