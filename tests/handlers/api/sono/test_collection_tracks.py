"""Sono's collection tracks and collaborators over HTTP: add, bulk-add, remove and reorder with
their refusals, collaborator roles (a `view` collaborator cannot edit), and orders that stay
1..n under concurrent requests."""

from __future__ import annotations

import asyncio

from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import insert_member, post
from tests.handlers.api.sono.helpers import COLLECTIONS, get_collection, new_collection, track_item

EDIT_REFUSED = {"detail": "You don't have permission to edit this collection"}


async def _items(client, count: int):
    return [await track_item(client, f"Song {i}") for i in range(count)]


async def _tracks(client, who, collection_id):
    """[(track id, audio_file_id, track_order)] as GET shows them."""
    status, body = await get_collection(client, who, collection_id)
    assert status == 200
    return [(t["id"], t["audio_file_id"], t["track_order"]) for t in body["tracks"]]


async def _add(client, who, collection_id, item_id, **extra):
    return await client.post(f"{COLLECTIONS}/{collection_id}/tracks",
                             json={"audio_file_id": item_id, **extra}, headers=who.auth)


async def test_add_appends_or_inserts_at_a_place_and_renders_the_track(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    one, two, three = await _items(client, 3)
    resp = await _add(client, ann, made["id"], one.id)
    track = await resp.json()
    assert resp.status == 200 and track["track_order"] == 1
    assert track["audio_file_id"] == one.id and track["collection_id"] == made["id"]
    assert track["added_by_id"] == ann.id and track["added_by"]["username"] == "ann"
    assert track["audio_file"]["title"] == "Song 0" and track["audio_file"]["artist"] == "Nina"
    await _add(client, ann, made["id"], two.id)
    resp = await _add(client, ann, made["id"], three.id, track_order=1)
    assert (await resp.json())["track_order"] == 1
    assert [(i, o) for _, i, o in await _tracks(client, ann, made["id"])] == [
        (three.id, 1), (one.id, 2), (two.id, 3)]
    resp = await _add(client, ann, made["id"], one.id, track_order=99)  # past the end: last
    assert (await resp.json())["track_order"] == 4


async def test_add_refuses_unknown_or_unplayable_items_and_bad_bodies(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    album = await track_item(client, "Whole album", kind="album")
    resp = await _add(client, ann, made["id"], 12345)
    assert resp.status == 404 and await resp.json() == {"detail": "Audio file 12345 not found"}
    resp = await _add(client, ann, made["id"], album.id)
    assert resp.status == 400
    for body, loc in (({}, ["body", "audio_file_id"]), ({"audio_file_id": "x"},
                                                        ["body", "audio_file_id"]),
                      ({"audio_file_id": 0}, ["body", "audio_file_id"]),
                      ({"audio_file_id": album.id, "track_order": 0}, ["body", "track_order"])):
        resp = await client.post(f"{COLLECTIONS}/{made['id']}/tracks", json=body,
                                 headers=ann.auth)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == loc
    resp = await _add(client, ann, 999, album.id)
    assert resp.status == 404
    assert await _tracks(client, ann, made["id"]) == []


async def test_bulk_add_adds_all_in_order_or_nothing(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    items = await _items(client, 3)
    url = f"{COLLECTIONS}/{made['id']}/tracks/bulk-add"
    resp = await client.post(url, json={"audio_file_ids": [items[0].id, 777, items[1].id]},
                             headers=ann.auth)
    assert resp.status == 404 and await _tracks(client, ann, made["id"]) == []
    for body in ({"audio_file_ids": []}, {"audio_file_ids": list(range(1, 52))},
                 {"audio_file_ids": "1,2"}, {}):
        resp = await client.post(url, json=body, headers=ann.auth)
        assert resp.status == 422, body
    resp = await client.post(url, json={"audio_file_ids": [i.id for i in items]},
                             headers=ann.auth)
    added = await resp.json()
    assert resp.status == 200 and [t["track_order"] for t in added] == [1, 2, 3]
    assert [i for _, i, _ in await _tracks(client, ann, made["id"])] == [i.id for i in items]


async def test_remove_closes_the_gap_and_refuses_tracks_of_other_collections(client):
    ann = await insert_member(client, "ann")
    made, other = await new_collection(client, ann), await new_collection(client, ann)
    items = await _items(client, 3)
    await client.post(f"{COLLECTIONS}/{made['id']}/tracks/bulk-add",
                      json={"audio_file_ids": [i.id for i in items]}, headers=ann.auth)
    elsewhere = await (await _add(client, ann, other["id"], items[0].id)).json()
    tracks = await _tracks(client, ann, made["id"])
    resp = await client.delete(f"{COLLECTIONS}/{made['id']}/tracks/{tracks[0][0]}",
                               headers=ann.auth)
    assert resp.status == 200 and await resp.json() == {"message": "Track removed from collection"}
    assert [(i, o) for _, i, o in await _tracks(client, ann, made["id"])] == [
        (items[1].id, 1), (items[2].id, 2)]
    assert await ctx_of(client).store.posts.get(tracks[0][0]) is None  # the entry is gone
    for track_id in (tracks[0][0], elsewhere["id"], 424242):
        resp = await client.delete(f"{COLLECTIONS}/{made['id']}/tracks/{track_id}",
                                   headers=ann.auth)
        assert resp.status == 404
        assert await resp.json() == {"detail": "Track not found in collection"}
    assert len(await _tracks(client, ann, other["id"])) == 1


async def test_removing_an_openwhyd_post_puts_it_back_on_the_profile(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    whyd = await post(client, ann, "Posted on Openwhyd", collection_id=made["id"])
    resp = await client.delete(f"{COLLECTIONS}/{made['id']}/tracks/{whyd.id}", headers=ann.auth)
    assert resp.status == 200
    kept = await ctx_of(client).store.posts.get(whyd.id)
    assert kept is not None and kept.collection_id is None


async def test_reorder_moves_one_track_and_keeps_orders_dense(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    items = await _items(client, 4)
    await client.post(f"{COLLECTIONS}/{made['id']}/tracks/bulk-add",
                      json={"audio_file_ids": [i.id for i in items]}, headers=ann.auth)
    ids = [t for t, _, _ in await _tracks(client, ann, made["id"])]
    url = f"{COLLECTIONS}/{made['id']}/tracks/{ids[0]}/reorder"
    resp = await client.put(url, json={"new_order": 3}, headers=ann.auth)
    assert resp.status == 200 and (await resp.json())["track_order"] == 3
    assert [t for t, _, _ in await _tracks(client, ann, made["id"])] == [ids[1], ids[2], ids[0],
                                                                          ids[3]]
    resp = await client.put(url, json={"track_order": 99}, headers=ann.auth)  # the web client's key
    assert (await resp.json())["track_order"] == 4
    assert [o for _, _, o in await _tracks(client, ann, made["id"])] == [1, 2, 3, 4]
    for body in ({}, {"new_order": 0}, {"new_order": "first"}):
        resp = await client.put(url, json=body, headers=ann.auth)
        assert resp.status == 422, body
    resp = await client.put(f"{COLLECTIONS}/{made['id']}/tracks/31337/reorder",
                            json={"new_order": 1}, headers=ann.auth)
    assert resp.status == 404
    assert [t for t, _, _ in await _tracks(client, ann, made["id"])][-1] == ids[0]


async def test_collaborators_are_added_changed_and_removed_by_the_owner(client):
    ann, bob, cy = [await insert_member(client, n) for n in ("ann", "bob", "cy")]
    plain = await new_collection(client, ann)
    resp = await client.post(f"{COLLECTIONS}/{plain['id']}/collaborators",
                             json={"user_id": bob.id}, headers=ann.auth)
    assert resp.status == 400 and await resp.json() == {
        "detail": "Collection must be collaborative to add collaborators"}
    made = await new_collection(client, ann, is_collaborative=True, is_public=False)
    url = f"{COLLECTIONS}/{made['id']}/collaborators"
    resp = await client.post(url, json={"user_id": bob.id, "permission_level": "view"},
                             headers=ann.auth)
    member = await resp.json()
    assert resp.status == 200 and member["user_id"] == bob.id
    assert member["permission_level"] == "view" and member["added_by_id"] == ann.id
    assert member["user"]["username"] == "bob"
    for body, status in (({"user_id": bob.id}, 400), ({"user_id": ann.id}, 400),
                         ({"user_id": 4242}, 404), ({"user_id": cy.id,
                                                     "permission_level": "admin"}, 422),
                         ({"permission_level": "edit"}, 422)):
        resp = await client.post(url, json=body, headers=ann.auth)
        assert resp.status == status, body
    resp = await client.post(url, json={"user_id": cy.id}, headers=bob.auth)
    assert resp.status == 403
    resp = await client.put(f"{url}/{bob.id}", json={"permission_level": "edit"},
                            headers=ann.auth)
    assert resp.status == 200 and (await resp.json())["permission_level"] == "edit"
    for who, target, body, status in ((ann, cy.id, {"permission_level": "view"}, 404),
                                      (ann, bob.id, {"permission_level": "owner"}, 422),
                                      (bob, bob.id, {"permission_level": "view"}, 403)):
        resp = await client.put(f"{url}/{target}", json=body, headers=who.auth)
        assert resp.status == status
    status, seen = await get_collection(client, bob, made["id"])
    assert status == 200 and [m["user_id"] for m in seen["collaborators"]] == [bob.id]
    assert seen["can_edit"] is True
    resp = await client.delete(f"{url}/{bob.id}", headers=cy.auth)
    assert resp.status == 404  # cy cannot even see the private collection
    resp = await client.delete(f"{url}/{bob.id}", headers=bob.auth)  # bob leaves
    assert resp.status == 200
    assert await get_collection(client, bob, made["id"]) == (404, {"detail":
                                                                   "Collection not found"})
    resp = await client.delete(f"{url}/{bob.id}", headers=ann.auth)
    assert resp.status == 404


async def test_a_view_collaborator_cannot_edit_anything(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = await new_collection(client, ann, is_collaborative=True, is_public=False)
    base = f"{COLLECTIONS}/{made['id']}"
    await client.post(f"{base}/collaborators", json={"user_id": bob.id,
                                                     "permission_level": "view"},
                      headers=ann.auth)
    song, other = await _items(client, 2)
    await _add(client, ann, made["id"], song.id)
    before = await get_collection(client, ann, made["id"])
    track_id = before[1]["tracks"][0]["id"]
    attempts = [("POST", f"{base}/tracks", {"audio_file_id": other.id}),
                ("POST", f"{base}/tracks/bulk-add", {"audio_file_ids": [other.id]}),
                ("DELETE", f"{base}/tracks/{track_id}", None),
                ("PUT", f"{base}/tracks/{track_id}/reorder", {"new_order": 1}),
                ("PUT", base, {"title": "Mine"}),
                ("DELETE", base, None)]
    for method, url, body in attempts:
        resp = await client.request(method, url, json=body, headers=bob.auth)
        assert resp.status == 403, (method, url)
    assert (await get_collection(client, bob, made["id"]))[0] == 200  # but may look
    assert await get_collection(client, ann, made["id"]) == before


async def test_an_edit_collaborator_edits_tracks_while_the_collection_is_collaborative(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = await new_collection(client, ann, is_collaborative=True)
    await client.post(f"{COLLECTIONS}/{made['id']}/collaborators",
                      json={"user_id": bob.id, "permission_level": "edit"}, headers=ann.auth)
    song, other = await _items(client, 2)
    resp = await _add(client, bob, made["id"], song.id)
    assert resp.status == 200 and (await resp.json())["added_by_id"] == bob.id
    await client.put(f"{COLLECTIONS}/{made['id']}", json={"is_collaborative": False},
                     headers=ann.auth)
    resp = await _add(client, bob, made["id"], other.id)
    assert resp.status == 403 and await resp.json() == EDIT_REFUSED
    assert len(await _tracks(client, ann, made["id"])) == 1


async def test_orders_stay_dense_and_unique_under_concurrent_edits(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = await new_collection(client, ann, is_collaborative=True)
    await client.post(f"{COLLECTIONS}/{made['id']}/collaborators",
                      json={"user_id": bob.id, "permission_level": "edit"}, headers=ann.auth)
    items = await _items(client, 12)
    seeded = await client.post(f"{COLLECTIONS}/{made['id']}/tracks/bulk-add",
                               json={"audio_file_ids": [i.id for i in items[:6]]},
                               headers=ann.auth)
    first = [t["id"] for t in await seeded.json()]
    base = f"{COLLECTIONS}/{made['id']}/tracks"
    requests = [_add(client, (ann, bob)[n % 2], made["id"], item.id, track_order=1 + n % 3)
                for n, item in enumerate(items[6:])]
    requests += [client.put(f"{base}/{tid}/reorder", json={"new_order": 6 - n},
                            headers=ann.auth) for n, tid in enumerate(first[:4])]
    requests += [client.delete(f"{base}/{first[5]}", headers=bob.auth),
                 client.post(f"{base}/bulk-add", json={"audio_file_ids": [items[0].id] * 3},
                             headers=bob.auth)]
    answers = await asyncio.gather(*requests)
    assert [r.status for r in answers] == [200] * len(requests)
    tracks = await _tracks(client, ann, made["id"])
    assert [o for _, _, o in tracks] == list(range(1, 6 + 6 + 3 - 1 + 1))
    stored = await ctx_of(client).store.posts.in_collection(made["id"])
    assert sorted(p.track_order for p in stored) == list(range(1, len(stored) + 1))
