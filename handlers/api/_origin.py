"""Where a browser request comes from: a state change made with the session cookie must come
from this site (or an origin the operator listed), not from a page of another site (CSRF).

Browsers say where a request comes from in `Sec-Fetch-Site`, `Origin` and `Referer`; clients
that send none of them (curl, old browsers, mobile apps) are not browsers another site can
drive, and pass.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from handlers.api.keys import context
from handlers.errors import Forbidden

__all__ = ["SAFE_METHODS", "CROSS_SITE_CODE", "is_state_change", "refuse_foreign_origin"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_CODE = "cross_site_request"
CROSS_SITE_MESSAGE = ("Cross-site request refused: a change made with the session cookie must "
                      "come from this site")


def is_state_change(request: web.Request, declared: bool = False) -> bool:
    """An unsafe method, or a GET its handler `declared` changes state (Openwhyd's actions)."""
    return declared or request.method not in SAFE_METHODS


def _origin(url: str) -> str | None:
    """`scheme://host[:port]` of `url` (default ports left out); None when it has no host."""
    try:
        parsed = URL(url.strip())
    except ValueError:
        return None
    if not parsed.is_absolute() or not parsed.host:
        return None
    return str(parsed.origin()).lower()


def _source(request: web.Request) -> str | None:
    """The origin that made the request: `Origin`, else that of `Referer`; None when neither
    was sent. An opaque `Origin: null` (sandboxed frames, redirects) is a source of its own."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return _origin(origin) or "null"
    referer = request.headers.get("Referer")
    if referer:
        return _origin(referer) or "null"
    return None


def _listed_origins(request: web.Request) -> set[str]:
    """The public URL, the frontend and the CORS allow-list, each named (a `*` in the
    allow-list opens reads to every origin, never cookie-made changes)."""
    config = context(request).config
    named = [config.base_url, config.frontend_url,
             *(origin for origin in config.cors_origins if origin != "*")]
    return {origin for url in named if url and (origin := _origin(url)) is not None}


def _own_origins(request: web.Request) -> set[str]:
    """This host as the request named it, by either scheme (behind a TLS proxy the request
    arrives as http for a browser on https)."""
    return {origin for scheme in ("http", "https")
            if (origin := _origin(f"{scheme}://{request.host}")) is not None}


def refuse_foreign_origin(request: web.Request) -> None:
    """Forbidden when another site started this request: `Sec-Fetch-Site: cross-site`, or an
    `Origin` / `Referer` that is neither this host nor listed by the operator."""
    source = _source(request)
    trusted = source is not None and source in _own_origins(request) | _listed_origins(request)
    cross_site = request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site"
    if (cross_site or source is not None) and not trusted:
        raise Forbidden(CROSS_SITE_MESSAGE, code=CROSS_SITE_CODE)
