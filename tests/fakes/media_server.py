"""A local media server for download tests: generated WAV audio with Content-Length, a
redirect, a slow stream, errors."""

from __future__ import annotations

import asyncio
import io
import wave

from aiohttp import web

__all__ = ["make_media_app", "wav_bytes"]


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A valid mono 16-bit WAV of silence-ish samples."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(int(rate * seconds) * 2))
    return out.getvalue()


def make_media_app(slow_chunks: int = 50, slow_delay: float = 0.05) -> web.Application:
    song = wav_bytes()

    async def track(request: web.Request) -> web.Response:
        return web.Response(body=song, content_type="audio/wav")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/song.wav")

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "audio/wav"})
        response.content_length = len(song) * slow_chunks
        await response.prepare(request)
        for _ in range(slow_chunks):
            await response.write(song)
            await asyncio.sleep(slow_delay)
        return response

    async def unavailable(request: web.Request) -> web.Response:
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/song.wav", track)
    app.router.add_get("/moved", moved)
    app.router.add_get("/slow.wav", slow)
    app.router.add_get("/busy.wav", unavailable)
    return app
