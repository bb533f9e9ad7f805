"""Spotizerr's watch routes: /api/playlist/watch/... and /api/artist/watch/... (add, status,
remove, mark or forget tracks/albums, list, trigger_check all or one), per user (see
handlers.downloads.watch for the decisions). The fixed paths (`list`, `trigger_check`) are registered
before the `{id}` patterns."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import decode_json, read_json
from handlers.api.dialect import Handler, json_response, mark_slow
from handlers.api.keys import context
from handlers.api.spotizerr.base import message, spotizerr
from handlers.context import Context
from handlers.downloads import watch
from handlers.downloads.watch_check import CheckResult, artist_options, playlist_options
from handlers.errors import FieldError, Invalid
from handlers.identity.auth import Principal
from store.records import Watch

__all__ = ["setup_watch_routes", "watch_json", "check_json"]

# what each kind's "items" are, in paths, bodies and messages
ITEMS = {"playlist": "tracks", "artist": "albums"}
ITEM_IDS = {"playlist": "track_ids", "artist": "album_ids"}
_SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")

# watch.mark_known or watch.forget_items: (ctx, principal, kind, item id, ids) -> how many
ItemsChange = Callable[[Context, Principal, str, str, Sequence[Any]], Awaitable[int]]


def _ts(ts: float | None) -> int | None:
    return None if ts is None else int(ts)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def watch_json(w: Watch) -> dict[str, Any]:
    """A watched playlist or artist as Spotizerr lists it (its watch DB row), plus Chorus's
    options, error and M3U fields."""
    link = f"https://open.spotify.com/{w.kind}/{w.item_id}" if _SPOTIFY_ID.match(w.item_id) \
        else None
    common = {"spotify_id": w.item_id, "name": w.name, "link": link,
              "added_at": _ts(w.created_at), "last_checked": _ts(w.last_checked),
              "last_checked_iso": _iso(w.last_checked), "is_active": True,
              "last_error": w.last_error, "error_count": w.error_count}
    if w.kind == "playlist":
        return {**common, **msgspec.to_builtins(playlist_options(w)),
                "total_tracks": w.total_items, "snapshot_id": w.snapshot_id or None,
                "known_tracks": w.known_items, "m3u_path": w.m3u_path}
    return {**common, **msgspec.to_builtins(artist_options(w)),
            "total_albums_on_spotify": w.total_items, "known_albums": w.known_items}


def check_json(result: CheckResult) -> dict[str, Any]:
    items = ITEMS.get(result.kind, "items")
    return {"spotify_id": result.item_id, "name": result.name,
            f"queued_{items}": result.queued, "task_ids": result.task_ids,
            f"known_{items}": result.known, "requeued": result.requeued,
            "removed": result.removed, "unchanged": result.unchanged, "error": result.error}


async def _ids_body(request: web.Request, kind: str) -> list[Any]:
    """`{"track_ids": [...]}` as documented, or the bare array Spotizerr's UI sends."""
    key = ITEM_IDS[kind]
    try:
        data = decode_json(await request.read())
    except msgspec.DecodeError:
        data = None
    if isinstance(data, dict):
        data = data.get(key)
    if not isinstance(data, list):
        raise Invalid(f"Invalid request body. Expecting {{\"{key}\": [...]}} or a JSON array "
                      f"of Spotify ids.", code="validation",
                      fields=[FieldError(("body", key), "a list of ids is required")])
    return data


def _add(kind: str) -> Handler:
    async def add(request: web.Request) -> web.Response:
        principal = await require_principal(request)
        item_id = request.match_info["id"]
        added = await watch.watch_item(context(request), principal, kind, item_id,
                                       await read_json(request, required=False))
        label = kind.capitalize()
        text = (f"{label} {item_id} added to watchlist." if added.created
                else f"{label} {item_id} is already being watched.")
        return json_response({"message": text, f"{kind}_data": watch_json(added.watch),
                              "check": check_json(added.check)})

    return mark_slow(add)


def _status(kind: str) -> Handler:
    async def status(request: web.Request) -> web.Response:
        principal = await require_principal(request)
        found = await watch.get_watch(context(request), principal, kind,
                                      request.match_info["id"])
        if found is None:  # Spotizerr answers 200 so that clients tell "not watched" apart
            return json_response({"is_watched": False})
        return json_response({"is_watched": True, f"{kind}_data": watch_json(found)})

    return status


def _remove(kind: str) -> Handler:
    async def remove(request: web.Request) -> web.Response:
        principal = await require_principal(request)
        item_id = request.match_info["id"]
        await watch.unwatch(context(request), principal, kind, item_id)
        return message(f"{kind.capitalize()} {item_id} removed from watchlist.")

    return remove


async def _change_items(request: web.Request, kind: str, change: ItemsChange) -> tuple[str, int]:
    """Applies `change` to the watched item's ids in the body; the item id and the count."""
    principal = await require_principal(request)
    item_id = request.match_info["id"]
    count = await change(context(request), principal, kind, item_id, await _ids_body(request, kind))
    return item_id, count


def _mark(kind: str) -> Handler:
    async def mark(request: web.Request) -> web.Response:
        item_id, count = await _change_items(request, kind, watch.mark_known)
        return json_response({"message": f"Successfully processed {count} {ITEMS[kind]} for "
                                         f"{kind} {item_id}.", "processed_count": count})

    return mark


def _forget(kind: str) -> Handler:
    async def forget(request: web.Request) -> web.Response:
        item_id, count = await _change_items(request, kind, watch.forget_items)
        return json_response({"message": f"Successfully removed {count} {ITEMS[kind]} "
                                         f"locally for {kind} {item_id}.",
                              "deleted_count": count})

    return forget


def _list(kind: str) -> Handler:
    async def listing(request: web.Request) -> web.Response:
        principal = await require_principal(request)
        found = await watch.list_watches(context(request), principal, kind)
        return json_response([watch_json(w) for w in found])

    return listing


def _trigger(kind: str, one: bool) -> Handler:
    async def trigger(request: web.Request) -> web.Response:
        principal = await require_principal(request)
        item_id = request.match_info["id"] if one else None
        results = await watch.trigger_check(context(request), principal, kind, item_id)
        label = kind.capitalize()
        text = (f"{label} check completed for {item_id}." if one
                else f"{label} check completed for all {kind}s.")
        return json_response({"message": text, "checked": len(results),
                              "results": [check_json(r) for r in results]})

    return mark_slow(trigger)


def _routes(kind: str) -> list[tuple[str, str, Handler]]:
    base, items = f"/api/{kind}/watch", ITEMS[kind]
    return [  # fixed paths first
        ("GET", f"{base}/list", _list(kind)),
        ("POST", f"{base}/trigger_check", _trigger(kind, one=False)),
        ("POST", f"{base}/trigger_check/{{id}}", _trigger(kind, one=True)),
        ("PUT", f"{base}/{{id}}", _add(kind)),
        ("DELETE", f"{base}/{{id}}", _remove(kind)),
        ("GET", f"{base}/{{id}}/status", _status(kind)),
        ("POST", f"{base}/{{id}}/{items}", _mark(kind)),
        ("DELETE", f"{base}/{{id}}/{items}", _forget(kind)),
    ]


def setup_watch_routes(app: web.Application) -> None:
    for kind in ITEMS:
        for method, path, handler in _routes(kind):
            spotizerr.add(app.router, method, path, handler)
