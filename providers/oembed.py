"""What a music link is, as its provider describes it: oEmbed (YouTube, SoundCloud, Spotify,
Vimeo) or the page's OpenGraph tags (Deezer, Dailymotion, Bandcamp, which have no public
oEmbed endpoint).

`oembed_url` (CHORUS_OEMBED_URL) replaces every provider's endpoint by one oEmbed service, such
as a self-hosted oEmbed proxy or the fake server in tests; the OpenGraph providers are then
asked there too. Every fetch goes through providers.net (public addresses only, redirects
re-checked, time and size limits); a failure raises FetchError and the caller falls back to
what the link itself says.
"""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import msgspec

from providers.net import DEFAULT_TIMEOUT, FetchError, fetch

__all__ = ["Description", "describe", "describe_oembed", "describe_page", "OEMBED_ENDPOINTS",
           "OPENGRAPH_PROVIDERS"]

OEMBED_ENDPOINTS: dict[str, str] = {
    "youtube": "https://www.youtube.com/oembed",
    "soundcloud": "https://soundcloud.com/oembed",
    "spotify": "https://open.spotify.com/oembed",
    "vimeo": "https://vimeo.com/api/oembed.json",
}
OPENGRAPH_PROVIDERS = frozenset({"deezer", "dailymotion", "bandcamp"})
MAX_OEMBED_BYTES = 256 * 1024
MAX_PAGE_BYTES = 512 * 1024  # OpenGraph tags live in <head>; the rest of a page is cut off


class Description(msgspec.Struct, frozen=True, kw_only=True):
    """What a provider says about a link."""

    title: str = ""
    author_name: str = ""
    description: str = ""
    image: str = ""
    duration_ms: int | None = None
    provider_name: str = ""


class _OEmbedAnswer(msgspec.Struct):
    """The oEmbed 1.0 fields Chorus reads (`description` and `duration`: SoundCloud, Vimeo)."""

    type: str | None = None
    title: str | None = None
    author_name: str | None = None
    provider_name: str | None = None
    thumbnail_url: str | None = None
    description: str | None = None
    duration: float | None = None


class _MetaParser(HTMLParser):
    """Collects <meta property|name=... content=...> (first wins) and the <title> text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = dict(attrs)
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content")
            if key and content is not None:
                self.meta.setdefault(key, content.strip())
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _first(meta: dict[str, str], *keys: str) -> str:
    return next((meta[k] for k in keys if meta.get(k)), "")


def _seconds_to_ms(value: object) -> int | None:
    try:
        seconds = float(str(value))
    except ValueError:
        return None
    return int(seconds * 1000) if seconds > 0 else None


def _tidy(provider: str, found: Description) -> Description:
    """Provider habits: SoundCloud titles end with " by <author>", YouTube auto-generated
    channels are "<artist> - Topic", Bandcamp titles are "<title>, by <artist>"."""
    title, author = found.title.strip(), found.author_name.strip()
    if provider == "soundcloud" and author and title.endswith(f" by {author}"):
        title = title.removesuffix(f" by {author}")
    if provider == "youtube":
        author = author.removesuffix(" - Topic")
    if provider == "bandcamp" and ", by " in title:
        title, _, author = title.rpartition(", by ")
    if provider == "bandcamp" and not author:
        author = found.provider_name  # an artist's Bandcamp site is named after them
    return msgspec.structs.replace(found, title=title.strip(), author_name=author.strip())


async def describe_oembed(http: httpx.AsyncClient, endpoint: str, url: str, *,
                          allow_private: bool, timeout: float = DEFAULT_TIMEOUT) -> Description:
    """Ask an oEmbed endpoint about `url` (`?url=...&format=json`)."""
    answer = await fetch(http, endpoint, allow_private=allow_private, timeout=timeout,
                         params={"url": url, "format": "json"}, max_bytes=MAX_OEMBED_BYTES,
                         headers={"Accept": "application/json"})
    if not answer.ok:
        raise FetchError(f"{endpoint} answered HTTP {answer.status} for {url}", "status")
    try:
        data = msgspec.json.decode(answer.content, type=_OEmbedAnswer)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise FetchError(f"{endpoint} answered no oEmbed JSON for {url}: {exc}", "invalid") from exc
    return Description(title=data.title or "", author_name=data.author_name or "",
                       description=data.description or "", image=data.thumbnail_url or "",
                       duration_ms=_seconds_to_ms(data.duration) if data.duration else None,
                       provider_name=data.provider_name or "")


async def describe_page(http: httpx.AsyncClient, url: str, *, allow_private: bool,
                        timeout: float = DEFAULT_TIMEOUT) -> Description:
    """Read the OpenGraph tags of the page at `url`."""
    answer = await fetch(http, url, allow_private=allow_private, timeout=timeout,
                         max_bytes=MAX_PAGE_BYTES, truncate=True,
                         headers={"Accept": "text/html,application/xhtml+xml"})
    if not answer.ok:
        raise FetchError(f"{url} answered HTTP {answer.status}", "status")
    parser = _MetaParser()
    parser.feed(answer.text())
    meta = parser.meta
    title = _first(meta, "og:title", "twitter:title") or parser.title.strip()
    if not title:
        raise FetchError(f"{url} has no title", "invalid")
    return Description(
        title=title,
        author_name=_first(meta, "music:musician_description", "author"),
        description=_first(meta, "og:description", "twitter:description", "description"),
        image=_first(meta, "og:image:secure_url", "og:image", "twitter:image"),
        duration_ms=_seconds_to_ms(_first(meta, "music:duration", "video:duration",
                                          "og:video:duration") or "0"),
        provider_name=_first(meta, "og:site_name"))


async def describe(http: httpx.AsyncClient, provider: str, url: str, *, oembed_url: str = "",
                   allow_private: bool = False, timeout: float = DEFAULT_TIMEOUT
                   ) -> Description | None:
    """What `provider` says about `url`; None when nothing describes that provider (audio
    files).

    Raises:
        FetchError: refused, unreachable, timed out, non-2xx or unreadable.
    """
    if provider in OEMBED_ENDPOINTS or (oembed_url and provider in OPENGRAPH_PROVIDERS):
        endpoint = oembed_url or OEMBED_ENDPOINTS[provider]
        found = await describe_oembed(http, endpoint, url, allow_private=allow_private,
                                      timeout=timeout)
    elif provider in OPENGRAPH_PROVIDERS:
        found = await describe_page(http, url, allow_private=allow_private, timeout=timeout)
    else:
        return None
    return _tidy(provider, found)
