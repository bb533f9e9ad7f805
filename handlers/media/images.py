"""Uploaded media: images checked by their bytes and re-encoded (which drops EXIF and GPS)."""

from __future__ import annotations

import asyncio
import io
import os
import secrets
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from handlers.context import Context
from handlers.errors import Invalid, TooLarge, Unsupported

__all__ = ["IMAGE_MAX_BYTES", "sniff_image", "save_image", "media_root", "delete_media",
           "is_owned_media"]

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1024
# magic bytes -> format; only what Sono accepts for pictures
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
)


def sniff_image(data: bytes) -> str | None:
    """PNG, JPEG or WEBP when the bytes say so, whatever the file is called."""
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def media_root(ctx: Context) -> Path:
    return ctx.config.data_path / "media"


def _reencode(data: bytes, kind: str) -> tuple[bytes, str]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if (img.format or "").upper() != kind:
                raise Unsupported("File content does not match an image type",
                                  code="bad_image")
            img.load()
            img.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            has_alpha = img.mode in ("RGBA", "LA", "P")
            out = io.BytesIO()
            if has_alpha:
                img.convert("RGBA").save(out, "PNG", optimize=True)
                return out.getvalue(), "png"
            img.convert("RGB").save(out, "JPEG", quality=88)
            return out.getvalue(), "jpg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Unsupported("The file is not a readable image", code="bad_image") from exc


async def save_image(ctx: Context, data: bytes, folder: str, owner_id: int) -> str:
    """Check, re-encode and store an image; returns its URL path under /media/."""
    if not data:
        raise Invalid("Empty file", code="empty_file")
    if len(data) > IMAGE_MAX_BYTES:
        raise TooLarge("File too large. Maximum size is 5 MB", code="file_too_large")
    kind = sniff_image(data)
    if kind is None:
        raise Unsupported("Invalid file type. Allowed: PNG, JPG, WebP", code="bad_image_type")
    encoded, ext = await asyncio.to_thread(_reencode, data, kind)
    name = f"{owner_id}_{secrets.token_hex(8)}.{ext}"
    target = media_root(ctx) / folder / name
    await asyncio.to_thread(_write_atomic, target, encoded)
    return f"/media/{folder}/{name}"


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(target.suffix + ".part")
    with open(part, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, target)


async def delete_media(ctx: Context, url_path: str) -> None:
    """Remove a file stored under /media/ (no-op for other URLs)."""
    if not url_path.startswith("/media/"):
        return
    root = media_root(ctx).resolve()
    target = (root / url_path.removeprefix("/media/")).resolve()
    if root in target.parents and target.exists():
        await asyncio.to_thread(target.unlink)


def is_owned_media(ctx: Context, url_path: str, owner_id: int) -> bool:
    """True when `url_path` is a stored /media/ file that `owner_id` uploaded (save_image names
    files `<owner_id>_<random>.<ext>`)."""
    if not url_path.startswith("/media/"):
        return False
    root = media_root(ctx).resolve()
    target = (root / url_path.removeprefix("/media/")).resolve()
    return (root in target.parents and target.name.startswith(f"{owner_id}_")
            and target.suffix != ".part" and target.is_file())
