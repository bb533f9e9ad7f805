"""Route table properties: Openwhyd's `/<handle>` can never shadow a path Chorus serves."""

from __future__ import annotations

from handlers.identity.accounts import RESERVED_HANDLES


async def test_every_top_level_path_is_a_reserved_handle(client):
    reserved = {h.lower() for h in RESERVED_HANDLES}
    for resource in client.server.app.router.resources():
        first = resource.canonical.lstrip("/").split("/", 1)[0]
        if first.startswith("{"):
            continue  # the /<handle> route itself
        assert first.lower() in reserved, f"/{first} is served but not a reserved handle"


async def test_the_route_table_lists_a_shared_path_once_per_dialect():
    from hub.routes_doc import served_routes

    rows = await served_routes()
    assert ("Spot On", "GET", "/api/search") in rows
    assert ("Spotizerr", "GET", "/api/search") in rows
    # both slash forms of Spotizerr's config and history are served routes, not redirects
    assert ("Spotizerr", "GET", "/api/config") in rows
    assert ("Spotizerr", "GET", "/api/history") in rows
