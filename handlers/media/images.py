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

__all__ = ["IMAGE_MAX_BYTES", "MAX_PIXELS", "sniff_image", "check_image", "encode_image",
           "store_media", "save_image", "media_root", "media_file", "delete_media",
           "is_owned_media"]

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1024
# decoded size allowed: a 50,000 x 50,000 PNG of a few KB is refused by its header
MAX_PIXELS = 40_000_000
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


def _reencode(data: bytes, kind: str, box: tuple[int, int] = (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE)
              ) -> tuple[bytes, str]:
    """Decode and encode again, fitted in `box` (EXIF, comments and anything after the image
    data are dropped); a header announcing more than MAX_PIXELS is refused before decoding."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if (img.format or "").upper() != kind:
                raise Unsupported("File content does not match an image type",
                                  code="bad_image")
            if img.width * img.height > MAX_PIXELS:
                raise Unsupported("The image is too large (pixels)", code="image_too_many_pixels")
            img.load()
            img.thumbnail(box)
            has_alpha = img.mode in ("RGBA", "LA", "P")
            out = io.BytesIO()
            if has_alpha:
                img.convert("RGBA").save(out, "PNG", optimize=True)
                return out.getvalue(), "png"
            img.convert("RGB").save(out, "JPEG", quality=88)
            return out.getvalue(), "jpg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Unsupported("The file is not a readable image", code="bad_image") from exc


def check_image(data: bytes) -> str:
    """The image's kind by its bytes; Invalid, TooLarge or Unsupported when it cannot be one."""
    if not data:
        raise Invalid("Empty file", code="empty_file")
    if len(data) > IMAGE_MAX_BYTES:
        raise TooLarge("File too large. Maximum size is 5 MB", code="file_too_large")
    kind = sniff_image(data)
    if kind is None:
        raise Unsupported("Invalid file type. Allowed: PNG, JPG, WebP", code="bad_image_type")
    return kind


async def encode_image(data: bytes, kind: str, box: tuple[int, int]) -> tuple[bytes, str]:
    """Re-encoded bytes fitted in `box`, and their extension (off the event loop)."""
    return await asyncio.to_thread(_reencode, data, kind, box)


async def store_media(ctx: Context, folder: str, name: str, data: bytes) -> str:
    """Write `data` to /media/<folder>/<name> (atomically); its URL path."""
    await asyncio.to_thread(_write_atomic, media_root(ctx) / folder / name, data)
    return f"/media/{folder}/{name}"


async def save_image(ctx: Context, data: bytes, folder: str, owner_id: int) -> str:
    """Check, re-encode and store an image; returns its URL path under /media/."""
    kind = check_image(data)
    encoded, ext = await encode_image(data, kind, (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    return await store_media(ctx, folder, f"{owner_id}_{secrets.token_hex(8)}.{ext}", encoded)


def media_file(ctx: Context, url_path: str) -> Path | None:
    """The stored file of a /media/ URL path, or None (outside the store, unfinished, absent)."""
    if not url_path.startswith("/media/") or "\x00" in url_path:
        return None
    root = media_root(ctx).resolve()
    target = (root / url_path.removeprefix("/media/")).resolve()
    if root not in target.parents or target.suffix == ".part" or not target.is_file():
        return None
    return target


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
