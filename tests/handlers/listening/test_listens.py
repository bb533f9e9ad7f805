"""record_plays: which plays become listens, and which catalog track each one is."""

from __future__ import annotations

import time

from handlers.listening.listens import record_plays
from handlers.listening.plays import PlayIn, TrackRef
from handlers.listening.tracks import local_id
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.social.helpers import register_member

NOW = time.time()


def play(ref: TrackRef, at: float, ms: int = 60_000) -> PlayIn:
    return PlayIn(played_at=at, ms_played=ms, track=ref, source="manual")


async def test_short_plays_and_plays_without_a_track_are_dropped(client):
    ctx, who = ctx_of(client), await register_member(client, "alice")
    ref = TrackRef(spotify_uri="spotify:track:4uLU6hMCjMI75M1A2tKUQC", name="Song")
    result = await record_plays(ctx, who.id, [
        play(ref, NOW - 100, ms=29_999), play(ref, NOW - 50, ms=30_000),
        play(TrackRef(), NOW - 10), play(TrackRef(spotify_uri="spotify:album:xyz"), NOW)])
    assert (result.inserted, result.duplicates, result.dropped) == (1, 0, 3)
    assert await ctx.store.listens.count(who.id) == 1


async def test_a_spotify_uri_is_the_spotify_catalog_track_created_once(client):
    ctx, who = ctx_of(client), await register_member(client, "alice")
    ref = TrackRef(spotify_uri="spotify:track:2kRFrWaLWifQkBFasAWgMo",
                   name="Everything In Its Right Place", artist="Radiohead", album="Kid A",
                   duration_ms=250_000)
    first = await record_plays(ctx, who.id, [play(ref, NOW - 600), play(ref, NOW - 300)])
    again = await record_plays(ctx, who.id, [play(ref, NOW - 300), play(ref, NOW - 1)])
    assert (first.inserted, again.inserted, again.duplicates) == (2, 1, 1)
    item = await ctx.store.catalog.find("spotify", "track", "2kRFrWaLWifQkBFasAWgMo")
    assert (item.name, item.artist_names, item.album_name, item.duration_ms) == (
        "Everything In Its Right Place", ["Radiohead"], "Kid A", 250_000)
    assert item.url == "https://open.spotify.com/track/2kRFrWaLWifQkBFasAWgMo"
    listens, total = await ctx.store.listens.page(who.id)
    assert total == 3 and {x.track_id for x in listens} == {item.id}


async def test_names_find_the_catalog_track_else_a_local_one(client):
    ctx, who = ctx_of(client), await register_member(client, "alice")
    known = await ctx.store.catalog.upsert("spotify", "track", "3EYHN9PZiFaz5tEspCPPDr",
                                           url="u", eid="/sp/3EYHN9PZiFaz5tEspCPPDr",
                                           name="Paranoid Android", artist_names=["Radiohead"])
    plays = [play(TrackRef(name="paranoid android", artist="RADIOHEAD"), NOW - 900),
             play(TrackRef(name="Paranoid Android", artist="Someone Else"), NOW - 600),
             play(TrackRef(name="Paranoid Android", artist="Someone Else"), NOW - 300)]
    result = await record_plays(ctx, who.id, plays)
    assert result.inserted == 3
    local = await ctx.store.catalog.find("local", "track",
                                         local_id("Someone Else", "Paranoid Android"))
    assert local is not None and local.artist_names == ["Someone Else"]
    listens, _ = await ctx.store.listens.page(who.id)
    assert [x.track_id for x in listens] == [local.id, local.id, known.id]
    # the same names later land on the same local track, found in the catalog or the cache
    ctx.listening_state.track_ids.clear()
    await record_plays(ctx, who.id, [play(TrackRef(name="PARANOID ANDROID",
                                                   artist="someone else"), NOW)])
    newest, _ = await ctx.store.listens.page(who.id, limit=1)
    assert newest[0].track_id == local.id


async def test_listens_are_rolled_up_as_they_arrive(client):
    ctx, who = ctx_of(client), await register_member(client, "alice")
    ref = TrackRef(spotify_uri="spotify:track:2kRFrWaLWifQkBFasAWgMo", name="E",
                   artist="Radiohead", album="Kid A")
    await record_plays(ctx, who.id, [play(ref, NOW - 3600 * i) for i in range(5)])
    status = await ctx.store.listens.status(who.id)
    assert status.rolled_plays == status.listens == 5
    top, total = await ctx.store.listens.top(who.id, "artist")
    assert total == 1 and (top[0].key, top[0].plays) == ("Radiohead", 5)


async def test_one_push_per_call_with_the_count_and_the_newest_listen(client):
    ctx, who = ctx_of(client), await register_member(client, "alice")
    live = await RawCentrifuge.open(client, who.token, cookies=False)
    ref = TrackRef(spotify_uri="spotify:track:2kRFrWaLWifQkBFasAWgMo", name="E",
                   artist="Radiohead")
    await record_plays(ctx, who.id, [play(ref, NOW - 60 * i) for i in range(50)])
    push = (await live.next_push(f"user:#{who.id}"))["pub"]["data"]
    assert push["type"] == "listens.added" and push["count"] == 50
    assert push["newest"]["played_at"] == NOW and push["newest"]["track"]["name"] == "E"
    # nothing new, nothing pushed: the next push is the next call's
    await record_plays(ctx, who.id, [play(ref, NOW)])
    await record_plays(ctx, who.id, [play(ref, NOW + 1)])
    push = (await live.next_push(f"user:#{who.id}"))["pub"]["data"]
    assert push["count"] == 1 and push["newest"]["played_at"] == NOW + 1
    await live.close()


async def test_plays_older_than_any_period_count_all_time_and_in_no_period(client):
    # per-day track sums are only written for the days a period can still reach
    from handlers.listening.analytics import overview
    from handlers.listening.periods import detail_since, since_day

    ctx, who = ctx_of(client), await register_member(client, "alice")
    now = NOW
    ctx.clock = lambda: now
    assert detail_since(now) < since_day("year", now)
    old = TrackRef(spotify_uri="spotify:track:0ldTrack00000000000000", name="Old", artist="A")
    new = TrackRef(spotify_uri="spotify:track:NewTrack00000000000000", name="New", artist="B")
    result = await record_plays(ctx, who.id, [play(old, now - 400 * 86_400),
                                              play(old, now - 399 * 86_400), play(new, now - 60)])
    assert result.inserted == 3
    user = await ctx.store.users.get(who.id)
    year = await overview(ctx, user, "year")
    assert (year.plays, [t.track.name for t in year.top_tracks], year.unique_artists) == (
        1, ["New"], 1)
    ever = await overview(ctx, user, "all_time")
    assert (ever.plays, [t.track.name for t in ever.top_tracks]) == (3, ["Old", "New"])
    assert [a.name for a in ever.top_artists] == ["A", "B"]
