"""Shared by the Sono media tests: real audio bytes (WAV by the stdlib, MP3 frames with ID3
tags written by mutagen), uploads over HTTP, and an admin signed in."""

from __future__ import annotations

import io
import struct
import tempfile
import wave
from pathlib import Path

import aiohttp
from mutagen.id3 import ID3, TALB, TIT2, TPE1

from tests.conftest import STRONG_PASSWORD
from tests.handlers.api.sono.helpers import bearer, login

__all__ = ["AUDIO", "ADMIN", "wav_bytes", "mp3_bytes", "upload_audio", "upload_raw_name",
           "admin_tokens",
           "audio_dir_files"]

AUDIO = "/api/v1/audio"
ADMIN = "/api/v1/admin"
# MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames
MP3_HEADER = b"\xff\xfb\x90\x00"
MP3_FRAME = MP3_HEADER + b"\x00" * 413


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 0) * int(rate * seconds))
    return out.getvalue()


def mp3_bytes(frames: int = 200, title: str = "Tagged Song", artist: str = "Tag Artist") -> bytes:
    """MPEG frames (about 5 s) behind an ID3v2 tag mutagen wrote."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "song.mp3"
        path.write_bytes(MP3_FRAME * frames)
        tags = ID3()
        tags.add(TIT2(encoding=3, text=title))
        tags.add(TPE1(encoding=3, text=artist))
        tags.add(TALB(encoding=3, text="Tag Album"))
        tags.save(path)
        return path.read_bytes()


async def upload_audio(client, tokens, data: bytes, filename: str = "song.wav",
                       content_type: str = "audio/wav", **fields: str):
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename=filename, content_type=content_type)
    for name, value in fields.items():
        form.add_field(name, value)
    return await client.post(f"{AUDIO}/upload", data=form, headers=bearer(tokens))


async def upload_raw_name(client, tokens, data: bytes, raw_name: bytes):
    """A multipart body written by hand: the file name goes on the wire byte for byte (NUL,
    slashes), as a hostile client would send it."""
    boundary = b"chorusboundary"
    body = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + raw_name + b"\"\r\nContent-Type: audio/wav\r\n\r\n" + data + b"\r\n--" + boundary
            + b"--\r\n")
    headers = {**bearer(tokens),
               "Content-Type": f"multipart/form-data; boundary={boundary.decode()}"}
    return await client.post(f"{AUDIO}/upload", data=body, headers=headers)


async def admin_tokens(client):
    """Signs in the admin the app was started with (admin_username="root")."""
    return await login(client, "root", STRONG_PASSWORD)


def audio_dir_files(client_data_dir: Path) -> list[str]:
    """Every file under the data directory's audio store (finished and incoming)."""
    root = client_data_dir / "audio"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
