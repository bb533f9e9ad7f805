"""The description's routes: `/api/openapi.json` always; FastAPI's `/openapi.json` and `/docs`
(EchoStats, Sono and Spotizerr serve theirs there) unless a dialect already claims the path.
The document is made once, on first request, from the router as it then stands (every route
is in by then), and kept. The docs page lists the operations as plain HTML: it loads nothing
from elsewhere, so it works offline and under the site's Content-Security-Policy."""

from __future__ import annotations

import html
from typing import Any

import msgspec
from aiohttp import web

from handlers.api.dialect import Dialect
from handlers.api.openapi.document import build_document
from handlers.api.openapi.routes import served_routes

__all__ = ["setup_openapi_routes", "render_page", "DOCUMENT_PATHS", "DOCS_PATH", "TITLE", "VERSION"]

API_DOCUMENT_PATH = "/api/openapi.json"
DOCUMENT_PATHS = (API_DOCUMENT_PATH, "/openapi.json")
DOCS_PATH = "/docs"
TITLE = "Chorus"
VERSION = "0.1.0"

chorus = Dialect()
# the document, made on first request; a holder set up before the app starts (its state is
# frozen afterwards)
_document_key = web.AppKey("openapi_document_key", dict)


def _document(request: web.Request) -> bytes:
    cache: dict[str, bytes] = request.app[_document_key]
    if "json" not in cache:
        document = build_document(served_routes(request.app.router), title=TITLE,
                                  version=VERSION)
        cache["json"] = msgspec.json.encode(document)
    return cache["json"]


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of every served route."""
    return web.Response(body=_document(request), content_type="application/json")


def render_page(document: dict[str, Any]) -> str:
    """The operations of `document` as a self-contained HTML page, grouped by dialect."""
    by_tag: dict[str, list[str]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            row = (f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                   f"<td><code>{html.escape(path)}</code></td>"
                   f"<td>{html.escape(operation.get('summary', ''))}</td></tr>")
            by_tag.setdefault(operation["tags"][0], []).append(row)
    sections = "".join(
        f"<h2>{html.escape(tag)}</h2><table><tr><th>method</th><th>path</th><th>summary</th></tr>"
        f"{''.join(rows)}</table>" for tag, rows in sorted(by_tag.items()))
    title = html.escape(document["info"]["title"])
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title} API</title></head><body><h1>{title} API</h1>"
            f"<p>The machine-readable description: <a href=\"{API_DOCUMENT_PATH}\">"
            f"{API_DOCUMENT_PATH}</a> (OpenAPI {html.escape(document['openapi'])}).</p>"
            f"{sections}</body></html>")


async def docs_page(request: web.Request) -> web.Response:
    """A page listing every operation, linking to the description."""
    return web.Response(text=render_page(msgspec.json.decode(_document(request))),
                        content_type="text/html")


def setup_openapi_routes(app: web.Application) -> None:
    """Add the description's routes; FastAPI's paths only where no route serves them yet."""
    app[_document_key] = {}
    router = app.router
    taken = {(r.method, r.resource.canonical) for r in router.routes() if r.resource}
    for path in DOCUMENT_PATHS:
        if ("GET", path) not in taken:
            chorus.add(router, "GET", path, openapi_json)
    if ("GET", DOCS_PATH) not in taken:
        chorus.add(router, "GET", DOCS_PATH, docs_page)
