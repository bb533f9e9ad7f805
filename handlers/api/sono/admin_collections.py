"""Sono's /api/v1/admin collection routes: site-wide and per-user counts, the newest
collections, a summary, and deleting a user's collections."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.sono._dialect import iso, sono
from handlers.api.sono._paging import path_id
from handlers.media import admin_collections as stats
from handlers.paging import whole_number
from store.records import CollectionTotals

__all__ = ["setup_routes"]

PREFIX = "/api/v1/admin"
RECENT_MAX = 100


def _totals_out(totals: CollectionTotals) -> dict[str, Any]:
    return {"total_collections": totals.collections, "by_type": totals.by_kind,
            "public_collections": totals.public,
            "private_collections": totals.collections - totals.public,
            "collaborative_collections": totals.collaborative,
            "total_tracks": totals.tracks, "users_with_collections": totals.owners,
            "total_collaborators": totals.collaborators}


async def collection_stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(_totals_out(await stats.collection_stats(context(request), principal)))


async def user_collection_stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    user, totals = await stats.user_collection_stats(context(request), principal,
                                                     path_id(request, "user_id"))
    return json_response({"user_id": user.id, "username": user.username, **_totals_out(totals)})


async def delete_user_collections(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    count = await stats.delete_user_collections(context(request), principal,
                                                path_id(request, "user_id"))
    return json_response({"message": f"Deleted {count} collections", "deleted_count": count})


async def recent(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    limit = whole_number(request.query.get("limit"), "limit", default=20, minimum=1)
    assert limit is not None
    found = await stats.recent_collections(context(request), principal, min(limit, RECENT_MAX))
    return json_response([{
        "id": c.id, "title": c.title, "collection_type": c.kind, "is_public": c.is_public,
        "is_collaborative": c.is_collaborative, "owner_id": c.owner_id,
        "owner_username": owner.username if owner else None, "track_count": tracks,
        "created_at": iso(c.created_at)} for c, owner, tracks in found])


async def summary(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await stats.collection_summary(context(request), principal)
    totals = found.totals
    return json_response({
        **_totals_out(totals),
        "average_tracks_per_collection": round(totals.tracks / totals.collections, 2)
        if totals.collections else 0.0,
        "created_last_7_days": found.created_last_week,
        "top_curators": [{"user_id": u.id, "username": u.username, "collection_count": n}
                         for u, n in found.top_curators]})


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "GET", f"{PREFIX}/collections/stats", collection_stats)
    sono.add(r, "GET", f"{PREFIX}/users/{{user_id}}/collections/stats", user_collection_stats)
    sono.add(r, "DELETE", f"{PREFIX}/users/{{user_id}}/collections/all", delete_user_collections)
    sono.add(r, "GET", f"{PREFIX}/collections/recent", recent)
    sono.add(r, "GET", f"{PREFIX}/collections/summary", summary)
