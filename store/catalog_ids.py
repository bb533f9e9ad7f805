"""Path-safe catalog ids: what clients put in a URL path as it is (`/api/track/download/<id>`).

A provider id made of `[A-Za-z0-9_-]` (Spotify, YouTube, Deezer, Vimeo, Dailymotion) is its own
catalog id. Any other (a SoundCloud or Bandcamp `artist/slug`, an audio file's URL) becomes a
token of its provider's two first letters and 20 characters of the SHA-256 of
`<provider>:<id>`, so the same item always gets the same id and the id tells nothing of its
source (the URL stays in the catalog's `url` column). Migration 0050 moves existing rows with
the same function, registered in SQLite as `chorus_path_safe_id(provider, id)`.
"""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = ["path_safe_id", "is_path_safe", "SQL_FUNCTION"]

SQL_FUNCTION = "chorus_path_safe_id"
_SAFE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_path_safe(item_id: str) -> bool:
    return _SAFE.fullmatch(item_id) is not None


def path_safe_id(provider: str, natural_id: str) -> str:
    """The catalog id of `provider`'s item `natural_id` (see the module docstring)."""
    if is_path_safe(natural_id):
        return natural_id
    digest = hashlib.sha256(f"{provider}:{natural_id}".encode()).digest()
    return f"{provider[:2]}_{base64.urlsafe_b64encode(digest[:15]).decode()}"
