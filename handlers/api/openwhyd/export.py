"""The formats of Openwhyd's list pages (its Data Export API): `format=json` (JSON, or JSONP
with a `callback`), `format=links` (plain text, one protocol-relative URL per line) and, by
default, a minimal HTML page (every value escaped) for browsers.

A `callback` must be a plain JavaScript identifier path (`cb`, `jQuery123_456`, `a.b`), else
400: anything else would let a page inject script. JSONP bodies start with an empty comment
(`/**/`), the usual guard against content-sniffing tricks, and are application/javascript.

JSONP serves public data only: any site may load it in a `<script>` tag, and the visitor's
browser sends its session cookie along, so a request with a `callback` is answered as to an
anonymous visitor (`viewer`): the stream refuses it ("Please login first"), hot tracks leave
out `isLoved`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from html import escape
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import get_principal
from handlers.api.dialect import json_response
from handlers.api.openwhyd.common import openwhyd
from handlers.catalog.links import parse_link
from handlers.errors import DomainError, Invalid
from handlers.identity.auth import Principal
from handlers.social.posts_view import PostView
from store.records import Post

__all__ = ["Format", "read_format", "single_values", "viewer", "export_url", "render_data", "render_links",
           "render_html", "post_items", "html_list_page", "html_errors"]

CALLBACK_RE = re.compile(r"[A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){0,4}")
FORMATS = ("json", "links", "html")
# the parameters Openwhyd's list controller refuses to see twice
SINGLE_PARAMS = ("after", "before", "limit", "playlistId", "embedW", "format", "pageUrl",
                 "wholePage", "callback")
NOINDEX = '<meta name="robots" content="noindex">'



class Format(msgspec.Struct, frozen=True):
    """How to answer: `kind` is json, links or html; `callback` only with json."""

    kind: str
    callback: str | None = None


def single_values(request: web.Request) -> None:
    """Openwhyd's list pages take each of their parameters once: a repeated one (`after=1&
    after=2`) is 400 `invalid parameter value: <name>`, as its own controller answers."""
    for name in SINGLE_PARAMS:
        if len(request.query.getall(name, ())) > 1:
            raise Invalid(f"invalid parameter value: {name}", code="invalid_parameter")


def read_format(request: web.Request) -> Format:
    """`format` (unknown values mean html, as in Openwhyd) and a checked `callback`; a
    callback alone asks for JSONP. Every list handler reads it first, so it also refuses
    repeated parameters (single_values)."""
    single_values(request)
    kind = request.query.get("format", "").strip().lower()
    callback = request.query.get("callback")
    if callback is not None:
        if not CALLBACK_RE.fullmatch(callback):
            raise Invalid("invalid parameter: callback", code="invalid_callback")
        if kind != "links":
            return Format("json", callback)
    return Format(kind if kind in FORMATS else "html")


async def viewer(request: web.Request, fmt: Format) -> Principal | None:
    """Who asks: the signed-in user, or nobody for a JSONP request (whatever it carries)."""
    if fmt.callback is not None:
        return None
    return await get_principal(request)


def export_url(post: Post) -> str:
    """The track's URL as Openwhyd exports it: without protocol (`//youtube.com/watch?v=...`),
    SoundCloud tracks followed by `#<stream URL>` when the post knows it."""
    try:
        parsed = parse_link(post.eid or post.link)
    except Invalid:
        url, stream = post.link, ""
    else:
        url, stream = parsed.url, parsed.stream_url if parsed.provider == "soundcloud" else ""
    _, sep, rest = url.partition("://")
    if sep:
        url = "//" + rest.removeprefix("www.")
    return f"{url}#{stream}" if stream else url


def render_data(data: Any, fmt: Format) -> web.Response:
    """JSON, or JSONP when a callback was given."""
    if fmt.callback is None:
        return json_response(data)
    body = b"/**/" + fmt.callback.encode() + b"(" + msgspec.json.encode(data) + b");"
    return web.Response(body=body, content_type="application/javascript", charset="utf-8")


def render_links(posts: Iterable[Post]) -> web.Response:
    return web.Response(text="\n".join(export_url(p) for p in posts), content_type="text/plain",
                        charset="utf-8")


def render_html(title: str, body: str, status: int = 200, *, noindex: bool = False
                ) -> web.Response:
    """A page; `noindex` asks search engines to leave it out (profiles and track pages, as
    Openwhyd does: they show what people posted, not what the site is)."""
    head = NOINDEX if noindex else ""
    html = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{head}'
            f"<title>{escape(title)} - Openwhyd</title></head>\n<body>\n{body}\n</body></html>\n")
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def post_items(views: Iterable[PostView]) -> str:
    """An escaped `<ol>` of tracks: name, poster, a link to play it and to its page."""
    items = []
    for view in views:
        post, url = view.post, export_url(view.post)
        play = "https:" + url if url.startswith("//") else url
        link = (f' (<a href="{escape(play)}" rel="nofollow noopener">play</a>)'
                if play.startswith(("https://", "http://")) else "")
        items.append(
            f'<li><a href="/c/{post.id}">{escape(post.name or post.eid)}</a> '
            f'by <a href="/u/{post.user_id}">{escape(view.author_name)}</a>{link}</li>')
    return "<ol>\n" + "\n".join(items) + "\n</ol>" if items else "<p>No tracks yet.</p>"


def html_list_page(title: str, views: list[PostView], more: str = "", *,
                   noindex: bool = False) -> web.Response:
    return render_html(title, f"<h1>{escape(title)}</h1>\n{post_items(views)}\n{more}",
                       noindex=noindex)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def html_errors(handler: Handler) -> Handler:
    """For browsers (html format) errors are a small page; other formats get `{"error"}`."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as err:
            try:
                fmt = read_format(request)
            except Invalid:
                raise err from None
            if fmt.kind != "html":
                raise
            message = openwhyd.message(err)
            return render_html("Error", f'<p class="error" role="alert">{escape(message)}</p>',
                               status=openwhyd.error_status(err))

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped
