"""A fake oEmbed provider and web pages with OpenGraph tags, served by aiohttp.

`GET /oembed?url=...&format=json` answers in the oEmbed 1.0 JSON shape YouTube, SoundCloud,
Spotify and Vimeo use (404 for an unknown URL, 501 for a format other than json, as the spec
says); any other path serves a page from `pages` as HTML with <meta property="og:..."> tags,
or a redirect from `redirects`. `/slow` answers only once `release` is set; `/big` sends more
than a megabyte.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FakeOEmbed", "OEmbedItem", "make_oembed_app", "state_of", "oembed_item_json"]


@dataclass
class OEmbedItem:
    """What the fake knows about one URL."""

    title: str
    author_name: str = ""
    thumbnail_url: str = ""
    type: str = "video"
    provider_name: str = "YouTube"
    description: str | None = None
    duration: int | None = None


@dataclass
class FakeOEmbed:
    """Mutable state: items by URL, pages and redirects by path, a forced status, calls seen."""

    items: dict[str, OEmbedItem] = field(default_factory=dict)
    pages: dict[str, dict[str, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    calls: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)


state_key = web.AppKey("oembed_state", FakeOEmbed)


def oembed_item_json(url: str, item: OEmbedItem) -> dict[str, Any]:
    """The oEmbed answer for `item`, with the fields real providers send."""
    data: dict[str, Any] = {
        "version": "1.0", "type": item.type, "title": item.title,
        "author_name": item.author_name, "author_url": "https://provider.example/author",
        "provider_name": item.provider_name, "provider_url": "https://provider.example/",
        "thumbnail_url": item.thumbnail_url, "thumbnail_width": 480, "thumbnail_height": 360,
        "width": 459, "height": 344,
        "html": f'<iframe width="459" height="344" src="{html.escape(url)}"></iframe>',
    }
    if item.description is not None:
        data["description"] = item.description
    if item.duration is not None:
        data["duration"] = item.duration
    return data


async def _oembed(request: web.Request) -> web.StreamResponse:
    state = request.app[state_key]
    url = request.query.get("url", "")
    state.calls.append(url)
    if state.status is not None:
        return web.Response(status=state.status, text="Service Unavailable")
    if request.query.get("format", "json") != "json":
        return web.Response(status=501, text="Not Implemented")
    item = state.items.get(url)
    if item is None:
        return web.Response(status=404, text="Not Found")
    return web.json_response(oembed_item_json(url, item))


def _page_html(meta: dict[str, str]) -> str:
    tags = "\n".join(f'  <meta property="{html.escape(k)}" content="{html.escape(v)}">'
                     for k, v in meta.items())
    title = html.escape(meta.get("og:title", ""))
    return (f"<!DOCTYPE html>\n<html><head>\n  <meta charset=\"utf-8\">\n  <title>{title}</title>\n"
            f"{tags}\n</head><body><h1>{title}</h1></body></html>\n")


async def _page(request: web.Request) -> web.StreamResponse:
    state = request.app[state_key]
    state.calls.append(request.path_qs)
    if state.status is not None:
        return web.Response(status=state.status, text="Service Unavailable")
    if request.path in state.redirects:
        raise web.HTTPFound(state.redirects[request.path])
    if request.path == "/slow":
        await state.release.wait()
        return web.Response(text="late")
    if request.path == "/big":
        return web.Response(body=b"x" * (1024 * 1024 + 10), content_type="text/plain")
    meta = state.pages.get(request.path)
    if meta is None:
        return web.Response(status=404, text="Not Found")
    return web.Response(text=_page_html(meta), content_type="text/html")


async def _release(app: web.Application) -> None:
    app[state_key].release.set()  # let a held /slow request end before the server stops


def make_oembed_app(state: FakeOEmbed | None = None) -> web.Application:
    app = web.Application()
    app[state_key] = state or FakeOEmbed()
    app.router.add_get("/oembed", _oembed)
    app.router.add_get("/{path:.*}", _page)
    app.on_shutdown.append(_release)
    return app


def state_of(app: web.Application) -> FakeOEmbed:
    return app[state_key]
