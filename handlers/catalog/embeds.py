"""Spot On's spot embeds: posted contents with their catalog metadata, a description written
by an OpenAI-compatible chat endpoint when one is configured (kept in the catalog once
written; null otherwise, never invented), and suggestions from Chorus's own recommender:
what the people who play or post this also play and post, then more by the same artist.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec

from handlers.catalog.items import catalog_item_for
from handlers.context import Context
from handlers.errors import Invalid, NotFound
from providers.llm import ChatConfig, ChatUnavailable, complete_chat
from store.records import CatalogItem

__all__ = ["Suggestion", "SpotEmbed", "spot_embeds", "MAX_PAGE_SIZE", "SUGGESTIONS"]

log = logging.getLogger("chorus.embeds")

MAX_PAGE_SIZE = 50
SUGGESTIONS = 5
HOLDERS = 100  # listeners of the item looked at
DESCRIBING_AT_ONCE = 4
SYSTEM_PROMPT = (
    "You write a two-sentence description of a piece of music for a music social app. Use "
    "only what you know for sure about it; if you do not know it, describe what its metadata "
    "says and nothing more. No lists, no quotes of lyrics.")


class Suggestion(msgspec.Struct, frozen=True):
    name: str
    artist: str
    spotify_url: str
    reason: str


class SpotEmbed(msgspec.Struct, frozen=True, kw_only=True):
    item: CatalogItem
    post_id: int | None
    ai_description: str | None
    suggestions: list[Suggestion]


def _chat(ctx: Context) -> ChatConfig:
    config = ctx.config
    return ChatConfig(base_url=config.llm_url, api_key=config.llm_api_key,
                      model=config.llm_model)


async def _description(ctx: Context, item: CatalogItem) -> str | None:
    """The stored description, else one written now (and stored), else None."""
    if item.ai_description or not _chat(ctx).enabled:
        return item.ai_description or None
    facts = msgspec.json.encode({
        "type": item.kind, "name": item.name, "artists": item.artist_names,
        "album": item.album_name, "playlist": item.playlist_name, "genres": item.genres,
        "link": item.url}).decode()
    try:
        text = await complete_chat(ctx.http, _chat(ctx), SYSTEM_PROMPT, facts)
    except ChatUnavailable as exc:
        log.warning("no description of %s: %s", item.url, exc)
        return None
    await ctx.store.catalog.upsert(item.provider, item.kind, item.provider_id, url=item.url,
                                   eid=item.eid, ai_description=text[:2000])
    return text[:2000]


async def _suggestions(ctx: Context, viewer_id: int | None, item: CatalogItem
                       ) -> list[Suggestion]:
    repo, user = ctx.store.recommendations, viewer_id or 0
    co = await repo.co_listened(user, [item.id], holders=HOLDERS, limit=SUGGESTIONS * 2)
    reasons = {c.track_id: f"People who play or post {item.name or 'this'} also play and post it"
               for c in co}
    for artist in item.artist_names[:1]:
        for c in await repo.artist_tracks(user, [artist], limit=SUGGESTIONS * 2):
            reasons.setdefault(c.track_id, f"More by {artist}")
    reasons.pop(item.id, None)
    found = await ctx.store.catalog.many(list(reasons))
    picked = [found[i] for i in reasons if i in found and found[i].name][:SUGGESTIONS]
    return [Suggestion(name=t.name, artist=", ".join(t.artist_names), spotify_url=t.url,
                       reason=reasons[t.id]) for t in picked]


async def _embed(ctx: Context, viewer_id: int | None, item: CatalogItem, post_id: int | None,
                 slots: asyncio.Semaphore) -> SpotEmbed:
    async with slots:
        description = await _description(ctx, item)
    return SpotEmbed(item=item, post_id=post_id, ai_description=description,
                     suggestions=await _suggestions(ctx, viewer_id, item))


async def _posted(ctx: Context, start: float, end: float, page: int, page_size: int
                  ) -> list[tuple[CatalogItem, int | None]]:
    posts, _ = await ctx.store.posts.by_date(start, end, offset=(page - 1) * page_size,
                                             limit=page_size)
    items = await ctx.store.catalog.many([p.catalog_id for p in posts if p.catalog_id])
    return [(items[p.catalog_id], p.id) for p in posts
            if p.catalog_id is not None and p.catalog_id in items]


async def spot_embeds(ctx: Context, viewer_id: int | None, *, post_id: int | None = None,
                      link: str | None = None, start: float | None = None,
                      end: float | None = None, page: int = 1, page_size: int = 10
                      ) -> list[SpotEmbed]:
    """The embed of one post (`post_id`), of one link, or of a page of the posts made between
    `start` and `end` (all time when absent), newest first.

    Raises:
        Invalid: a bad page or page size, or a link that is not music. NotFound: no such post.
    """
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"page must be 1 or more and page_size 1 to {MAX_PAGE_SIZE}",
                      code="invalid_page")
    chosen: list[tuple[CatalogItem, int | None]]
    if post_id is not None:
        post = await ctx.store.posts.get(post_id)
        item = None if post is None or post.catalog_id is None else \
            await ctx.store.catalog.get(post.catalog_id)
        if post is None or item is None:
            raise NotFound("Post not found", code="post_not_found")
        chosen = [(item, post.id)]
    elif link:
        chosen = [(await catalog_item_for(ctx, link), None)]
    else:
        chosen = await _posted(ctx, start or 0.0, end or ctx.clock(), page, page_size)
    slots = asyncio.Semaphore(DESCRIBING_AT_ONCE)
    return list(await asyncio.gather(*(_embed(ctx, viewer_id, item, pid, slots)
                                       for item, pid in chosen)))
