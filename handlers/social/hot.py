"""Hot tracks: what people post, repost and like now, one entry per track (eId).

Score: over the last HOT_WINDOW seconds, each post counts 1, each repost 2 (it is a post and
a repost, as Openwhyd adds nbPosts and nbReposts) and each like 1, every event weighted by
2 ** -(age / HALF_LIFE), so yesterday's repost is worth half of today's. Reposts made from the
hot page (ctx "hot", as Openwhyd's document asks clients to send) count for nothing, so the
list does not feed itself. Each track is reported with its first post (and so its first
poster); ties go to the track posted first. The SQL lives in store (PostRepo.hot).

Live: `refresh_hot(ctx)` recomputes the ranking and publishes `{"type": "hot", "tracks":
[...top 20...]}` on `hot` when the order of the top 20 changed. The ranking is cached for
`HotRanking.ttl` seconds: a call within that time schedules one recompute at its end instead,
so a burst of posts costs one query. Whoever creates, reposts, deletes or (un)likes a post
calls `refresh_hot` afterwards (handlers/social.py and friends); follows do not change it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from handlers.context import Context
from handlers.paging import Window
from handlers.social.posts_view import PostView, post_views
from handlers.state import HotRanking
from store.records import HotScore

__all__ = ["HotTrack", "HotPage", "HotRanking", "hot_ranking", "hot_tracks", "refresh_hot",
           "hot_payload", "HOT_WINDOW", "HALF_LIFE", "TOP", "CHANNEL"]

log = logging.getLogger("chorus.hot")

HOT_WINDOW = 7 * 86400.0
HALF_LIFE = 86400.0
TOP = 20  # tracks pushed on `hot`
CACHED = 200  # ranked tracks kept for reads
CHANNEL = "hot"


class HotTrack(msgspec.Struct, kw_only=True):
    """A ranked track (1-based `rank`), shown through its first post."""

    rank: int
    score: HotScore
    first: PostView


class HotPage(msgspec.Struct, kw_only=True):
    tracks: list[HotTrack]
    has_more: bool


def hot_ranking(ctx: Context) -> HotRanking:
    """The ranking state of this context."""
    return ctx.hot_ranking


async def _query(ctx: Context, *, after_id: int = 0, limit: int = CACHED, offset: int = 0
                 ) -> list[HotScore]:
    now = ctx.clock()
    since = 0.0 if after_id else now - HOT_WINDOW
    return await ctx.store.posts.hot(since=since, now=now, half_life=HALF_LIFE,
                                     after_id=after_id, limit=limit, offset=offset)


async def _tracks(ctx: Context, rows: list[HotScore], first_rank: int) -> list[HotTrack]:
    found = await ctx.store.posts.many([r.post_id for r in rows])
    ranked = [(first_rank + i, r) for i, r in enumerate(rows) if r.post_id in found]
    views = await post_views(ctx, [found[r.post_id] for _, r in ranked])
    return [HotTrack(rank=rank, score=row, first=view)
            for (rank, row), view in zip(ranked, views, strict=True)]


def hot_payload(track: HotTrack) -> dict[str, Any]:
    """A hot track as live clients see it."""
    post = track.first.post
    return {"rank": track.rank, "eid": track.score.eid, "name": post.name, "image": post.image,
            "link": post.link, "post_id": post.id, "user_id": post.user_id,
            "user_name": track.first.author_name, "score": round(track.score.score, 4),
            "posts": track.score.posts, "reposts": track.score.reposts,
            "likes": track.score.likes}


async def _recompute(ctx: Context, state: HotRanking) -> bool:
    """Rank again; push the top when its order changed. True if it pushed."""
    async with state.lock:
        if state.fresh():  # another caller just did it
            return False
        state.rows = await _query(ctx)
        state.computed_at = asyncio.get_running_loop().time()
        top = state.rows[:TOP]
        if [r.eid for r in top] == state.published:
            return False
        tracks = await _tracks(ctx, top, 1)
        await ctx.publisher.publish(CHANNEL, {"type": "hot",
                                              "tracks": [hot_payload(t) for t in tracks]})
        state.published = [r.eid for r in top]
        return True


async def _ranked(ctx: Context) -> list[HotScore]:
    state = hot_ranking(ctx)
    if not state.fresh():
        await _recompute(ctx, state)
    return state.rows


async def hot_tracks(ctx: Context, page: Window, *, since_post_id: int | None = None
                     ) -> HotPage:
    """A page of the ranking; `since_post_id` ranks only posts newer than that one (Openwhyd's
    `sinceId`) instead of the recent window."""
    wanted = page.skip + page.limit + 1
    if since_post_id is None and wanted <= CACHED:
        rows = (await _ranked(ctx))[page.skip:wanted]
    else:
        rows = await _query(ctx, after_id=since_post_id or 0, limit=page.limit + 1,
                            offset=page.skip)
    tracks = await _tracks(ctx, rows[:page.limit], page.skip + 1)
    return HotPage(tracks=tracks, has_more=len(rows) > page.limit)


def _schedule(ctx: Context, state: HotRanking) -> None:
    """One trailing recompute when the cached ranking expires."""
    if state.timer is not None or (state.task is not None and not state.task.done()):
        return
    loop = asyncio.get_running_loop()
    delay = max(0.0, state.computed_at + state.ttl - loop.time())

    def fire() -> None:
        state.timer = None
        state.task = loop.create_task(_trailing(ctx))

    state.timer = loop.call_later(delay, fire)


async def _trailing(ctx: Context) -> None:
    try:
        await refresh_hot(ctx)
    except Exception:  # noqa: BLE001 - e.g. the store closed at shutdown; the next call retries
        log.debug("hot ranking refresh failed", exc_info=True)


async def refresh_hot(ctx: Context) -> bool:
    """After a post, repost, deletion or like: push the ranking if it changed (now, or at the
    end of the cache period when it was computed a moment ago). True if it pushed now."""
    state = hot_ranking(ctx)
    if state.fresh():
        _schedule(ctx, state)
        return False
    return await _recompute(ctx, state)
