"""Streams, user lists and hot tracks in the domain (handlers.social.feeds, handlers.social.hot): who is in a
stream, paging by post id, and hot scoring (reposts, likes, one entry per eId, the first poster,
ctx "hot" ignored, the window and the decay), with the `hot` channel pushed on changes."""

from __future__ import annotations

import time
from typing import Any

import pytest

import store.sqlite.posts
from handlers import paging
from handlers.errors import Invalid, NotFound
from handlers.identity import accounts
from handlers.identity.auth import Principal
from handlers.social import feeds, hot
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge

DAY = 86400.0


async def people(ctx: Any, *usernames: str) -> list[Principal]:
    return [await person(ctx, n) for n in usernames]


async def person(ctx: Any, username: str) -> Principal:
    user = await accounts.register(ctx, username=username, email=f"{username}@example.com",
                                   password=STRONG_PASSWORD, name=username.capitalize())
    return Principal(user=user, session_id="")


async def post(context: Any, who: Principal, track: str, **fields: Any) -> Any:
    return await context.store.posts.create(
        user_id=who.user.id, link=f"https://www.youtube.com/watch?v={track}", eid=f"/yt/{track}",
        name=fields.pop("name", f"track {track}"), **fields)


async def names(ctx: Any, page: hot.HotPage | None = None) -> list[str]:
    page = page or await hot.hot_tracks(ctx, paging.window(limit=20))
    return [t.first.post.name for t in page.tracks]


@pytest.fixture
async def ctx(client: Any) -> Any:
    ctx = ctx_of(client)
    hot.hot_ranking(ctx).ttl = 0  # every read ranks again: the tests change posts between reads
    return ctx


# ---- streams and lists -----------------------------------------------------------------------


async def test_the_stream_holds_followed_users_posts_and_ones_own_newest_first(ctx):
    ann, bob, cat = await people(ctx, "ann", "bob", "cat")
    await ctx.store.follows.follow(ann.user.id, bob.user.id)
    mine = await post(ctx, ann, "a1")
    followed = await post(ctx, bob, "b1")
    await post(ctx, cat, "c1")  # not followed: not in ann's stream
    latest = await post(ctx, bob, "b2")
    views = await feeds.stream(ctx, ann, paging.cursor())
    assert [v.post.id for v in views] == [latest.id, followed.id, mine.id]
    assert views[0].author_name == "Bob"


async def test_the_stream_pages_by_post_id_both_ways(ctx):
    ann = await person(ctx, "ann")
    ids = [(await post(ctx, ann, f"t{i}")).id for i in range(5)]
    first = await feeds.stream(ctx, ann, paging.cursor(limit=2))
    assert [v.post.id for v in first] == [ids[4], ids[3]]
    older = await feeds.stream(ctx, ann, paging.cursor(limit=2, after=ids[3]))
    assert [v.post.id for v in older] == [ids[2], ids[1]]
    newer = await feeds.stream(ctx, ann, paging.cursor(limit=10, before=ids[2]))
    assert [v.post.id for v in newer] == [ids[4], ids[3]]
    assert await feeds.stream(ctx, ann, paging.cursor(after=ids[0])) == []


async def test_an_unfollowed_user_leaves_the_stream(ctx):
    ann, bob = await person(ctx, "ann"), await person(ctx, "bob")
    await ctx.store.follows.follow(ann.user.id, bob.user.id)
    await post(ctx, bob, "b1")
    assert len(await feeds.stream(ctx, ann, paging.cursor())) == 1
    await ctx.store.follows.unfollow(ann.user.id, bob.user.id)
    assert await feeds.stream(ctx, ann, paging.cursor()) == []


async def test_a_playlist_keeps_its_set_order_and_pages_within_it(ctx):
    ann = await person(ctx, "ann")
    playlist = await ctx.store.collections.create(ann.user.id, "mix")
    ids = [(await post(ctx, ann, f"p{i}", collection_id=playlist.id)).id for i in range(3)]
    await post(ctx, ann, "loose")  # on the profile, not in the playlist
    await ctx.store.collections.set_order(playlist.id, [ids[1], ids[2], ids[0]])
    views = await feeds.playlist_posts(ctx, None, ann.user.id, playlist.number, paging.cursor())
    assert [v.post.id for v in views] == [ids[1], ids[2], ids[0]]
    after = await feeds.playlist_posts(ctx, None, ann.user.id, playlist.number,
                                       paging.cursor(after=ids[1], limit=1))
    assert [v.post.id for v in after] == [ids[2]]
    with pytest.raises(NotFound):
        await feeds.playlist_posts(ctx, None, ann.user.id, 7, paging.cursor())


async def test_a_private_playlist_lists_for_its_owner_and_collaborators_only(ctx):
    ann, bob, cy = await person(ctx, "ann"), await person(ctx, "bob"), await person(ctx, "cy")
    playlist = await ctx.store.collections.create(ann.user.id, "secret", is_public=False)
    await post(ctx, ann, "hidden", collection_id=playlist.id)
    await ctx.store.collections.add_collaborator(playlist.id, bob.user.id, "view", ann.user.id)
    for viewer in (ann, bob):
        views = await feeds.playlist_posts(ctx, viewer, ann.user.id, playlist.number,
                                           paging.cursor())
        assert [v.post.name for v in views] == ["track hidden"]
    for stranger in (cy, None):
        with pytest.raises(NotFound):
            await feeds.playlist_posts(ctx, stranger, ann.user.id, playlist.number,
                                       paging.cursor())


async def test_posts_in_a_private_collection_show_only_to_its_owner_and_collaborators(ctx):
    ann, bob, cy = await person(ctx, "ann"), await person(ctx, "bob"), await person(ctx, "cy")
    secret = await ctx.store.collections.create(ann.user.id, "secret", is_public=False)
    hidden = await post(ctx, ann, "hidden", collection_id=secret.id)
    shown = await post(ctx, ann, "shown")
    await ctx.store.collections.add_collaborator(secret.id, bob.user.id, "view", ann.user.id)
    for who in (ann, bob, cy):
        await ctx.store.posts.react(hidden.id, who.user.id, "like")
        await ctx.store.posts.react(shown.id, who.user.id, "like")
        await ctx.store.follows.follow(who.user.id, ann.user.id)

    async def seen(who):
        stream = [v.post.id for v in await feeds.stream(ctx, who, paging.cursor())]
        profile = [v.post.id for v in await feeds.user_posts(ctx, who, ann.user.id,
                                                             paging.cursor())]
        likes = [v.post.id for v in await feeds.user_likes(ctx, who, who.user.id,
                                                           paging.cursor())]
        return stream, profile, likes

    everything = [hidden.id, shown.id][::-1]
    assert await seen(ann) == (everything, everything, everything)
    assert await seen(bob) == (everything, everything, everything)
    assert await seen(cy) == ([shown.id], [shown.id], [shown.id])
    anonymous = await feeds.user_posts(ctx, None, ann.user.id, paging.cursor())
    assert [v.post.id for v in anonymous] == [shown.id]


async def test_lists_of_unknown_users_are_not_found(ctx):
    for call in (feeds.user_posts, feeds.user_likes):
        with pytest.raises(NotFound):
            await call(ctx, None, 999, paging.cursor())


@pytest.mark.parametrize("raw", [
    {"limit": "0"}, {"limit": "-1"}, {"limit": "ten"}, {"after": "5c05b9675b1d901f32b6fe4b"},
    {"after": "-3"}, {"before": "1.5"}, {"after": str(2**64)},
])
def test_bad_paging_values_are_invalid(raw):
    with pytest.raises(Invalid) as caught:
        paging.cursor(**raw)
    assert caught.value.message.startswith("invalid parameter: ")


def test_a_huge_limit_is_lowered_to_the_maximum():
    assert paging.cursor(limit="1000000").limit == paging.MAX_LIMIT
    assert paging.window(skip="3", limit=None) == paging.Window(skip=3, limit=50)


# ---- hot tracks ------------------------------------------------------------------------------


async def test_hot_tracks_rank_reposted_tracks_first(ctx):
    ann, bob = await person(ctx, "ann"), await person(ctx, "bob")
    await post(ctx, ann, "A", name="regular")
    popular = await post(ctx, ann, "B", name="popular")
    await post(ctx, bob, "B", repost_of=popular.id, count_repost=True)
    assert await names(ctx) == ["popular", "regular"]
    top = (await hot.hot_tracks(ctx, paging.window(limit=1))).tracks[0]
    assert (top.score.posts, top.score.reposts, top.score.likes) == (2, 1, 0)


async def test_hot_tracks_rank_liked_tracks_first(ctx):
    ann, bob, cat = await people(ctx, "ann", "bob", "cat")
    await post(ctx, ann, "A", name="plain")
    liked = await post(ctx, ann, "B", name="liked")
    for fan in (bob, cat):
        await ctx.store.posts.react(liked.id, fan.user.id, "like")
    await ctx.store.posts.react(liked.id, ann.user.id, "dislike")  # dislikes add nothing
    page = await hot.hot_tracks(ctx, paging.window(limit=20))
    assert await names(ctx, page) == ["liked", "plain"]
    assert page.tracks[0].score.likes == 2


async def test_a_track_posted_by_several_users_is_one_entry_reported_by_its_first_poster(ctx):
    first, late = await person(ctx, "first"), await person(ctx, "late")
    original = await post(ctx, first, "B")
    await post(ctx, late, "B")
    page = await hot.hot_tracks(ctx, paging.window(limit=20))
    assert len(page.tracks) == 1
    track = page.tracks[0]
    assert track.first.post.id == original.id and track.first.post.user_id == first.user.id
    assert track.score.posts == 2


async def test_reposts_from_the_hot_page_do_not_count(ctx):
    ann, bob, cat = await people(ctx, "ann", "bob", "cat")
    await post(ctx, ann, "A", name="steady")
    await post(ctx, bob, "A", name="steady")
    viral = await post(ctx, ann, "B", name="viral")
    for fan in (bob, cat):
        await post(ctx, fan, "B", repost_of=viral.id, ctx="hot", count_repost=True)
    # counted, viral would score 1 + 2 * 2 = 5 against steady's 2
    assert await names(ctx) == ["steady", "viral"]


async def test_hot_tracks_page_with_skip_and_limit(ctx):
    ann = await person(ctx, "ann")
    for i, track in enumerate("ABC"):
        for _ in range(3 - i):
            await post(ctx, ann, track, name=track)
    page = await hot.hot_tracks(ctx, paging.window(skip=1, limit=1))
    assert await names(ctx, page) == ["B"] and page.has_more
    assert page.tracks[0].rank == 2
    last = await hot.hot_tracks(ctx, paging.window(skip=2, limit=5))
    assert await names(ctx, last) == ["C"] and not last.has_more
    assert (await hot.hot_tracks(ctx, paging.window(skip=9, limit=5))).tracks == []


async def test_hot_tracks_since_a_post_rank_only_newer_posts(ctx):
    ann = await person(ctx, "ann")
    a_posts = [await post(ctx, ann, "A", name="A") for _ in range(3)]
    for _ in range(2):
        await post(ctx, ann, "B", name="B")
    assert await names(ctx) == ["A", "B"]
    since_second = await hot.hot_tracks(ctx, paging.window(limit=20),
                                        since_post_id=a_posts[1].id)
    assert await names(ctx, since_second) == ["B", "A"]  # A keeps one post, B two
    since_third = await hot.hot_tracks(ctx, paging.window(limit=20),
                                       since_post_id=a_posts[2].id)
    assert await names(ctx, since_third) == ["B"]


async def test_posts_older_than_the_window_are_not_hot(ctx):
    ann = await person(ctx, "ann")
    await post(ctx, ann, "A")
    ctx.clock = lambda: time.time() + hot.HOT_WINDOW + DAY
    assert (await hot.hot_tracks(ctx, paging.window(limit=20))).tracks == []


async def test_older_activity_weighs_less(ctx, monkeypatch):
    ann = await person(ctx, "ann")

    class FourDaysAgo:
        @staticmethod
        def time() -> float:
            return time.time() - 4 * DAY

    monkeypatch.setattr(store.sqlite.posts, "time", FourDaysAgo)
    for _ in range(3):
        await post(ctx, ann, "A", name="last week's favourite")
    monkeypatch.undo()
    await post(ctx, ann, "B", name="today's")
    # 3 posts at 2 ** -4 each (0.19) against 1 post today
    assert await names(ctx) == ["today's", "last week's favourite"]


async def test_refresh_hot_pushes_on_the_hot_channel_only_when_the_ranking_changes(ctx, client):
    watcher = await RawCentrifuge.open(client, cookies=False)  # anyone may watch `hot`
    assert "error" not in await watcher.call("subscribe", {"channel": "hot"})
    ann, bob = await person(ctx, "ann"), await person(ctx, "bob")
    await post(ctx, ann, "A", name="first")
    assert await hot.refresh_hot(ctx) is True
    push = await watcher.next_push("hot")
    tracks = push["pub"]["data"]["tracks"]
    assert push["pub"]["data"]["type"] == "hot"
    assert [(t["rank"], t["name"], t["user_id"]) for t in tracks] == [(1, "first", ann.user.id)]
    assert await hot.refresh_hot(ctx) is False  # same order: nothing pushed
    b = await post(ctx, bob, "B", name="second")
    await ctx.store.posts.react(b.id, ann.user.id, "like")
    assert await hot.refresh_hot(ctx) is True
    tracks = (await watcher.next_push("hot"))["pub"]["data"]["tracks"]
    assert [t["name"] for t in tracks] == ["second", "first"] and tracks[0]["likes"] == 1
    await watcher.close()


async def test_refresh_hot_within_the_cache_period_defers_to_its_end(ctx):
    state = hot.hot_ranking(ctx)
    state.ttl = 60.0
    ann = await person(ctx, "ann")
    await post(ctx, ann, "A")
    assert await hot.refresh_hot(ctx) is True
    await post(ctx, ann, "B")
    assert await hot.refresh_hot(ctx) is False  # cached: one recompute is scheduled instead
    assert state.timer is not None
    timer = state.timer
    assert await hot.refresh_hot(ctx) is False and state.timer is timer  # only one
    timer.cancel()
