"""Outbound fetches of links users give: only to public addresses, redirects re-checked.

A link a user posts must not make Chorus reach its own network (loopback, private ranges, the
cloud metadata service): `check_public_url` resolves the host off the event loop and refuses
such addresses unless the operator allows them (CHORUS_ALLOW_PRIVATE_URLS=1, which tests set
for their fake servers). `fetch` is a GET that re-checks every redirect hop itself, within a
time budget and a body size limit.

The check resolves the name before httpx resolves it again to connect, so a DNS server that
answers differently the second time (DNS rebinding) is not caught; closing that needs a
transport that connects to the checked address, which the shared client does not have.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import msgspec

__all__ = ["FetchError", "UnsafeURL", "Fetched", "check_public_url", "fetch", "refusal_reason",
           "DEFAULT_TIMEOUT", "DEFAULT_MAX_BYTES", "MAX_REDIRECTS"]

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Chorus/0.1 (link preview)"
# instance metadata services; some are in ranges refused anyway, Azure's is a public address
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A fetch failed; `reason` is one of refused, dns, network, timeout, redirects, too_large,
    status, invalid."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class UnsafeURL(FetchError):
    """The URL is not http(s) or its host resolves to an address Chorus does not fetch."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "refused")


class Fetched(msgspec.Struct, frozen=True):
    """A fetched answer: final URL after redirects, status, headers (lower-case names), body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"').lower()
        return "utf-8"

    def text(self) -> str:
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def refusal_reason(ip: IPAddress) -> str | None:
    """Why Chorus will not connect to `ip` on a user's behalf, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        (ip in METADATA_ADDRESSES, "a cloud metadata address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


async def _resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}", "dns") from exc
    # IPv6 scope ids ("fe80::1%eth0") are not part of the address
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def check_public_url(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a loopback, private,
    link-local, multicast, reserved, unspecified or cloud-metadata address.

    Raises:
        UnsafeURL: refused; FetchError (reason "dns") when the host does not resolve.
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL(f"refused to fetch {url!r}: malformed URL") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(f"refused to fetch {url!r}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise UnsafeURL(f"refused to fetch {url!r}: the URL has no host")
    if allow_private:
        return
    for ip in await _resolve(host, port):
        reason = refusal_reason(ip)
        if reason is not None:
            raise UnsafeURL(f"refused to fetch {url}: {host} resolves to {ip}, {reason} "
                            "(CHORUS_ALLOW_PRIVATE_URLS=1 allows it)")


async def _read(response: httpx.Response, max_bytes: int, truncate: bool) -> tuple[bytes, bool]:
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"answer of {declared} bytes is over the {max_bytes}-byte limit",
                         "too_large")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            if truncate:
                return bytes(body[:max_bytes]), True
            raise FetchError(f"answer is over the {max_bytes}-byte limit", "too_large")
    return bytes(body), False


async def _hop(http: httpx.AsyncClient, url: str, headers: dict[str, str], timeout: float,
               max_bytes: int, truncate: bool) -> Fetched | str:
    """One GET: the answer, or the next URL when it redirects."""
    async with http.stream("GET", url, headers=headers, timeout=timeout,
                           follow_redirects=False) as response:
        location = response.headers.get("location")
        if response.status_code in REDIRECT_STATUSES and location:
            return urljoin(url, location)
        content, truncated = await _read(response, max_bytes, truncate)
        return Fetched(url=url, status=response.status_code, content=content,
                       headers={k.lower(): v for k, v in response.headers.items()},
                       truncated=truncated)


async def _follow(http: httpx.AsyncClient, url: str, allow_private: bool,
                  headers: dict[str, str], timeout: float, max_bytes: int,
                  truncate: bool) -> Fetched:
    for _ in range(MAX_REDIRECTS + 1):
        await check_public_url(url, allow_private)
        answer = await _hop(http, url, headers, timeout, max_bytes, truncate)
        if isinstance(answer, Fetched):
            return answer
        url = answer
    raise FetchError(f"more than {MAX_REDIRECTS} redirects", "redirects")


async def fetch(http: httpx.AsyncClient, url: str, *, allow_private: bool,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                truncate: bool = False) -> Fetched:
    """GET `url` (with `params`), following at most MAX_REDIRECTS redirects, each hop checked
    by check_public_url; `timeout` bounds the whole exchange; a body over `max_bytes` is an
    error, or cut there when `truncate`. A non-2xx answer is returned, not raised.

    Raises:
        FetchError: refused (UnsafeURL), dns, network, timeout, redirects or too_large.
    """
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        if params:
            url = str(httpx.URL(url).copy_merge_params(params))
        async with asyncio.timeout(timeout):
            return await _follow(http, url, allow_private, sent, timeout, max_bytes, truncate)
    except TimeoutError as exc:
        raise FetchError(f"no answer from {url} within {timeout:g} s", "timeout") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"no answer from {url} within {timeout:g} s", "timeout") from exc
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise FetchError(f"cannot fetch {url}: {exc!r}", "network") from exc
