"""Sono's /api/v1/collections endpoints: albums, playlists and compilations with their cover
art, tracks (by catalog item id, Sono's `audio_file_id`) and collaborators. The same rows are
Openwhyd's playlists (handlers.social.collection_access and its neighbours)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from aiohttp import web

from handlers.api._auth import optional_principal, require_principal
from handlers.api._input import int_param, invalid_field, read_struct
from handlers.api._upload import read_file_field
from handlers.api.dialect import json_response, mark_slow
from handlers.api.keys import context
from handlers.api.sono._dialect import iso, sono
from handlers.api.sono._paging import path_id, query_flag
from handlers.media.images import IMAGE_MAX_BYTES
from handlers.paging import MAX_ID, Window
from handlers.social import collaborators, collection_details, collection_edits, collection_tracks
from handlers.social.collection_details import CollaboratorEntry, CollectionDetail, CollectionPage, TrackEntry
from store.records import CatalogItem, User

__all__ = ["setup_routes", "collection_out"]

PREFIX = "/api/v1/collections"
ONE = PREFIX + "/{collection_id}"
MAX_PAGE = 100
CollectionType = Literal["album", "playlist", "compilation"]
Permission = Literal["edit", "view"]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=collection_edits.MAX_TITLE)]
Text = Annotated[str, msgspec.Meta(max_length=collection_edits.MAX_TEXT)]
Artist = Annotated[str, msgspec.Meta(max_length=collection_edits.MAX_ARTIST)]
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Order = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


# ---- wire shapes ------------------------------------------------------------------------

class CreateBody(msgspec.Struct):
    title: Title
    collection_type: CollectionType
    description: Text | None = None
    artist: Artist | None = None
    curator_note: Text | None = None
    is_public: bool = False
    is_collaborative: bool = False


class UpdateBody(msgspec.Struct):
    title: Title | Unset = UNSET
    description: Text | None | Unset = UNSET
    artist: Artist | None | Unset = UNSET
    curator_note: Text | None | Unset = UNSET
    is_public: bool | Unset = UNSET
    is_collaborative: bool | Unset = UNSET


class AddTrackBody(msgspec.Struct):
    audio_file_id: Id
    track_order: Order | None = None


class ReorderBody(msgspec.Struct):
    """Sono documents `new_order`; its web client sends `track_order`."""

    new_order: Order | None = None
    track_order: Order | None = None


class BulkAddBody(msgspec.Struct):
    audio_file_ids: Annotated[list[Id], msgspec.Meta(min_length=1,
                                                     max_length=collection_tracks.MAX_BULK)]


class CollaboratorBody(msgspec.Struct):
    user_id: Id
    permission_level: Permission = "edit"


class PermissionBody(msgspec.Struct):
    permission_level: Permission


# ---- rendering --------------------------------------------------------------------------

def user_public(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.name or None,
            "bio": user.bio or None, "profile_picture_url": user.avatar_url or None}


def audio_file_out(item: CatalogItem | None) -> dict[str, Any] | None:
    """A catalog item where Sono shows the audio file of a track."""
    if item is None:
        return None
    return {"id": item.id, "title": item.name or item.description,
            "artist": ", ".join(item.artist_names) or None, "album": item.album_name or None,
            "duration": item.duration_ms // 1000 if item.duration_ms else None,
            "file_url": item.url, "cover_art_url": item.image or None,
            "provider": item.provider, "kind": item.kind}


def track_out(entry: TrackEntry) -> dict[str, Any]:
    post = entry.post
    return {"id": post.id, "collection_id": post.collection_id, "audio_file_id": post.catalog_id,
            "track_order": entry.position, "added_date": iso(post.created_at),
            "added_by_id": post.user_id, "audio_file": audio_file_out(entry.item),
            "added_by": user_public(entry.added_by)}


def collaborator_out(entry: CollaboratorEntry) -> dict[str, Any]:
    member = entry.collaborator
    return {"id": member.id, "collection_id": member.collection_id, "user_id": member.user_id,
            "permission_level": member.permission, "added_date": iso(member.created_at),
            "added_by_id": member.added_by_id, "user": user_public(entry.user),
            "added_by": user_public(entry.added_by)}


def collection_out(detail: CollectionDetail) -> dict[str, Any]:
    c = detail.collection
    return {"id": c.id, "title": c.title, "description": c.description or None,
            "collection_type": c.kind, "artist": c.artist or None,
            "curator_note": c.curator_note or None, "cover_art_url": c.image or None,
            "is_public": c.is_public, "is_collaborative": c.is_collaborative,
            "created_date": iso(c.created_at), "updated_date": iso(c.updated_at),
            "owner_id": c.owner_id, "owner": user_public(detail.owner),
            "tracks": [track_out(t) for t in detail.tracks],
            "collaborators": [collaborator_out(m) for m in detail.collaborators],
            "track_count": len(detail.tracks), "can_edit": detail.can_edit}


def page_out(page: CollectionPage, kind: str | None) -> dict[str, Any]:
    return {"collections": [collection_out(d) for d in page.details], "total": page.total,
            "has_more": page.has_more, "collection_type": kind}


# ---- parameters -------------------------------------------------------------------------

def _kind(request: web.Request) -> str | None:
    kind = request.query.get("collection_type") or None
    if kind is not None and kind not in collection_edits.KINDS:
        raise invalid_field(("query", "collection_type"),
                            "Input should be 'album', 'playlist' or 'compilation'", "enum")
    return kind


def _number(request: web.Request, name: str, default: int, low: int) -> int:
    return int_param(request.query.get(name), invalid_field(
        ("query", name), f"Input should be a whole number of at least {low}", "int_parsing"),
        default=default, low=low)


def _window(request: web.Request) -> Window:
    """`skip` and `limit` (1 to 100, 20 when not given; more is lowered to 100)."""
    return Window(skip=_number(request, "skip", 0, 0),
                  limit=min(_number(request, "limit", 20, 1), MAX_PAGE))


# ---- collections ------------------------------------------------------------------------

async def create_collection(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, CreateBody)
    new = collection_edits.NewCollection(
        title=body.title, kind=body.collection_type, description=body.description or "",
        artist=body.artist or "", curator_note=body.curator_note or "",
        is_public=body.is_public, is_collaborative=body.is_collaborative)
    detail = await collection_edits.create_collection_as(context(request), principal, new)
    return json_response(collection_out(detail))


async def list_collections(request: web.Request) -> web.Response:
    kind, page = _kind(request), _window(request)
    public_only = query_flag(request, "public_only")
    result = await collection_details.browse_collections(
        context(request), await optional_principal(request), page, kind=kind,
        public_only=public_only)
    return json_response(page_out(result, kind))


async def list_my_collections(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    kind, page = _kind(request), _window(request)
    result = await collection_details.my_collections(context(request), principal, page, kind=kind)
    return json_response(page_out(result, kind))


async def get_collection(request: web.Request) -> web.Response:
    collection_id = path_id(request, "collection_id")
    detail = await collection_details.collection_detail(
        context(request), await optional_principal(request), collection_id)
    return json_response(collection_out(detail))


def _blank(value: str | None | Unset) -> str | Unset:
    """null clears a text field."""
    return "" if value is None else value


async def update_collection(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    body = await read_struct(request, UpdateBody)
    changes = collection_edits.CollectionChanges(
        title=body.title, description=_blank(body.description), artist=_blank(body.artist),
        curator_note=_blank(body.curator_note), is_public=body.is_public,
        is_collaborative=body.is_collaborative)
    detail = await collection_edits.update_collection(context(request), principal,
                                                      collection_id, changes)
    return json_response(collection_out(detail))


async def delete_collection(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    gone = await collection_edits.delete_collection_by_id(context(request), principal,
                                                          collection_id)
    return json_response({"message": f"{gone.kind.title()} deleted successfully"})


@mark_slow
async def upload_cover_art(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    data = await read_file_field(request, "file", IMAGE_MAX_BYTES,
                                 "File too large (max 5MB)")
    detail = await collection_edits.set_cover_art(context(request), principal, collection_id,
                                                  data)
    return json_response(collection_out(detail))


# ---- tracks -----------------------------------------------------------------------------

async def add_track(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    body = await read_struct(request, AddTrackBody)
    entry = await collection_tracks.add_track(context(request), principal, collection_id,
                                              body.audio_file_id, body.track_order)
    return json_response(track_out(entry))


async def bulk_add_tracks(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    body = await read_struct(request, BulkAddBody)
    entries = await collection_tracks.add_tracks(context(request), principal, collection_id,
                                                 body.audio_file_ids)
    return json_response([track_out(e) for e in entries])


async def remove_track(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    track_id = path_id(request, "track_id")
    await collection_tracks.remove_track(context(request), principal, collection_id, track_id)
    return json_response({"message": "Track removed from collection"})


async def reorder_track(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    track_id = path_id(request, "track_id")
    body = await read_struct(request, ReorderBody)
    position = body.new_order if body.new_order is not None else body.track_order
    if position is None:
        raise invalid_field(("body", "new_order"), "Field required", "missing")
    entry = await collection_tracks.move_track(context(request), principal, collection_id,
                                               track_id, position)
    return json_response(track_out(entry))


# ---- collaborators ----------------------------------------------------------------------

async def add_collaborator(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    body = await read_struct(request, CollaboratorBody)
    entry = await collaborators.add_collaborator(context(request), principal, collection_id,
                                                 body.user_id, body.permission_level)
    return json_response(collaborator_out(entry))


async def update_collaborator(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    user_id = path_id(request, "user_id")
    body = await read_struct(request, PermissionBody)
    entry = await collaborators.change_collaborator(context(request), principal, collection_id,
                                                    user_id, body.permission_level)
    return json_response(collaborator_out(entry))


async def remove_collaborator(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    collection_id = path_id(request, "collection_id")
    user_id = path_id(request, "user_id")
    await collaborators.remove_collaborator(context(request), principal, collection_id, user_id)
    return json_response({"message": "Collaborator removed from collection"})


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "POST", f"{PREFIX}/", create_collection)
    sono.add(r, "GET", f"{PREFIX}/", list_collections)
    sono.add(r, "GET", f"{PREFIX}/my-collections", list_my_collections)
    sono.add(r, "GET", ONE, get_collection)
    sono.add(r, "PUT", ONE, update_collection)
    sono.add(r, "DELETE", ONE, delete_collection)
    sono.add(r, "POST", f"{ONE}/cover-art", upload_cover_art)
    sono.add(r, "POST", f"{ONE}/tracks", add_track)
    sono.add(r, "POST", f"{ONE}/tracks/bulk-add", bulk_add_tracks)
    sono.add(r, "DELETE", f"{ONE}/tracks/{{track_id}}", remove_track)
    sono.add(r, "PUT", f"{ONE}/tracks/{{track_id}}/reorder", reorder_track)
    sono.add(r, "POST", f"{ONE}/collaborators", add_collaborator)
    sono.add(r, "PUT", f"{ONE}/collaborators/{{user_id}}", update_collaborator)
    sono.add(r, "DELETE", f"{ONE}/collaborators/{{user_id}}", remove_collaborator)
