"""Collections in SQLite: migration 0040 on a database that had duplicate track orders, the
unique order index, set_order, collaborators and the visibility rules of `page`."""

from __future__ import annotations

import sqlite3

import pytest

import store.sqlite.db
from store import open_store


async def _post(s, user_id: int, name: str, **fields):
    return await s.posts.create(user_id=user_id, link=f"https://youtu.be/{name}",
                                eid=f"/yt/{name}", name=name, **fields)


async def test_migration_0040_renumbers_duplicate_orders_keeping_their_order(tmp_path,
                                                                             monkeypatch):
    every = store.sqlite.db.migrations()
    monkeypatch.setattr(store.sqlite.db, "migrations", lambda: [m for m in every if m[0] < 40])
    path = f"sqlite:///{tmp_path / 'old.db'}"
    old = open_store(path)
    await old.open()
    ann = await old.users.create(username="ann")
    mix = await old.collections.create(ann.id, "mix")
    a = await _post(old, ann.id, "a", collection_id=mix.id, track_order=2)
    b = await _post(old, ann.id, "b", collection_id=mix.id, track_order=2)
    c = await _post(old, ann.id, "c", collection_id=mix.id, track_order=5)
    loose = await _post(old, ann.id, "loose", collection_id=mix.id)
    await old.close()
    monkeypatch.setattr(store.sqlite.db, "migrations", lambda: every)
    new = open_store(path)
    await new.open()
    try:
        ordered = await new.posts.in_collection(mix.id)
        assert [(p.id, p.track_order) for p in ordered] == [(b.id, 1), (a.id, 2), (c.id, 3),
                                                            (loose.id, None)]
    finally:
        await new.close()


async def test_two_posts_of_a_collection_never_share_an_order(store):
    ann = await store.users.create(username="ann")
    mix = await store.collections.create(ann.id, "mix")
    a = await _post(store, ann.id, "a", collection_id=mix.id, track_order=1)
    with pytest.raises(sqlite3.IntegrityError):
        await _post(store, ann.id, "b", collection_id=mix.id, track_order=1)
    b = await _post(store, ann.id, "b", collection_id=mix.id)
    assert await store.collections.set_order(mix.id, [b.id, a.id]) == 2
    assert [p.id for p in await store.posts.in_collection(mix.id)] == [b.id, a.id]
    await store.collections.set_order(mix.id, [a.id])  # b loses its order, and follows
    assert [(p.id, p.track_order) for p in await store.posts.in_collection(mix.id)] == [
        (a.id, 1), (b.id, None)]
    empty = await store.collections.create(ann.id, "empty")
    both = await store.posts.in_collections([mix.id, empty.id])
    assert {k: [p.id for p in v] for k, v in both.items()} == {mix.id: [a.id, b.id], empty.id: []}


async def test_page_shows_public_collections_and_the_viewers_own_and_shared(store):
    ann = await store.users.create(username="ann")
    bob = await store.users.create(username="bob")
    gone = await store.users.create(username="gone", state="disabled")
    await store.collections.create(ann.id, "public", kind="album")
    private = await store.collections.create(ann.id, "private", is_public=False)
    await store.collections.create(gone.id, "of a disabled user")
    shared = await store.collections.create(ann.id, "shared", is_public=False)
    assert await store.collections.add_collaborator(shared.id, bob.id, "view", ann.id)
    assert await store.collections.add_collaborator(shared.id, bob.id, "edit", ann.id) is None

    async def titles(**query):
        found, total = await store.collections.page(**query)
        assert total == len(found)
        return [c.title for c in found]

    assert await titles() == ["public"]
    assert await titles(viewer_id=bob.id) == ["shared", "public"]
    assert await titles(viewer_id=bob.id, public_only=True) == ["public"]
    assert await titles(owner_id=ann.id) == ["shared", "private", "public"]
    assert await titles(owner_id=ann.id, kind="album") == ["public"]
    assert private.id not in [c.id for c in (await store.collections.page(viewer_id=bob.id))[0]]
    changed = await store.collections.set_collaborator(shared.id, bob.id, "edit")
    assert changed is not None and changed.permission == "edit"
    assert await store.collections.remove_collaborator(shared.id, bob.id)
    assert await store.collections.collaborators([shared.id]) == {shared.id: []}
