"""Openwhyd's image uploads (`POST /upload`): each image checked by its bytes and re-encoded,
thumbnails made for the `thumbDims` asked (`180x` by default: width 180, height to scale),
the original kept only with `keepOriginal`; and the delete action, for one's own uploads."""

from __future__ import annotations

import re
import secrets

import msgspec

from handlers.context import Context
from handlers.errors import Invalid, NotFound
from handlers.identity.auth import Principal
from handlers.media.images import (
    IMAGE_MAX_SIDE,
    check_image,
    delete_media,
    encode_image,
    is_owned_media,
    store_media,
)
from handlers.media.names import display_name

__all__ = ["UploadedImage", "DEFAULT_THUMB_DIMS", "FOLDER", "parse_thumb_dims", "upload_image",
           "delete_upload", "MAX_THUMBS", "MAX_SIDE"]

FOLDER = "upload_data"  # Openwhyd's upload directory name
DEFAULT_THUMB_DIMS = "180x"
MAX_THUMBS = 4
MAX_SIDE = 2048
_DIMS = re.compile(r"([0-9]{1,4})?x([0-9]{1,4})?")
MIME = {"png": "image/png", "jpg": "image/jpeg"}


class UploadedImage(msgspec.Struct, kw_only=True):
    """What Openwhyd answers for one uploaded file: its name as given, the stored type, the
    path to use (the original with keepOriginal, else the last thumbnail) and the thumbnails."""

    name: str
    mime: str
    path: str
    thumbs: dict[str, str]


def parse_thumb_dims(raw: str | None) -> list[tuple[str, tuple[int, int]]]:
    """`180x,x50,64x64` -> [(spec, box)]; a missing side is unbounded."""
    specs = [s.strip() for s in (raw if raw is not None else DEFAULT_THUMB_DIMS).split(",")]
    specs = [s for s in specs if s]
    if len(specs) > MAX_THUMBS:
        raise Invalid(f"At most {MAX_THUMBS} thumbDims", code="too_many_thumbs")
    found = []
    for spec in specs:
        match = _DIMS.fullmatch(spec)
        if match is None or not any(match.groups()):
            raise Invalid(f"Invalid thumbDims: {spec[:20]}", code="invalid_thumb_dims")
        width, height = (int(g) if g else MAX_SIDE for g in match.groups())
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
            raise Invalid(f"Invalid thumbDims: {spec[:20]}", code="invalid_thumb_dims")
        found.append((spec, (width, height)))
    return found


async def upload_image(ctx: Context, principal: Principal, data: bytes, filename: str | None,
                       *, keep_original: bool, thumb_dims: list[tuple[str, tuple[int, int]]]
                       ) -> UploadedImage:
    kind = check_image(data)
    base = f"{principal.user.id}_{secrets.token_hex(8)}"
    thumbs: dict[str, str] = {}
    ext = "jpg"
    for spec, box in thumb_dims:
        encoded, ext = await encode_image(data, kind, box)
        dims = spec if "x" in spec else f"{spec}x"
        thumbs[spec] = await store_media(ctx, FOLDER, f"{base}_{dims}.{ext}", encoded)
    path = thumbs[thumb_dims[-1][0]] if thumbs else ""
    if keep_original or not thumbs:
        encoded, ext = await encode_image(data, kind, (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
        path = await store_media(ctx, FOLDER, f"{base}.{ext}", encoded)
    return UploadedImage(name=display_name(filename), mime=MIME[ext], path=path, thumbs=thumbs)


async def delete_upload(ctx: Context, principal: Principal, file_id: str) -> None:
    """Delete one of the asker's uploads, named by its path or its file name; NotFound for
    anything else (another's file, a path outside the uploads)."""
    name = file_id.strip()
    path = name if name.startswith("/media/") else f"/media/{FOLDER}/{name.rsplit('/', 1)[-1]}"
    if not is_owned_media(ctx, path, principal.user.id):
        raise NotFound("file not found", code="upload_not_found")
    await delete_media(ctx, path)
