"""Announcements: anyone reads the published ones; admins write them. Publishing one (on
creation or by a change) pushes it on the `announcements` channel, which every live
connection is subscribed to by the server, once the write commits."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Context
from handlers.errors import Invalid, NotFound
from handlers.identity.accounts import require_admin
from handlers.identity.auth import Principal
from store.records import Announcement

__all__ = ["AnnouncementChanges", "CHANNEL", "TITLE_MAX", "CONTENT_MAX",
           "published_announcements", "published_announcement", "create_announcement",
           "admin_announcements", "admin_announcement", "update_announcement",
           "delete_announcement", "push_body"]

CHANNEL = "announcements"
TITLE_MAX = 200
CONTENT_MAX = 10_000


@dataclass
class AnnouncementChanges:
    title: str | None = None
    content: str | None = None
    is_published: bool | None = None


def push_body(item: Announcement) -> dict[str, object]:
    return {"type": "announcement", "id": item.id, "title": item.title,
            "content": item.content, "published_at": item.published_at}


async def _push_after_commit(ctx: Context, item: Announcement) -> None:
    await ctx.store.after_commit(lambda: ctx.publisher.publish(CHANNEL, push_body(item)))


def _text(value: str, name: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise Invalid(f"{name.capitalize()} cannot be blank", code=f"{name}_blank")
    if len(text) > limit:
        raise Invalid(f"{name.capitalize()} must be at most {limit} characters",
                      code=f"{name}_too_long")
    return text


async def published_announcements(ctx: Context, *, skip: int, limit: int
                                  ) -> list[Announcement]:
    return await ctx.store.announcements.list(published_only=True, offset=skip, limit=limit)


async def published_announcement(ctx: Context, announcement_id: int) -> Announcement:
    found = await ctx.store.announcements.get(announcement_id)
    if found is None or not found.is_published:
        raise NotFound("Announcement not found", code="announcement_not_found")
    return found


async def create_announcement(ctx: Context, principal: Principal, *, title: str, content: str,
                              is_published: bool) -> Announcement:
    require_admin(principal)
    async with ctx.store.transaction():
        item = await ctx.store.announcements.create(
            title=_text(title, "title", TITLE_MAX), content=_text(content, "content",
                                                                   CONTENT_MAX),
            is_published=is_published, author_id=principal.user.id)
        if item.is_published:
            await _push_after_commit(ctx, item)
    return item


async def admin_announcements(ctx: Context, principal: Principal, *, published_only: bool,
                              skip: int, limit: int) -> list[Announcement]:
    require_admin(principal)
    return await ctx.store.announcements.list(published_only=published_only, offset=skip,
                                              limit=limit)


async def admin_announcement(ctx: Context, principal: Principal, announcement_id: int
                             ) -> Announcement:
    require_admin(principal)
    found = await ctx.store.announcements.get(announcement_id)
    if found is None:
        raise NotFound("Announcement not found", code="announcement_not_found")
    return found


async def update_announcement(ctx: Context, principal: Principal, announcement_id: int,
                              changes: AnnouncementChanges) -> Announcement:
    """Change it; when this publishes it (it was not published), it is pushed."""
    current = await admin_announcement(ctx, principal, announcement_id)
    fields: dict[str, object] = {}
    if changes.title is not None:
        fields["title"] = _text(changes.title, "title", TITLE_MAX)
    if changes.content is not None:
        fields["content"] = _text(changes.content, "content", CONTENT_MAX)
    if changes.is_published is not None:
        fields["is_published"] = changes.is_published
        if changes.is_published and not current.is_published:
            fields["published_at"] = ctx.clock()
    async with ctx.store.transaction():
        updated = await ctx.store.announcements.update(current.id, **fields)
        assert updated is not None
        if updated.is_published and not current.is_published:
            await _push_after_commit(ctx, updated)
    return updated


async def delete_announcement(ctx: Context, principal: Principal, announcement_id: int) -> None:
    current = await admin_announcement(ctx, principal, announcement_id)
    await ctx.store.announcements.delete(current.id)
