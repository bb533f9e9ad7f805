"""The listens reads ListenBrainz's `/listens` uses: `between` (half-open time bounds, newest
first, the listens just after `since` when only it is given) and `span`."""

from __future__ import annotations

from typing import Any

from store.records import NewListen

T0 = 1_700_000_000.0


async def _listens(store: Any) -> tuple[int, int]:
    ada = await store.users.create(username="ada", email="ada@example.com")
    bob = await store.users.create(username="bob", email="bob@example.com")
    track = await store.catalog.upsert("spotify", "track", "a", url="u:a", eid="/sp/a", name="A")
    await store.listens.add_many(
        [NewListen(user_id=ada.id, played_at=T0 + 10 * i, ms_played=60_000, track_id=track.id,
                   source="manual") for i in range(5)]
        + [NewListen(user_id=bob.id, played_at=T0 + 5, ms_played=60_000, track_id=track.id,
                     source="manual")])
    return ada.id, bob.id


def _at(listens: list[Any]) -> list[float]:
    return [x.played_at - T0 for x in listens]


async def test_between_pages_by_time_newest_first(store):
    ada, bob = await _listens(store)
    assert _at(await store.listens.between(ada)) == [40, 30, 20, 10, 0]
    assert _at(await store.listens.between(ada, limit=2)) == [40, 30]
    assert _at(await store.listens.between(ada, before=T0 + 20)) == [10, 0]
    assert _at(await store.listens.between(ada, since=T0 + 10, limit=2)) == [20, 10]
    assert _at(await store.listens.between(ada, since=T0 + 10, before=T0 + 40)) == [30, 20, 10]
    assert _at(await store.listens.between(bob)) == [5]


async def test_span_is_the_oldest_and_newest_play(store):
    ada, _ = await _listens(store)
    assert await store.listens.span(ada) == (T0, T0 + 40)
    nobody = await store.users.create(username="cy", email="cy@example.com")
    assert await store.listens.span(nobody.id) is None
