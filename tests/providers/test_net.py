"""Outbound fetches: private addresses refused, redirects re-checked, time and size limits."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from providers import net
from providers.net import FetchError, UnsafeURL, check_public_url, fetch, refusal_reason
from tests.fakes.oembed import make_oembed_app, state_of

__all__: list[str] = []

REFUSED = [
    ("127.0.0.1", "loopback"), ("127.1.2.3", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("10.0.0.1", "private"), ("172.16.5.4", "private"),
    ("192.168.1.1", "private"), ("fd12:3456::1", "private"), ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"), ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("168.63.129.16", "metadata"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("100.64.0.1", "not a public"), ("192.0.2.10", "private"),
]


def spy_on_resolution(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, list[Any]]]:
    """Record every (host, port, addresses) the guard resolves before it decides."""
    seen: list[tuple[str, int, list[Any]]] = []
    resolve = net._resolve

    async def recording(host: str, port: int) -> list[Any]:
        addresses = await resolve(host, port)
        seen.append((host, port, addresses))
        return addresses

    monkeypatch.setattr(net, "_resolve", recording)
    return seen


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
async def fake(aiohttp_server: Any) -> Any:
    return await aiohttp_server(make_oembed_app())


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_non_public_addresses_are_refused_with_their_reason(address: str, why: str) -> None:
    reason = refusal_reason(ipaddress.ip_address(address))
    assert reason is not None and why in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/x", "http://localhost/", "https://[::1]/", "http://10.1.2.3/",
    "http://169.254.169.254/latest/meta-data/", "http://2130706433/", "http://0.0.0.0:80/"])
async def test_urls_resolving_to_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        await check_public_url(url, allow_private=False)
    assert caught.value.reason == "refused" and "CHORUS_ALLOW_PRIVATE_URLS" in caught.value.message


async def test_private_addresses_pass_when_the_operator_allows_them() -> None:
    url = "http://127.0.0.1:8080/x"
    with pytest.raises(UnsafeURL):
        await check_public_url(url, allow_private=False)
    assert await check_public_url(url, allow_private=True) is None  # the same URL, let through


async def test_a_public_address_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = spy_on_resolution(monkeypatch)
    assert await check_public_url("https://8.8.8.8/dns-query", allow_private=False) is None
    assert checked == [("8.8.8.8", 443, [ipaddress.ip_address("8.8.8.8")])]  # looked at, let through


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/a.mp3", "file:///etc/passwd", "http:///nohost",
                                 "http://8.8.8.8:99999/"])
async def test_only_http_urls_with_a_host_are_fetched(url: str) -> None:
    for allow in (False, True):
        with pytest.raises(UnsafeURL):
            await check_public_url(url, allow_private=allow)


async def test_a_host_that_does_not_resolve_is_a_dns_error() -> None:
    with pytest.raises(FetchError) as caught:
        await check_public_url("https://no-such-host.invalid/", allow_private=False)
    assert caught.value.reason == "dns"


async def test_fetch_refuses_a_loopback_server_without_contacting_it(fake, http) -> None:
    with pytest.raises(UnsafeURL):
        await fetch(http, str(fake.make_url("/oembed")), allow_private=False)
    assert state_of(fake.app).calls == []


async def test_fetch_gets_a_page_and_follows_redirects(fake, http) -> None:
    state = state_of(fake.app)
    state.pages["/track/1"] = {"og:title": "One"}
    state.redirects["/fr/track/1"] = "/track/1"
    answer = await fetch(http, str(fake.make_url("/fr/track/1")), allow_private=True,
                         params={"lang": "fr"})
    assert answer.ok and answer.url == str(fake.make_url("/track/1"))
    assert answer.content_type == "text/html" and "One" in answer.text()
    assert state.calls == ["/fr/track/1?lang=fr", "/track/1"]


async def test_every_redirect_hop_is_checked(fake, http) -> None:
    state_of(fake.app).redirects["/go"] = "file:///etc/passwd"
    with pytest.raises(UnsafeURL):
        await fetch(http, str(fake.make_url("/go")), allow_private=True)


async def test_more_than_five_redirects_is_an_error(fake, http) -> None:
    state = state_of(fake.app)
    for n in range(7):
        state.redirects[f"/hop/{n}"] = f"/hop/{n + 1}"
    with pytest.raises(FetchError) as caught:
        await fetch(http, str(fake.make_url("/hop/0")), allow_private=True)
    assert caught.value.reason == "redirects" and len(state.calls) == 6


async def test_a_non_2xx_answer_is_returned_not_raised(fake, http) -> None:
    answer = await fetch(http, str(fake.make_url("/missing")), allow_private=True)
    assert answer.status == 404 and not answer.ok


async def test_a_body_over_the_limit_is_an_error_or_cut_when_asked(fake, http) -> None:
    url = str(fake.make_url("/big"))
    with pytest.raises(FetchError) as caught:
        await fetch(http, url, allow_private=True, max_bytes=1024)
    assert caught.value.reason == "too_large"
    cut = await fetch(http, url, allow_private=True, max_bytes=1024, truncate=True)
    assert cut.truncated and len(cut.content) == 1024


async def test_a_server_that_does_not_answer_in_time_is_a_timeout(fake, http) -> None:
    try:
        with pytest.raises(FetchError) as caught:
            await fetch(http, str(fake.make_url("/slow")), allow_private=True, timeout=0.2)
        assert caught.value.reason == "timeout"
    finally:
        state_of(fake.app).release.set()


async def test_a_closed_port_is_a_network_error(http, unused_tcp_port_factory) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(http, f"http://127.0.0.1:{unused_tcp_port_factory()}/", allow_private=True)
    assert caught.value.reason == "network"
