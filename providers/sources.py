"""Download sources: where the bytes of a track come from. Direct HTTP(S) audio URLs only
reach public addresses (checked after DNS and on every redirect, unless allowed). Chorus
circumvents no DRM: a streaming-service track with no configured source has no bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urljoin

import httpx
import msgspec

from providers.net import FetchError, check_public_url

__all__ = ["AudioStream", "SourceError", "open_http_audio", "MAX_REDIRECTS"]

MAX_REDIRECTS = 5
CHUNK = 64 * 1024


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


@asynccontextmanager
async def open_http_audio(http: httpx.AsyncClient, url: str, *, allow_private: bool,
                          timeout: float = 30.0
                          ) -> AsyncIterator[tuple[AudioStream, AsyncIterator[bytes]]]:
    """Open `url` for streaming: its description and an iterator of chunks.

    Raises:
        SourceError: refused address, too many redirects, an HTTP error or a network failure.
    """
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            await check_public_url(current, allow_private)
            request = http.build_request("GET", current, timeout=timeout)
            response = await http.send(request, stream=True, follow_redirects=False)
            try:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status_code >= 400:
                    raise SourceError(f"{url} answered HTTP {response.status_code}",
                                      retryable=response.status_code in (429, 502, 503, 504))
                length = response.headers.get("content-length")
                stream = AudioStream(url=current, total=int(length) if length else None,
                                     content_type=response.headers.get("content-type", ""))
                yield stream, response.aiter_bytes(CHUNK)
                return
            finally:
                await response.aclose()
        raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects", retryable=False)
    except FetchError as exc:
        raise SourceError(str(exc), retryable=exc.reason in ("dns", "network", "timeout")) from exc
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise SourceError(f"{url}: {type(exc).__name__}", retryable=True) from exc
