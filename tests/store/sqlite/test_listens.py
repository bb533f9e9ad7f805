"""Listens in SQLite: dedup on (user, played_at, track), and daily rollups that always equal a
GROUP BY over the raw listens — after inserts, across batches, and after a rebuild."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from store.records import NewListen

DAY = 86_400.0
T0 = datetime(2025, 1, 13, 22, 30, tzinfo=UTC).timestamp()  # a Monday, 22:30 UTC

TRACKS = {
    "a": {"name": "Everything In Its Right Place", "artist_names": ["Radiohead"],
          "album_name": "Kid A", "genres": ["art rock", "electronic"]},
    "b": {"name": "Idioteque", "artist_names": ["Radiohead", "Someone"], "album_name": "Kid A",
          "genres": ["art rock"]},
    "c": {"name": "Untitled", "artist_names": [], "album_name": "", "genres": []},
}


async def _setup(store: Any) -> tuple[int, int, dict[str, Any]]:
    alice = await store.users.create(username="alice", email="alice@example.com")
    bob = await store.users.create(username="bob", email="bob@example.com")
    items = {}
    for key, fields in TRACKS.items():
        items[key] = await store.catalog.upsert("spotify", "track", key, url=f"u:{key}",
                                                eid=f"/sp/{key}", **fields)
    return alice.id, bob.id, items


def _listen(user_id: int, at: float, track: Any, ms: int = 200_000) -> NewListen:
    return NewListen(user_id=user_id, played_at=at, ms_played=ms, track_id=track.id,
                     source="manual")


def _expected(listens: list[NewListen], items: dict[str, Any], user_id: int) -> dict[str, Any]:
    """The rollups as a plain GROUP BY over the listens would give them, in Python."""
    by_id = {item.id: item for item in items.values()}
    days: Counter[Any] = Counter()
    tracks: Counter[Any] = Counter()
    artists: Counter[Any] = Counter()
    albums: Counter[Any] = Counter()
    genres: Counter[Any] = Counter()
    hours: Counter[Any] = Counter()
    for x in listens:
        if x.user_id != user_id:
            continue
        when = datetime.fromtimestamp(x.played_at, UTC)
        day, item = when.strftime("%Y-%m-%d"), by_id[x.track_id]
        days[day] += 1
        tracks[(day, str(x.track_id))] += 1
        hours[(day, when.hour)] += 1
        if item.artist_names:
            artists[(day, item.artist_names[0])] += 1
        if item.album_name:
            albums[(day, item.album_name)] += 1
        for genre in item.genres:
            genres[(day, genre)] += 1
    return {"days": days, "tracks": tracks, "artists": artists, "albums": albums,
            "genres": genres, "hours": hours}


async def _rollups(store: Any, user_id: int) -> dict[str, Any]:
    """What the store's rollups say, in the same shape (summed per key over each day)."""
    days = Counter({d.day: d.plays for d in await store.listens.days(user_id)})
    hours = Counter({(h.day, h.hour): h.plays for h in await store.listens.hours(user_id)})
    out: dict[str, Any] = {"days": days, "hours": hours}
    for dimension, name in (("track", "tracks"), ("artist", "artists"), ("album", "albums"),
                            ("genre", "genres")):
        per_day: Counter[Any] = Counter()
        for day in days:
            top, _ = await store.listens.top(user_id, dimension, day, limit=1000)
            later, _ = await store.listens.top(user_id, dimension, _next(day), limit=1000)
            later_plays = {c.key: c.plays for c in later}
            for c in top:
                if c.plays - later_plays.get(c.key, 0):
                    per_day[(day, c.key)] = c.plays - later_plays.get(c.key, 0)
        out[name] = per_day
    return out


def _next(day: str) -> str:
    when = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() + DAY
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d")


async def test_a_repeated_play_is_stored_once_and_counted_once(store):
    alice, bob, items = await _setup(store)
    first = [_listen(alice, T0, items["a"]), _listen(alice, T0 + 300, items["b"])]
    assert await store.listens.add_many(first) == 2
    again = [_listen(alice, T0, items["a"]), _listen(alice, T0 + 600, items["a"])]
    assert await store.listens.add_many(again) == 1
    assert await store.listens.count(alice) == 3
    assert await store.listens.totals(alice) == (3, 600_000)
    # the same moment and track for another person is another listen
    assert await store.listens.add_many([_listen(bob, T0, items["a"])]) == 1
    assert await store.listens.totals(alice) == (3, 600_000)


async def test_rollups_equal_a_group_by_over_the_listens_after_inserts_and_a_rebuild(store):
    alice, bob, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 2_000, items["abc"[i % 3]]) for i in range(40)]
    listens += [_listen(bob, T0 + i * 7_000, items["a"]) for i in range(5)]
    # in three batches, one crossing users, one repeating rows already stored
    assert await store.listens.add_many(listens[:15]) == 15
    assert await store.listens.add_many(listens[10:30] + listens[40:]) == 20
    assert await store.listens.add_many(listens[25:40]) == 10
    expected = _expected(listens, items, alice)
    assert expected["days"] and len(expected["days"]) >= 2  # the listens span midnight UTC
    assert await _rollups(store, alice) == expected
    assert await _rollups(store, bob) == _expected(listens, items, bob)

    # a rebuild gives the same, from the listens alone
    assert await store.listens.rebuild(alice) == len(expected["days"])
    assert await _rollups(store, alice) == expected
    status = await store.listens.status(alice)
    assert (status.total_days, status.rolled_plays, status.listens) == (
        len(expected["days"]), 40, 40)
    assert status.last_date == max(expected["days"])


async def _all_time(store: Any, user_id: int) -> dict[str, Any]:
    """What the store's all-time rollups say: every key of each dimension, weekday x hour."""
    out: dict[str, Any] = {}
    for dimension in ("track", "artist", "album", "genre"):
        top, total = await store.listens.top(user_id, dimension, limit=1000)
        assert total == len(top)
        out[dimension] = Counter({c.key: c.plays for c in top})
    out["weekday_hours"] = Counter({(w.weekday, w.hour): w.plays
                                    for w in await store.listens.weekday_hours(user_id)})
    return out


def _expected_all_time(listens: list[NewListen], items: dict[str, Any], user_id: int
                       ) -> dict[str, Any]:
    """The all-time rollups as a GROUP BY over the listens would give them, in Python."""
    by_day = _expected(listens, items, user_id)
    out: dict[str, Any] = {}
    for dimension, name in (("track", "tracks"), ("artist", "artists"), ("album", "albums"),
                            ("genre", "genres")):
        out[dimension] = Counter()
        for (_, key), plays in by_day[name].items():
            out[dimension][key] += plays
    out["weekday_hours"] = Counter()
    for x in listens:
        if x.user_id == user_id:
            when = datetime.fromtimestamp(x.played_at, UTC)
            out["weekday_hours"][(when.weekday(), when.hour)] += 1
    return out


async def test_all_time_rollups_equal_a_group_by_after_inserts_and_a_rebuild(store):
    alice, bob, items = await _setup(store)
    # three days, every weekday-hour crossing midnight UTC; batches repeat stored rows
    listens = [_listen(alice, T0 + i * 3_700, items["abc"[i % 3]], ms=1_000 * i + 30_000)
               for i in range(70)]
    listens += [_listen(bob, T0 + i * 5_000, items["b"]) for i in range(4)]
    assert await store.listens.add_many(listens[:30]) == 30
    assert await store.listens.add_many(listens[20:50] + listens[70:]) == 24
    assert await store.listens.add_many(listens[:70]) == 20
    expected = _expected_all_time(listens, items, alice)
    assert len(expected["weekday_hours"]) > 24  # more than one weekday
    assert await _all_time(store, alice) == expected
    assert await _all_time(store, bob) == _expected_all_time(listens, items, bob)
    # milliseconds too: the all-time track sums equal the listens'
    top, _ = await store.listens.top(alice, "track")
    assert {c.key: c.ms for c in top} == {
        str(items[k].id): sum(x.ms_played for x in listens[:70] if x.track_id == items[k].id)
        for k in "abc"}
    await store.listens.rebuild(alice)
    assert await _all_time(store, alice) == expected
    assert await _all_time(store, bob) == _expected_all_time(listens, items, bob)


async def test_a_rebuild_over_many_months_counts_every_listen_once(store):
    # a rebuild reads the listens a window of days at a time: a year of listens crosses several
    alice, bob, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 37 * DAY + i * 1_000, items["abc"[i % 3]]) for i in range(11)]
    listens += [_listen(bob, T0 + 5 * DAY, items["a"])]
    assert await store.listens.add_many(listens) == 12
    expected = _expected(listens, items, alice)
    assert await _rollups(store, alice) == expected
    assert await store.listens.rebuild(alice) == 11
    assert await _rollups(store, alice) == expected
    assert await _all_time(store, alice) == _expected_all_time(listens, items, alice)
    assert await _rollups(store, bob) == _expected(listens, items, bob)  # untouched


async def test_weekday_hours_of_a_period_equal_a_group_by_over_its_listens(store):
    alice, bob, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 3_700, items["abc"[i % 3]]) for i in range(70)]
    listens += [_listen(bob, T0 + DAY, items["b"])]
    assert await store.listens.add_many(listens) == 71
    since = datetime.fromtimestamp(T0 + DAY, UTC).strftime("%Y-%m-%d")
    expected: Counter[Any] = Counter()
    for x in listens:
        when = datetime.fromtimestamp(x.played_at, UTC)
        if x.user_id == alice and when.strftime("%Y-%m-%d") >= since:
            expected[(when.weekday(), when.hour)] += 1
    assert 0 < sum(expected.values()) < 70
    rows = await store.listens.weekday_hours(alice, since)
    assert Counter({(w.weekday, w.hour): w.plays for w in rows}) == expected


async def test_a_page_of_a_top_past_its_end_still_counts_every_key(store):
    alice, _, items = await _setup(store)
    await store.listens.add_many([_listen(alice, T0 + i, items["abc"[i % 3]]) for i in range(6)])
    assert await store.listens.top(alice, "track", limit=2, offset=10) == ([], 3)
    assert len((await store.listens.top(alice, "track", limit=2))[0]) == 2


async def test_a_rebuild_follows_what_the_catalog_says_now(store):
    alice, _, items = await _setup(store)
    await store.listens.add_many([_listen(alice, T0, items["c"])])
    assert (await store.listens.top(alice, "artist"))[1] == 0
    await store.catalog.upsert("spotify", "track", "c", url="u:c", eid="/sp/c",
                               artist_names=["Björk"])
    await store.listens.rebuild(alice)
    top, total = await store.listens.top(alice, "artist")
    assert total == 1 and top[0].key == "Björk" and top[0].plays == 1


async def test_history_pages_newest_first_with_filters(store):
    alice, bob, items = await _setup(store)
    await store.listens.add_many([_listen(alice, T0 + i * 100, items["abc"[i % 3]])
                                  for i in range(9)])
    await store.listens.add_many([_listen(bob, T0, items["a"])])
    page, total = await store.listens.page(alice, limit=4)
    assert total == 9 and [x.played_at for x in page] == [T0 + i * 100 for i in (8, 7, 6, 5)]
    only_b, total_b = await store.listens.page(alice, track="idiot")
    assert total_b == 3 and {x.track_id for x in only_b} == {items["b"].id}
    by_artist, total_artist = await store.listens.page(alice, artist="radio", start=T0 + 150,
                                                      end=T0 + 700)
    assert total_artist == 3 and all(T0 + 150 <= x.played_at < T0 + 700 for x in by_artist)
    assert (await store.listens.page(alice, artist="100%"))[1] == 0


async def test_tops_gives_every_dimension_as_top_does(store):
    alice, bob, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 3_700, items["abc"[i % 3]], ms=1_000 * i + 30_000)
               for i in range(40)]
    await store.listens.add_many(listens + [_listen(bob, T0, items["b"])])
    later = _next(datetime.fromtimestamp(T0, UTC).strftime("%Y-%m-%d"))
    for since in ("", later):
        tops = await store.listens.tops(alice, since, limit=2)
        assert set(tops) == {"track", "artist", "album", "genre"}
        for dimension, answer in tops.items():
            assert answer == await store.listens.top(alice, dimension, since, limit=2)
        assert tops["genre"][1] == 2 and tops["track"][1] == 3  # counted past the limit



async def test_tops_of_many_tracks_with_ties_at_the_cut_match_top(store):
    # more groups than the first few: those with fewer plays than the limit-th are left out
    # before sorting, and ties on plays at the cut are ordered by time then key as top does
    alice, _, _ = await _setup(store)
    tracks = [await store.catalog.upsert("spotify", "track", f"t{i}", url=f"u:t{i}", eid=f"/sp/t{i}",
                                         name=f"T{i}", artist_names=[f"A{i % 7}"],
                                         album_name=f"B{i % 11}", genres=[f"g{i % 13}"])
              for i in range(60)]
    listens = [_listen(alice, T0 + n * 400, tracks[i], ms=200_000 + (i % 4) * 1_000)
               for n, i in enumerate(i for i in range(60) for _ in range(1 + i % 3))]
    await store.listens.add_many(listens)
    tops = await store.listens.tops(alice, "", limit=5)
    for dimension, answer in tops.items():
        assert answer == await store.listens.top(alice, dimension, "", limit=5)
    assert tops["track"][1] == 60 and len(tops["track"][0]) == 5

async def test_per_day_track_rows_are_kept_from_detail_since_and_the_rest_is_whole(store):
    # an import of old history: per-day track sums only from `detail_since`; days, hours and
    # all-time sums still count every listen
    alice, _, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 20_000, items["abc"[i % 3]]) for i in range(30)]
    detail = datetime.fromtimestamp(T0 + 3 * DAY, UTC).strftime("%Y-%m-%d")
    assert await store.listens.add_many(listens[:17], detail) == 17
    assert await store.listens.add_many(listens[10:], detail) == 13
    expected = _expected(listens, items, alice)
    rollups = await _rollups(store, alice)
    assert rollups["days"] == expected["days"] and rollups["hours"] == expected["hours"]
    for name in ("tracks", "artists", "albums", "genres"):
        assert rollups[name] == Counter({k: v for k, v in expected[name].items() if k[0] >= detail})
        assert any(k[0] < detail for k in expected[name])  # some days were left out
    assert await _all_time(store, alice) == _expected_all_time(listens, items, alice)
    rows = await store.db.fetch_all("SELECT MIN(day) FROM listen_day_tracks WHERE user_id = ?",
                                    (alice,))
    assert rows[0][0] >= detail
    # a rebuild keeps the same cut
    await store.listens.rebuild(alice, detail)
    assert await _rollups(store, alice) == rollups


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


async def test_recent_sums_move_with_detail_since_and_periods_stay_exact(store):
    # recent track sums start at the first detail day; a later write a week or more further
    # on moves them (days before it leave the sums and their per-day rows are dropped)
    alice, bob, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 30_000, items["abc"[i % 5 % 3]]) for i in range(200)]
    first, moved = _day(T0), _day(T0 + 20 * DAY)
    assert await store.listens.add_many(listens[:100], first) == 100
    await store.listens.add_many([_listen(bob, T0, items["a"])], first)
    assert (await store.db.fetch_one("SELECT since FROM listen_recent WHERE user_id = ?",
                                     (alice,)))[0] == first
    assert await store.listens.add_many(listens[100:], moved) == 100
    assert (await store.db.fetch_one("SELECT since FROM listen_recent WHERE user_id = ?",
                                     (alice,)))[0] == moved
    assert (await store.db.fetch_one("SELECT MIN(day) FROM listen_day_tracks WHERE user_id = ?",
                                     (alice,)))[0] == moved
    per_day = _expected(listens, items, alice)["tracks"]
    last = _day(listens[-1].played_at)
    # periods starting at, just after, and well after the recent sums' first day
    for since in (moved, _next(moved), _day(T0 + 45 * DAY), last):
        expected = Counter()
        for (day, key), plays in per_day.items():
            if day >= since:
                expected[key] += plays
        top, total = await store.listens.top(alice, "track", since, limit=1000)
        assert {c.key: c.plays for c in top} == expected and total == len(expected)
        assert (await store.listens.tops(alice, since, limit=1000))["track"] == (top, total)
    # bob's sums did not move (nothing of his was written since)
    assert (await store.db.fetch_one("SELECT since FROM listen_recent WHERE user_id = ?",
                                     (bob,)))[0] == first
    assert await _all_time(store, alice) == _expected_all_time(listens, items, alice)


async def test_a_batch_older_than_detail_since_skips_the_per_day_track_rows(store):
    # an import's old batches: no per-day track rows and no recent sums, every other rollup
    # whole; the first batch reaching `detail_since` starts the recent sums there
    alice, _, items = await _setup(store)
    listens = [_listen(alice, T0 + i * 20_000, items["abc"[i % 3]]) for i in range(40)]
    detail = _day(T0 + 5 * DAY)
    old = [x for x in listens if x.played_at < T0 + 4 * DAY]
    assert await store.listens.add_many(old, detail) == len(old)
    for table in ("listen_day_tracks", "listen_recent", "listen_recent_tracks"):
        row = await store.db.fetch_one(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (alice,))
        assert row[0] == 0, table
    assert await store.listens.add_many(listens[len(old):], detail) == len(listens) - len(old)
    assert (await store.db.fetch_one("SELECT since FROM listen_recent WHERE user_id = ?",
                                     (alice,)))[0] == detail
    expected = _expected(listens, items, alice)
    rollups = await _rollups(store, alice)
    assert rollups["days"] == expected["days"] and rollups["hours"] == expected["hours"]
    assert rollups["tracks"] == Counter({k: v for k, v in expected["tracks"].items()
                                         if k[0] >= detail})
    assert await _all_time(store, alice) == _expected_all_time(listens, items, alice)
    # the year from `detail` on, read from the recent sums, counts the listens from there
    top, total = await store.listens.top(alice, "track", detail, limit=10)
    assert sum(c.plays for c in top) == sum(1 for x in listens if _day(x.played_at) >= detail)
