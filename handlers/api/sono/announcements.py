"""Sono's announcements: the public list and one published announcement, and the admin's
create, list (`published_only`), get, put and delete."""

from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_struct
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.sono._dialect import iso, sono
from handlers.api.sono._paging import page_out, page_window, path_id, query_flag
from handlers.media import announcements as news
from store.records import Announcement

__all__ = ["setup_routes"]

PUBLIC = "/api/v1/announcements"
ADMIN = "/api/v1/admin/announcements"
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=news.TITLE_MAX)]
Content = Annotated[str, msgspec.Meta(min_length=1, max_length=news.CONTENT_MAX)]


class CreateBody(msgspec.Struct):
    title: Title
    content: Content
    is_published: bool = False


class ChangeBody(msgspec.Struct):
    title: Title | None = None
    content: Content | None = None
    is_published: bool | None = None


class AnnouncementOut(msgspec.Struct):
    id: int
    title: str
    content: str
    is_published: bool
    author_id: int | None
    created_at: str | None
    updated_at: str | None
    published_at: str | None


def announcement_out(item: Announcement) -> AnnouncementOut:
    return AnnouncementOut(id=item.id, title=item.title, content=item.content,
                           is_published=item.is_published, author_id=item.author_id,
                           created_at=iso(item.created_at), updated_at=iso(item.updated_at),
                           published_at=iso(item.published_at))


async def public_list(request: web.Request) -> web.Response:
    page = page_window(request, default_limit=20)
    ctx = context(request)
    items = await news.published_announcements(ctx, skip=page.skip, limit=page.limit)
    total = await ctx.store.announcements.count(published_only=True)
    return json_response(page_out([announcement_out(a) for a in items], total, page))


async def public_get(request: web.Request) -> web.Response:
    item = await news.published_announcement(context(request),
                                             path_id(request, "announcement_id"))
    return json_response(announcement_out(item))


async def create(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, CreateBody)
    item = await news.create_announcement(context(request), principal, title=body.title,
                                          content=body.content, is_published=body.is_published)
    return json_response(announcement_out(item), status=201)


async def admin_list(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    page = page_window(request)
    published_only = query_flag(request, "published_only")
    ctx = context(request)
    items = await news.admin_announcements(ctx, principal, published_only=published_only,
                                           skip=page.skip, limit=page.limit)
    total = await ctx.store.announcements.count(published_only=published_only)
    return json_response(page_out([announcement_out(a) for a in items], total, page))


async def admin_get(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    item = await news.admin_announcement(context(request), principal,
                                         path_id(request, "announcement_id"))
    return json_response(announcement_out(item))


async def update(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    announcement_id = path_id(request, "announcement_id")
    body = await read_struct(request, ChangeBody)
    item = await news.update_announcement(
        context(request), principal, announcement_id,
        news.AnnouncementChanges(title=body.title, content=body.content,
                                 is_published=body.is_published))
    return json_response(announcement_out(item))


async def delete(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await news.delete_announcement(context(request), principal,
                                   path_id(request, "announcement_id"))
    return json_response({"message": "Announcement deleted successfully"})


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "GET", PUBLIC, public_list)
    sono.add(r, "GET", f"{PUBLIC}/{{announcement_id}}", public_get)
    sono.add(r, "POST", ADMIN, create)
    sono.add(r, "GET", ADMIN, admin_list)
    sono.add(r, "GET", f"{ADMIN}/{{announcement_id}}", admin_get)
    sono.add(r, "PUT", f"{ADMIN}/{{announcement_id}}", update)
    sono.add(r, "DELETE", f"{ADMIN}/{{announcement_id}}", delete)
