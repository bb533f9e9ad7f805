"""Musixmatch (API key): `GET /ws/1.1/matcher.lyrics.get?q_track=&q_artist=&apikey=`.

Every answer is HTTP 200 with `{"message": {"header": {"status_code": N}, "body": ...}}`;
status 200 carries `body.lyrics.lyrics_body` (the free plan's is an excerpt ending in a
"NOT for Commercial use" line, dropped here), 404 is a miss, 401/402/403 a bad or spent key.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from providers.lyrics import USER_AGENT, FoundLyrics, LyricsQuery, LyricsUnavailable

__all__ = ["fetch_musixmatch", "DEFAULT_MUSIXMATCH_URL"]

DEFAULT_MUSIXMATCH_URL = "https://api.musixmatch.com/ws/1.1"
TIMEOUT = 10.0


class _Header(msgspec.Struct):
    status_code: int


class _Message(msgspec.Struct):
    header: _Header
    body: Any = None


class _Answer(msgspec.Struct):
    message: _Message


def _body_text(lyrics_body: str) -> str:
    """The lyrics without the free plan's trailing "...", notice and tracking number."""
    lines = lyrics_body.strip().splitlines()
    while lines and ("*******" in lines[-1] or lines[-1].strip().startswith("(")
                     or lines[-1].strip() in ("", "...")):
        lines.pop()
    return "\n".join(lines).strip()


def _search_url(query: LyricsQuery) -> str:
    return f"https://www.musixmatch.com/search/{quote(f'{query.artist} {query.title}')}"


async def fetch_musixmatch(http: httpx.AsyncClient, base_url: str, api_key: str,
                           query: LyricsQuery) -> FoundLyrics | None:
    """The track's lyrics on Musixmatch, None on a miss.

    Raises:
        LyricsUnavailable: unreachable, a refused key, or an answer of another shape.
    """
    params = {"q_track": query.title, "q_artist": query.artist, "apikey": api_key,
              "format": "json"}
    try:
        answer = await http.get(f"{base_url.rstrip('/')}/matcher.lyrics.get", params=params,
                                headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT)
        message = msgspec.json.decode(answer.content, type=_Answer).message
    except httpx.HTTPError as exc:
        raise LyricsUnavailable(f"Musixmatch: {type(exc).__name__}") from exc  # no key in logs
    except msgspec.DecodeError as exc:
        raise LyricsUnavailable(f"Musixmatch answered {answer.status_code}: {exc}") from exc
    status = message.header.status_code
    if status == 404:
        return None
    if status != 200 or not isinstance(message.body, dict):
        raise LyricsUnavailable(f"Musixmatch status {status}")
    lyrics = message.body.get("lyrics") or {}
    text = _body_text(str(lyrics.get("lyrics_body") or ""))
    if not text:
        return None
    link = str(lyrics.get("backlink_url") or "") or _search_url(query)
    return FoundLyrics(plain=text, source="musixmatch", source_url=link)
