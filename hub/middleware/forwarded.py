"""The client behind reverse proxies: the one place that decides a request's client address and
scheme.

Only a peer listed in CHORUS_TRUSTED_PROXIES is believed. Its `X-Forwarded-For` (with
`X-Forwarded-Proto`), or else its `Forwarded` (RFC 7239), is read from the right: each entry
was written by the hop after it, so the walk goes on while the entry is itself a trusted
proxy and stops at the first address that is not; that one is the client. Anything a client
wrote to the left of it is never read. Every later middleware and handler gets a clone of the
request whose `remote`, `scheme` and `secure` are the client's, so the rate limits, the
access log, the sign-in backoff, the public-URL checks and the Secure cookie flag agree.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

import msgspec
from aiohttp import web
from aiohttp.typedefs import Middleware
from multidict import CIMultiDictProxy

__all__ = ["Network", "Hop", "ClientOrigin", "parse_networks", "forwarded_hops", "resolve_client",
           "forwarded_middleware", "client_origin_key", "client_origin"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = frozenset({"http", "https"})


class Hop(msgspec.Struct, frozen=True):
    """One forwarding entry: who connected to the proxy that wrote it, and by which scheme."""

    address: str
    proto: str = ""


class ClientOrigin(msgspec.Struct, frozen=True):
    """Where a request really comes from, as the trusted proxies tell it."""

    address: str
    scheme: str


client_origin_key = web.RequestKey("client_origin_key", ClientOrigin)


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """CHORUS_TRUSTED_PROXIES' addresses and CIDRs; ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"CHORUS_TRUSTED_PROXIES: {entry!r} is not an address or CIDR") from exc
    return tuple(networks)


def _bare_address(value: str) -> str:
    """`[2001:db8::1]:4711`, `192.0.2.1:80` or `192.0.2.1` as the address alone."""
    value = value.strip().strip('"')
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        return value.split(":", 1)[0]
    return value


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # `unknown`, an obfuscated name: not one of ours
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in trusted)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def forwarded_hops(headers: CIMultiDictProxy[str],
                   forwarded: Sequence[Mapping[str, str]]) -> list[Hop]:
    """The hops a proxy reported, client side first: `X-Forwarded-For` when sent, else the
    `for=` entries of `Forwarded` (`forwarded`: aiohttp's parse of it). X-Forwarded-Proto
    lines up with X-Forwarded-For when both list as many entries, else its last one (set by
    the nearest proxy) stands for every hop."""
    addresses = _split(headers.getall("X-Forwarded-For", []))
    if addresses:
        protos = [p.lower() for p in _split(headers.getall("X-Forwarded-Proto", []))]
        if len(protos) != len(addresses):
            protos = [protos[-1] if protos else ""] * len(addresses)
        return [Hop(_bare_address(a), p) for a, p in zip(addresses, protos, strict=True)]
    return [Hop(_bare_address(element["for"]), element.get("proto", "").lower())
            for element in forwarded if element.get("for")]


def resolve_client(peer: str, scheme: str, hops: Sequence[Hop],
                   trusted: Sequence[Network]) -> ClientOrigin:
    """The client of a connection from `peer` over `scheme` that reported `hops`."""
    address = peer
    if not _is_trusted(peer, trusted):
        return ClientOrigin(address, scheme)
    for hop in reversed(hops):
        address = hop.address
        if hop.proto in SCHEMES:
            scheme = hop.proto
        if not _is_trusted(address, trusted):
            break
    return ClientOrigin(address, scheme)


def client_origin(request: web.BaseRequest) -> ClientOrigin:
    """The request's client as `forwarded_middleware` resolved it (its peer without it)."""
    found = request.get(client_origin_key)
    if isinstance(found, ClientOrigin):
        return found
    return ClientOrigin(request.remote or "unknown", request.scheme)


def forwarded_middleware(trusted: Sequence[Network]) -> Middleware:
    """The outermost middleware: hands the rest a request whose remote and scheme are the
    client's (and keeps the answer on the original request, for response signals)."""

    @web.middleware
    async def middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
        peer = request.remote or "unknown"
        origin = ClientOrigin(peer, request.scheme)
        if trusted and _is_trusted(peer, trusted):
            origin = resolve_client(peer, request.scheme,
                                    forwarded_hops(request.headers, request.forwarded), trusted)
        request[client_origin_key] = origin
        if origin.address == peer and origin.scheme == request.scheme:
            return await handler(request)
        return await handler(request.clone(remote=origin.address, scheme=origin.scheme))

    return middleware
