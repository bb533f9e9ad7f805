"""Located posts and now-playing updates read by bounding box, on the test run's store
(SQLite's R*Trees, or PostgreSQL's (latitude, longitude) indexes behind the *_geo views):
moving, clearing and deleting keep the box reads right."""

from __future__ import annotations

import time
from typing import Any

PARIS = (48.8566, 2.3522)
LYON = (45.764, 4.8357)
AROUND_PARIS = (48.0, 49.5, 1.5, 3.5)  # min_lat, max_lat, min_lon, max_lon


async def _user(store: Any, username: str) -> Any:
    return await store.users.create(username=username, email=f"{username}@example.com")


async def _located_post(store: Any, user: Any, place: tuple[float, float] | None) -> Any:
    lat, lon = place if place else (None, None)
    return await store.posts.create(user_id=user.id, link="https://youtu.be/x", eid="/yt/x",
                                    latitude=lat, longitude=lon)


async def test_posts_inside_the_box_only(store):
    ada = await _user(store, "ada")
    paris = await _located_post(store, ada, PARIS)
    await _located_post(store, ada, LYON)
    await _located_post(store, ada, None)
    assert [p.id for p in await store.posts.in_box(*AROUND_PARIS)] == [paris.id]
    edge = await _located_post(store, ada, (48.0, 3.5))  # on the box's border: inside
    assert {p.id for p in await store.posts.in_box(*AROUND_PARIS)} == {paris.id, edge.id}


async def test_a_moved_or_deleted_post_leaves_the_box(store):
    ada = await _user(store, "ada")
    post = await _located_post(store, ada, LYON)
    assert await store.posts.in_box(*AROUND_PARIS) == []
    await store.posts.update(post.id, latitude=PARIS[0], longitude=PARIS[1])
    assert [p.id for p in await store.posts.in_box(*AROUND_PARIS)] == [post.id]
    await store.posts.update(post.id, latitude=None, longitude=None)
    assert await store.posts.in_box(*AROUND_PARIS) == []
    await store.posts.update(post.id, latitude=PARIS[0], longitude=PARIS[1])
    await store.posts.delete(post.id)
    assert await store.posts.in_box(*AROUND_PARIS) == []


async def test_now_playing_inside_the_box_and_newer_than_since(store):
    ada, bob = await _user(store, "ada"), await _user(store, "bob")
    first = await store.listening.add_now_playing(ada.id, "https://youtu.be/a", "", *PARIS,
                                                  "u09tvw")
    await store.listening.add_now_playing(bob.id, "https://youtu.be/b", "", *LYON, "u05kq")
    await store.listening.add_now_playing(bob.id, "https://youtu.be/c", "", None, None, None)
    assert [n.id for n in await store.listening.in_box(*AROUND_PARIS)] == [first.id]
    assert await store.listening.in_box(*AROUND_PARIS, since=time.time() + 60) == []


async def test_an_erased_user_leaves_no_place_behind(store):
    ada = await _user(store, "ada")
    await store.listening.add_now_playing(ada.id, "https://youtu.be/a", "", *PARIS, "u09tvw")
    await store.users.erase(ada.id, {"state": "deleted"})
    assert await store.listening.in_box(*AROUND_PARIS) == []
    assert await store.listening.for_user(ada.id) == []
