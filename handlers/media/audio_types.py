"""What an uploaded audio file is, decided by its bytes (never its name or Content-Type), and
what mutagen reads from it: duration, bitrate and tags."""

from __future__ import annotations

from pathlib import Path

import msgspec
from mutagen import File as MutagenFile
from mutagen import MutagenError

from handlers.errors import Unsupported

__all__ = ["AUDIO_FORMATS", "INVALID_TYPE", "AudioProbe", "sniff_audio", "read_kind", "probe_audio",
           "SNIFF_BYTES"]

SNIFF_BYTES = 4096
# format -> (extension, Content-Type): what Sono accepts
AUDIO_FORMATS = {
    "mp3": ("mp3", "audio/mpeg"),
    "wav": ("wav", "audio/wav"),
    "ogg": ("ogg", "audio/ogg"),
    "m4a": ("m4a", "audio/mp4"),
    "aac": ("aac", "audio/aac"),
    "flac": ("flac", "audio/flac"),
    "webm": ("webm", "audio/webm"),
}
_MP4_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"mp41", b"mp42", b"isom", b"iso2", b"dash", b"3gp")
_TAGS = ("title", "artist", "album", "albumartist", "genre", "date", "tracknumber")
INVALID_TYPE = "Invalid file type. Allowed: MP3, WAV, OGG, M4A, AAC, FLAC, WEBM"


class AudioProbe(msgspec.Struct, frozen=True, kw_only=True):
    duration: float | None = None
    bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    tags: dict[str, str] = {}


def _id3_end(head: bytes) -> int:
    """Where the audio after a leading ID3v2 tag starts (its size is four 7-bit bytes)."""
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    return 10 + size + (10 if head[5] & 0x10 else 0)


def _frame_kind(head: bytes) -> str | None:
    """MPEG audio (MP3) or ADTS (AAC) by the frame header's sync word and layer bits."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    if head[1] & 0xF6 == 0xF0:  # MPEG-2/4, layer 00: ADTS
        return "aac"
    return "mp3" if head[1] & 0x06 else None


def sniff_audio(head: bytes, *, after_id3: bytes | None = None) -> str | None:
    """The format the first bytes say, or None. `after_id3`: the bytes following a leading
    ID3 tag (FLAC and AAC may carry one too)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return "webm"
    if head[:3] == b"ID3" and len(head) >= 10:
        rest = after_id3 if after_id3 is not None else b""
        return "flac" if rest[:4] == b"fLaC" else _frame_kind(rest) or "mp3"
    return _frame_kind(head)


def read_kind(path: Path) -> str | None:
    """`sniff_audio` over the file's first bytes (and those after a leading ID3 tag)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
        after = None
        if head[:3] == b"ID3" and len(head) >= 10:
            fh.seek(_id3_end(head))
            after = fh.read(16)
    return sniff_audio(head, after_id3=after)


def _first(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)[:300]


def probe_audio(path: Path, kind: str) -> AudioProbe:
    """Duration, bitrate and tags (easy names) of a file `sniff_audio` named `kind`.

    Raises Unsupported when mutagen cannot read it as that kind of audio (WEBM, which mutagen
    does not know, is kept with no duration)."""
    if kind == "webm":
        return AudioProbe()
    try:
        audio = MutagenFile(path, easy=True)
    except (MutagenError, OSError, ValueError, IndexError, KeyError) as exc:
        raise Unsupported("The file could not be read as audio", code="bad_audio") from exc
    if audio is None or getattr(audio, "info", None) is None:
        raise Unsupported("The file could not be read as audio", code="bad_audio")
    info = audio.info
    tags = {k: _first(audio.tags[k]) for k in _TAGS if audio.tags is not None and k in audio.tags}
    length = getattr(info, "length", None)
    bitrate = getattr(info, "bitrate", None)
    return AudioProbe(duration=round(float(length), 3) if length else None,
                      bitrate=int(bitrate) if bitrate else None,
                      sample_rate=getattr(info, "sample_rate", None) or None,
                      channels=getattr(info, "channels", None) or None, tags=tags)
