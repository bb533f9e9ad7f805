"""Download sources: where the bytes of a track come from (DESIGN §5).

Each source answers `locate(track) -> SourceSpec | None`; `open_source(spec, ...)` streams it.
- `MediaStoreSource`: a file already in Chorus's media store (`/media/...` under data/media).
- `DirectSource`: a direct HTTP(S) audio URL the track carries (an Openwhyd `/fi/` file, the
  SoundCloud or Bandcamp stream of an eId). Users supply these URLs, so they are fetched only
  when they resolve to public addresses, checked after DNS and on every redirect (unless
  CHORUS_ALLOW_PRIVATE_URLS=1).
- `TemplateSource`: a source the operator configures (CHORUS_DOWNLOAD_SOURCES, a JSON list of
  URL templates such as "https://mirror.example/{provider}/{id}.mp3", or objects
  `{"url": ..., "providers": ["spotify"]}`); placeholders {provider}, {kind}, {id}, {isrc}
  are URL-quoted. The operator chose the host, so it may be a private address.

Chorus circumvents no DRM: a Spotify or Deezer track has no bytes unless an operator source
serves it.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import string
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import msgspec

from providers.net import FetchError, check_public_url

__all__ = ["AudioStream", "SourceError", "TrackRef", "SourceSpec", "Source", "DirectSource",
           "MediaStoreSource", "TemplateSource", "parse_source_templates", "locate",
           "open_source", "open_http_audio", "open_media_file", "audio_session", "MAX_REDIRECTS"]

MAX_REDIRECTS = 5
FILE_CHUNK = 1024 * 1024
HTTP_CHUNK = 256 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
RETRYABLE_STATUS = (408, 429, 500, 502, 503, 504)
PLACEHOLDERS = ("provider", "kind", "id", "isrc")


class SourceError(Exception):
    """The source cannot give the file; `retryable` when trying later may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class AudioStream(msgspec.Struct, frozen=True):
    url: str
    total: int | None
    content_type: str


class TrackRef(msgspec.Struct, frozen=True, kw_only=True):
    """What sources know of a track: its provider and id, a page or file `url`, a playable
    `stream_url` when its link carries one, and its ISRC."""

    provider: str
    id: str
    kind: str = "track"
    url: str = ""
    stream_url: str = ""
    isrc: str = ""


class SourceSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Where one track's bytes are: `kind` "http" (a URL) or "file" (an absolute path in the
    media store); `trusted` (operator-configured) may reach private addresses."""

    kind: str
    location: str
    source: str = ""
    trusted: bool = False


class Source(Protocol):
    name: str

    def locate(self, track: TrackRef) -> SourceSpec | None:
        """Where this source has the track, or None; cheap and without I/O beyond a stat."""


def _http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class DirectSource:
    """The track's own audio URL (untrusted: public addresses only)."""

    name = "direct"

    def locate(self, track: TrackRef) -> SourceSpec | None:
        url = track.stream_url
        if url and _http_url(url):
            return SourceSpec(kind="http", location=url, source=self.name)
        return None


class MediaStoreSource:
    """A file in the media store, named by a `/media/<path>` URL (or `<base_url>/media/...`)."""

    name = "media"

    def __init__(self, root: Path, base_url: str = "") -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    def locate(self, track: TrackRef) -> SourceSpec | None:
        for url in (track.stream_url, track.url):
            if self.base_url and url.startswith(self.base_url + "/media/"):
                url = url[len(self.base_url):]
            if not url.startswith("/media/"):
                continue
            root = self.root.resolve()
            path = (root / url.removeprefix("/media/")).resolve()
            if root in path.parents and path.suffix != ".part" and path.is_file():
                return SourceSpec(kind="file", location=str(path), source=self.name)
        return None


class TemplateSource:
    """An operator's mirror: a URL template filled with the track's quoted fields."""

    def __init__(self, template: str, providers: Sequence[str] = ()) -> None:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        unknown = [f for f in fields if f not in PLACEHOLDERS]
        if unknown or not _http_url(template.format(**{p: "x" for p in PLACEHOLDERS})):
            raise ValueError(f"download source {template!r}: an http(s) URL template using "
                             f"only {{{'}, {'.join(PLACEHOLDERS)}}}")
        self.template = template
        self.fields = fields
        self.providers = tuple(providers)
        self.name = f"template:{urlsplit(template).hostname}"

    def locate(self, track: TrackRef) -> SourceSpec | None:
        if self.providers and track.provider not in self.providers:
            return None
        values = {"provider": track.provider, "kind": track.kind, "id": track.id,
                  "isrc": track.isrc}
        if any(not values[f] for f in self.fields):
            return None  # e.g. an {isrc} template for a track without one
        url = self.template.format(**{k: quote(v, safe="") for k, v in values.items()})
        return SourceSpec(kind="http", location=url, source=self.name, trusted=True)


def parse_source_templates(raw: str) -> list[TemplateSource]:
    """CHORUS_DOWNLOAD_SOURCES: "" or a JSON list of templates or {"url", "providers"}.

    Raises:
        ValueError: not such a list, or a template that is not an http(s) URL.
    """
    if not raw.strip():
        return []
    try:
        entries: Any = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"CHORUS_DOWNLOAD_SOURCES is not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise ValueError("CHORUS_DOWNLOAD_SOURCES must be a JSON list")
    sources = []
    for entry in entries:
        if isinstance(entry, str):
            sources.append(TemplateSource(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("url"), str):
            sources.append(TemplateSource(entry["url"], [str(p) for p in
                                                         entry.get("providers") or ()]))
        else:
            raise ValueError(f"CHORUS_DOWNLOAD_SOURCES entry {entry!r}: a URL template or "
                             '{"url": ..., "providers": [...]}')
    return sources


def locate(sources: Sequence[Source], track: TrackRef) -> list[SourceSpec]:
    """Every place the track can be fetched from, in the sources' order, without repeats."""
    found: dict[tuple[str, str], SourceSpec] = {}
    for source in sources:
        spec = source.locate(track)
        if spec is not None:
            found.setdefault((spec.kind, spec.location), spec)
    return list(found.values())


Opened = AsyncIterator[tuple[AudioStream, AsyncIterator[bytes]]]


@asynccontextmanager
async def open_source(spec: SourceSpec, http: aiohttp.ClientSession, *, allow_private: bool,
                      timeout: float = 30.0) -> Opened:
    """Open one located source for streaming (see open_http_audio and open_media_file)."""
    if spec.kind == "file":
        async with open_media_file(Path(spec.location)) as opened:
            yield opened
    elif spec.kind == "http":
        async with open_http_audio(http, spec.location, timeout=timeout,
                                   allow_private=allow_private or spec.trusted) as opened:
            yield opened
    else:
        raise SourceError(f"unknown source kind {spec.kind!r}", retryable=False)


@asynccontextmanager
async def open_media_file(path: Path) -> Opened:
    """A media-store file, read in blocks off the event loop.

    Raises:
        SourceError: the file is gone or unreadable.
    """
    try:
        handle = await asyncio.to_thread(open, path, "rb")
    except OSError as exc:
        raise SourceError(f"{path.name}: {exc.strerror or exc}", retryable=False) from exc
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"

        async def chunks() -> AsyncIterator[bytes]:
            while block := await asyncio.to_thread(handle.read, FILE_CHUNK):
                yield block

        yield AudioStream(url=f"file:{path.name}", total=size, content_type=kind), chunks()
    finally:
        await asyncio.to_thread(handle.close)


def audio_session() -> aiohttp.ClientSession:
    """The HTTP client download streams go through. aiohttp's, not httpx: reading a large body
    costs a third of the CPU (`chorus bench downloads`); redirects are followed by hand."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None),
                                 headers={"Accept-Encoding": "identity"})


@asynccontextmanager
async def open_http_audio(http: aiohttp.ClientSession, url: str, *, allow_private: bool,
                          timeout: float = 30.0) -> Opened:
    """Open `url` for streaming: its description and an iterator of chunks. `timeout` bounds
    the connection and each read (a stalled stream fails). Every hop of a redirect is
    checked by the public-address guard.

    Raises:
        SourceError: refused address, too many redirects, an HTTP error or a network failure.
    """
    current = url
    limits = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            await check_public_url(current, allow_private)
            async with http.get(current, allow_redirects=False, timeout=limits) as response:
                if response.status in REDIRECTS and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status >= 400:
                    raise SourceError(f"{url} answered HTTP {response.status}",
                                      retryable=response.status in RETRYABLE_STATUS)
                # a compressed body is decoded, so its length says nothing of what is read
                length = None if response.headers.get("content-encoding", "identity") \
                    != "identity" else response.content_length
                stream = AudioStream(url=current, total=length,
                                     content_type=response.headers.get("content-type", ""))
                yield stream, response.content.iter_chunked(HTTP_CHUNK)  # as the bytes arrive
                return
        raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects", retryable=False)
    except FetchError as exc:
        raise SourceError(str(exc), retryable=exc.reason in ("dns", "network", "timeout")) from exc
    except TimeoutError as exc:
        raise SourceError(f"{url}: read timeout (nothing for {timeout:g} s)",
                          retryable=True) from exc
    except aiohttp.ClientError as exc:
        raise SourceError(f"{url}: {type(exc).__name__}", retryable=True) from exc
