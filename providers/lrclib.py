"""LRCLIB (https://lrclib.net, no key): `GET /api/get` by track metadata.

The answer is `{id, trackName, artistName, albumName, duration, instrumental, plainLyrics,
syncedLyrics}` (lyrics may be null); a miss is 404 `{code, name: "TrackNotFound", message}`.
"""

from __future__ import annotations

import httpx
import msgspec

from providers.lyrics import USER_AGENT, FoundLyrics, LyricsQuery, LyricsUnavailable

__all__ = ["LrclibRecord", "fetch_lrclib", "DEFAULT_LRCLIB_URL"]

DEFAULT_LRCLIB_URL = "https://lrclib.net"
TIMEOUT = 10.0


class LrclibRecord(msgspec.Struct):
    id: int
    trackName: str = ""  # noqa: N815 (LRCLIB's names)
    artistName: str = ""  # noqa: N815
    albumName: str | None = None  # noqa: N815
    duration: float | None = None
    instrumental: bool = False
    plainLyrics: str | None = None  # noqa: N815
    syncedLyrics: str | None = None  # noqa: N815


def _params(query: LyricsQuery) -> dict[str, str]:
    params = {"track_name": query.title, "artist_name": query.artist}
    if query.album:
        params["album_name"] = query.album
    if query.duration_s is not None and 1 <= query.duration_s <= 3600:
        params["duration"] = str(round(query.duration_s))
    return params


async def fetch_lrclib(http: httpx.AsyncClient, base_url: str, query: LyricsQuery
                       ) -> FoundLyrics | None:
    """The track's lyrics on LRCLIB, None when it has none (or only marks it instrumental).

    Raises:
        LyricsUnavailable: LRCLIB could not be asked or answered something else than a record.
    """
    base = base_url.rstrip("/")
    try:
        answer = await http.get(f"{base}/api/get", params=_params(query),
                                headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise LyricsUnavailable(f"LRCLIB: {exc!r}") from exc
    if answer.status_code == 404:
        return None
    if answer.status_code != 200:
        raise LyricsUnavailable(f"LRCLIB answered {answer.status_code}")
    try:
        record = msgspec.json.decode(answer.content, type=LrclibRecord)
    except msgspec.DecodeError as exc:
        raise LyricsUnavailable(f"LRCLIB answered no record: {exc}") from exc
    plain = (record.plainLyrics or "").strip()
    synced = (record.syncedLyrics or "").strip() or None
    if record.instrumental or not (plain or synced):
        return None
    return FoundLyrics(plain=plain, synced=synced, source="lrclib",
                       source_url=f"{base}/api/get/{record.id}")
