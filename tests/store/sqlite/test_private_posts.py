"""The store's visibility rule for posts filed in private collections (store/sqlite/_private.py)
on the reads that rank for everyone (hot tracks, recommendations) and those that take a viewer
(by user, by date, by link, in a box, counts), on a real SQLite file."""

from __future__ import annotations

import time

from store.records import Post


async def _scene(store):
    """ann files track "a" in her private collection (cid collaborates) and posts track "b"
    publicly; bob posts track "a" too and is the stranger. Returns (ann, bob, cid, secret, open)."""
    ann, bob, cid = [await store.users.create(username=n, email=f"{n}@example.com")
                     for n in ("ann", "bob", "cid")]
    items = [await store.catalog.upsert("spotify", "track", pid, url=f"https://open.spotify.com/"
                                        f"track/{pid}", eid=f"/sp/{pid}", name=pid,
                                        artist_names=["Nina"]) for pid in ("a", "b")]
    box = await store.collections.create(ann.id, "Secret", is_public=0)
    await store.collections.add_collaborator(box.id, cid.id, "view", ann.id)

    async def make(user, item, **fields) -> Post:
        return await store.posts.create(user_id=user.id, link=item.url, eid=item.eid,
                                        catalog_id=item.id, name=item.name, latitude=1.0,
                                        longitude=1.0, **fields)

    secret = await make(ann, items[0], collection_id=box.id)
    public = await make(ann, items[1])
    await make(bob, items[0])
    return ann, bob, cid, secret, public, items


async def test_viewer_aware_reads_leave_private_posts_to_members_and_admins(store):
    ann, bob, cid, secret, public, _ = await _scene(store)
    root = await store.users.create(username="root", email="root@example.com", role="admin")
    now = time.time()
    for viewer, sees in ((bob.id, False), (None, False), (ann.id, True), (cid.id, True),
                         (root.id, True)):
        mine = {p.id for p in await store.posts.by_user(ann.id, viewer_id=viewer)}
        assert (secret.id in mine) is sees and public.id in mine
        assert await store.posts.count_by_user(ann.id, viewer_id=viewer) == (2 if sees else 1)
        dated, total = await store.posts.by_date(now - 60, now + 60, viewer_id=viewer)
        assert (secret.id in {p.id for p in dated}) is sees and total == (3 if sees else 2)
        linked = {p.id for p in await store.posts.by_link(secret.link, viewer_id=viewer)}
        assert (secret.id in linked) is sees
        boxed = {p.id for p in await store.posts.in_box(0, 2, 0, 2, viewer_id=viewer)}
        assert (secret.id in boxed) is sees
    assert await store.posts.count_by_user(ann.id) == 2  # no viewer given: no rule


async def test_hot_tracks_count_only_public_posts(store):
    ann, bob, cid, secret, public, items = await _scene(store)
    now = time.time()
    hot = await store.posts.hot(since=now - 3600, now=now, half_life=86400.0)
    by_eid = {h.eid: h for h in hot}
    assert by_eid[secret.eid].posts == 1 and by_eid[secret.eid].post_id != secret.id
    assert by_eid[public.eid].post_id == public.id
    await store.posts.react(secret.id, cid.id, "like")
    hot = await store.posts.hot(since=now - 3600, now=now, half_life=86400.0)
    assert {h.eid: h.likes for h in hot}[secret.eid] == 0


async def test_recommendations_do_not_learn_from_private_posts(store):
    ann, bob, cid, secret, public, items = await _scene(store)
    # cid holds seed "b" through a public post; ann posted "b" publicly and "a" privately:
    # "a" may be recommended through bob's public post only, never through ann's private one
    await store.posts.create(user_id=cid.id, link=items[1].url, eid=items[1].eid,
                             catalog_id=items[1].id)
    found = await store.recommendations.co_listened(cid.id, [items[1].id])
    assert items[0].id not in [c.track_id for c in found]
