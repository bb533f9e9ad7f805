"""A local media server for download tests: generated audio (WAV and MP3) with
Content-Length, a redirect, slow, stalling and short streams, errors, and any
`/<provider>/<id>.<ext>` for operator download source templates.

`app[hits_key]` counts requests per path; `app[release_key]` ends every stall (set at
shutdown too); `/gated.wav` sends two chunks, waits for `app[gate_key]`, then the rest.
"""

from __future__ import annotations

import asyncio
import io
import wave
from collections import Counter

from aiohttp import web

__all__ = ["make_media_app", "wav_bytes", "mp3_bytes", "audio_for", "hits_key", "release_key",
           "gate_key"]

hits_key = web.AppKey("hits_key", Counter)
release_key = web.AppKey("release_key", asyncio.Event)
gate_key = web.AppKey("gate_key", asyncio.Event)

STALL_LIMIT = 30.0  # a stall never outlives a forgotten test by much


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A valid mono 16-bit WAV of silence."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(int(rate * seconds) * 2))
    return out.getvalue()


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding, no CRC: 417-byte frames of silence
MP3_HEADER = b"\xff\xfb\x90\x64"
MP3_FRAME = MP3_HEADER + bytes(417 - len(MP3_HEADER))


def mp3_bytes(frames: int = 40) -> bytes:
    """A tiny MP3 built from bytes: `frames` silent frames (about 26 ms each)."""
    return MP3_FRAME * frames


def audio_for(ext: str) -> bytes:
    return mp3_bytes() if ext == "mp3" else wav_bytes()


def make_media_app(slow_chunks: int = 20, slow_delay: float = 0.05,
                   flaky_failures: int = 2) -> web.Application:
    song = wav_bytes()

    async def track(request: web.Request) -> web.Response:
        return web.Response(body=song, content_type="audio/wav")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/song.wav")

    async def stream(request: web.Request, chunks: int, body: bytes, *, stall_after: int = -1,
                     declared: int | None = None, gate_after: int = -1) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "audio/wav"})
        response.content_length = declared if declared is not None else len(body) * chunks
        await response.prepare(request)
        for i in range(chunks):
            if i == stall_after:
                await asyncio.wait_for(request.app[release_key].wait(), STALL_LIMIT)
                return response
            if i == gate_after:
                await asyncio.wait_for(request.app[gate_key].wait(), STALL_LIMIT)
            await response.write(body)
            await asyncio.sleep(slow_delay)
        return response

    async def slow(request: web.Request) -> web.StreamResponse:
        return await stream(request, slow_chunks, song)

    async def stall(request: web.Request) -> web.StreamResponse:
        return await stream(request, slow_chunks, song, stall_after=2)

    async def gated(request: web.Request) -> web.StreamResponse:
        return await stream(request, slow_chunks, song, gate_after=2)

    async def stall_once(request: web.Request) -> web.StreamResponse:
        first = request.app[hits_key][request.path] == 1
        return await stream(request, slow_chunks if first else 1, song,
                            stall_after=2 if first else -1)

    async def short(request: web.Request) -> web.StreamResponse:
        """Says more bytes than it sends, then ends the connection."""
        response = await stream(request, 1, song, declared=len(song) * 3)
        assert request.transport is not None
        request.transport.close()
        return response

    async def unavailable(request: web.Request) -> web.Response:
        return web.Response(status=503)

    async def error(request: web.Request) -> web.Response:
        return web.Response(status=500, text="boom")

    async def flaky(request: web.Request) -> web.Response:
        if request.app[hits_key][request.path] <= flaky_failures:
            return web.Response(status=500, text="try again")
        return web.Response(body=song, content_type="audio/wav")

    async def by_id(request: web.Request) -> web.StreamResponse:
        ext = request.match_info["ext"]
        body = audio_for(ext)
        if request.path.startswith("/slow/"):
            return await stream(request, slow_chunks, body)
        return web.Response(body=body, content_type=f"audio/{'mpeg' if ext == 'mp3' else ext}")

    @web.middleware
    async def count(request: web.Request, handler):  # type: ignore[no-untyped-def]
        request.app[hits_key][request.path] += 1
        return await handler(request)

    async def release(app: web.Application) -> None:
        app[release_key].set()
        app[gate_key].set()

    app = web.Application(middlewares=[count])
    app[hits_key] = Counter()
    app[release_key] = asyncio.Event()
    app[gate_key] = asyncio.Event()
    app.on_shutdown.append(release)
    for path, handler in (("/song.wav", track), ("/moved", moved), ("/slow.wav", slow),
                          ("/stall.wav", stall), ("/stall-once.wav", stall_once),
                          ("/gated.wav", gated),
                          ("/short.wav", short), ("/busy.wav", unavailable),
                          ("/error.wav", error), ("/flaky.wav", flaky),
                          ("/{provider}/{item_id}.{ext}", by_id),
                          ("/slow/{provider}/{item_id}.{ext}", by_id)):
        app.router.add_get(path, handler)
    return app
