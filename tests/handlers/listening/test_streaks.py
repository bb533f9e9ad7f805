"""The listening-streak milestone push: recent plays that make the streak reach 7 days push
`{"type": "listening.streak", "days": 7}` on user:#<id> once; old plays do not."""

from __future__ import annotations

import time

from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn, TrackRef
from handlers.listening.streaks import streak_days
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.social.helpers import register_member

DAY = 86400
REF = TrackRef(name="Everything In Its Right Place", artist="Radiohead")


def played(at: float) -> PlayIn:
    return PlayIn(played_at=at, ms_played=60_000, track=REF, source="manual")


def test_a_streak_ends_today_or_yesterday():
    from datetime import date
    days = {"2025-01-01", "2025-01-02", "2025-01-03", "2025-01-05"}
    assert streak_days(days, date(2025, 1, 3)) == 3
    assert streak_days(days, date(2025, 1, 4)) == 3
    assert streak_days(days, date(2025, 1, 6)) == 1
    assert streak_days(days, date(2025, 1, 7)) == 0


async def test_the_seventh_day_pushes_the_milestone_once(client):
    ctx, who = ctx_of(client), await register_member(client, "alice")
    now = time.time()
    await record_plays(ctx, who.id, [played(now - DAY * d) for d in range(1, 7)])  # six days
    live = await RawCentrifuge.open(client, who.token, cookies=False)
    await record_plays(ctx, who.id, [played(now - 60)])  # the seventh
    channel = f"user:#{who.id}"
    assert (await live.next_push(channel))["pub"]["data"]["type"] == "listens.added"
    assert (await live.next_push(channel))["pub"]["data"] == {"type": "listening.streak",
                                                              "days": 7}
    await record_plays(ctx, who.id, [played(now - 30)])
    await record_plays(ctx, who.id, [played(now - 20)])
    # no second milestone push between the next two listens.added
    pushes = [(await live.next_push(channel))["pub"]["data"]["type"] for _ in range(2)]
    assert pushes == ["listens.added", "listens.added"]
    await live.close()


async def test_old_plays_make_no_streak_push(client):
    ctx, who = ctx_of(client), await register_member(client, "bob")
    live = await RawCentrifuge.open(client, who.token, cookies=False)
    long_ago = time.time() - 400 * DAY
    await record_plays(ctx, who.id, [played(long_ago + DAY * d) for d in range(10)])
    await record_plays(ctx, who.id, [played(time.time() - 60)])
    channel = f"user:#{who.id}"
    pushes = [(await live.next_push(channel))["pub"]["data"]["type"] for _ in range(2)]
    assert pushes == ["listens.added", "listens.added"]
    await live.close()


async def test_the_overviews_streak_counts_back_to_the_last_gap(client):
    # the store finds the streak's first day (the newest day whose day before has no plays)
    from handlers.listening.analytics import overview

    ctx, who = ctx_of(client), await register_member(client, "alice")
    now = time.time()
    ctx.clock = lambda: now
    length = 412
    await record_plays(ctx, who.id, [played(now - i * DAY) for i in range(length)])
    await record_plays(ctx, who.id, [played(now - (length + 3) * DAY)])  # after a gap
    user = await ctx.store.users.get(who.id)
    assert (await overview(ctx, user, "week")).streak_days == length
    short = [played(now - i * DAY) for i in range(5)]
    bob = await register_member(client, "bob")
    await record_plays(ctx, bob.id, short)
    assert (await overview(ctx, await ctx.store.users.get(bob.id), "week")).streak_days == 5
    # nothing played yet today: the run ending yesterday; nothing yesterday either: none
    for days_later, expected in ((1, 5), (2, 0)):
        ctx.clock = lambda days_later=days_later: now + days_later * DAY
        view = await overview(ctx, await ctx.store.users.get(bob.id), "week")
        assert view.streak_days == expected
