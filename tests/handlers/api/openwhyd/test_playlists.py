"""Openwhyd's /api/playlist over HTTP: every action with its failures, ownership refusals,
reading playlists by id, and the share pushed live."""

from __future__ import annotations

import asyncio
import io
import json

from PIL import Image

from handlers.media.images import save_image
from tests.conftest import ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.social_helpers import LOGIN_FIRST, insert_member, post

NOT_FOUND = {"error": "playlist not found"}


async def act(client, who, action, **params):
    """POST /api/playlist as `who` (None: signed out) with a form."""
    resp = await client.post("/api/playlist", data={"action": action, **params},
                             headers=who.auth if who else {})
    return resp.status, await resp.json()


async def create(client, who, name):
    status, body = await act(client, who, "create", name=name)
    assert status == 200 and "error" not in body, body
    return body


async def playlist(client, who, number):
    return await ctx_of(client).store.collections.by_number(who.id, number)


async def test_signed_out_callers_are_asked_to_log_in_and_unknown_actions_refused(client):
    ada = await insert_member(client, "ada")
    for action in ("create", "rename", "delete", "setOrder", "update", "sendToUsers"):
        assert await act(client, None, action, id="0", name="x") == (401, LOGIN_FIRST), action
    assert await act(client, ada, "explode") == (400, {"error": "invalid parameter: action"})
    assert await act(client, ada, "") == (400, {"error": "invalid parameter: action"})
    assert await ctx_of(client).store.collections.of_owner(ada.id) == []


async def test_create_numbers_playlists_from_zero_per_user(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    assert await create(client, ada, "Chill") == {"id": 0, "name": "Chill"}
    assert await create(client, ada, "  Party ") == {"id": 1, "name": "Party"}
    assert await create(client, bob, "Mine") == {"id": 0, "name": "Mine"}
    resp = await client.post("/api/playlist", json={"action": "create", "name": "Jazz"},
                             headers=ada.auth)
    assert await resp.json() == {"id": 2, "name": "Jazz"}


async def test_create_without_a_usable_name_changes_nothing(client):
    ada = await insert_member(client, "ada")
    assert await act(client, ada, "create") == (200, {"error": "playlist name is required"})
    assert await act(client, ada, "create", name="   ") == (
        200, {"error": "playlist name is required"})
    status, body = await act(client, ada, "create", name="x" * 501)
    assert status == 200 and "too long" in body["error"]
    assert await ctx_of(client).store.collections.of_owner(ada.id) == []


async def test_rename_changes_the_name_its_posts_show(client):
    ada = await insert_member(client, "ada")
    await create(client, ada, "Chill")
    filed = await post(client, ada, "Song", collection_id=(await playlist(client, ada, 0)).id)
    assert await act(client, ada, "rename", id="0", name="Calm") == (
        200, {"id": 0, "name": "Calm"})
    resp = await client.get(f"/api/playlist/{ada.id}_0")
    assert (await resp.json())[0]["name"] == "Calm"
    stored = await ctx_of(client).store.posts.get(filed.id)
    assert stored.collection_id == (await playlist(client, ada, 0)).id


async def test_rename_failures_change_nothing(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    await create(client, ada, "Chill")
    assert await act(client, ada, "rename", id="3", name="X") == (200, NOT_FOUND)
    assert await act(client, ada, "rename", id="zero", name="X") == (
        200, {"error": "invalid playlist id"})
    assert await act(client, ada, "rename", name="X") == (200, {"error": "invalid playlist id"})
    assert await act(client, ada, "rename", id="0", name=" ") == (
        200, {"error": "playlist name is required"})
    # Bob has no playlist 0: Ada's is out of his reach
    assert await act(client, bob, "rename", id="0", name="Hijacked") == (200, NOT_FOUND)
    assert (await playlist(client, ada, 0)).title == "Chill"


async def test_delete_moves_its_tracks_back_to_the_profile(client):
    ada = await insert_member(client, "ada")
    await create(client, ada, "Chill")
    collection = await playlist(client, ada, 0)
    first = await post(client, ada, "One", collection_id=collection.id)
    second = await post(client, ada, "Two", collection_id=collection.id, track_order=1)
    assert await act(client, ada, "delete", id="0") == (200, 0)
    store = ctx_of(client).store
    assert await store.collections.get(collection.id) is None
    for moved in (first, second):
        stored = await store.posts.get(moved.id)
        assert stored is not None and stored.collection_id is None and stored.track_order is None
    assert {p.id for p in await store.posts.page(user_ids=[ada.id], collection_id=None)} == {
        first.id, second.id}
    assert (await client.get(f"/api/playlist/{ada.id}_0")).status == 404


async def test_delete_refuses_other_peoples_and_missing_playlists(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    await create(client, ada, "Chill")
    filed = await post(client, ada, "Song", collection_id=(await playlist(client, ada, 0)).id)
    assert await act(client, bob, "delete", id="0") == (200, NOT_FOUND)
    assert await act(client, ada, "delete", id="7") == (200, NOT_FOUND)
    assert await act(client, ada, "delete", id="-1") == (200, {"error": "invalid playlist id"})
    assert (await ctx_of(client).store.posts.get(filed.id)).collection_id is not None


async def _three_tracks(client, who):
    await create(client, who, "Chill")
    collection = await playlist(client, who, 0)
    tracks = [await post(client, who, name, collection_id=collection.id)
              for name in ("One", "Two", "Three")]
    return collection, tracks


async def test_set_order_orders_the_playlist(client):
    ada = await insert_member(client, "ada")
    collection, (one, two, three) = await _three_tracks(client, ada)
    order = [str(three.id), str(one.id), str(two.id)]
    resp = await client.post("/api/playlist", headers=ada.auth,
                             data=[("action", "setOrder"), ("id", "0"),
                                   *(("order[]", pid) for pid in order)])
    assert await resp.json() == {"ok": 1}
    listed = await ctx_of(client).store.posts.in_collection(collection.id)
    assert [p.id for p in listed] == [three.id, one.id, two.id]
    assert [p.track_order for p in listed] == [1, 2, 3]


async def test_set_order_from_json_puts_unlisted_tracks_after_in_their_order(client):
    ada = await insert_member(client, "ada")
    collection, (one, two, three) = await _three_tracks(client, ada)
    resp = await client.post("/api/playlist", headers=ada.auth,
                              json={"action": "setOrder", "id": 0, "order": [two.id]})
    assert await resp.json() == {"ok": 1}
    listed = await ctx_of(client).store.posts.in_collection(collection.id)
    assert [p.id for p in listed] == [two.id, three.id, one.id]


async def test_playlists_created_at_once_take_distinct_numbers(client):
    ada = await insert_member(client, "ada")
    made = await asyncio.gather(*(act(client, ada, "create", name=f"List {n}") for n in range(8)))
    assert all(status == 200 and "error" not in body for status, body in made), made
    assert sorted(body["id"] for _, body in made) == list(range(8))
    names = {body["id"]: body["name"] for _, body in made}
    for number, name in names.items():
        assert (await playlist(client, ada, number)).title == name


async def test_concurrent_reorders_leave_one_of_the_orders_asked(client):
    ada = await insert_member(client, "ada")
    collection, tracks = await _three_tracks(client, ada)
    ids = [t.id for t in tracks]
    orders = [ids[n % 3:] + ids[:n % 3] if n % 2 else (ids[n % 3:] + ids[:n % 3])[::-1]
              for n in range(10)]
    answers = await asyncio.gather(*(client.post(
        "/api/playlist", headers=ada.auth, json={"action": "setOrder", "id": 0, "order": order})
        for order in orders))
    assert [await a.json() for a in answers] == [{"ok": 1}] * len(orders)
    listed = await ctx_of(client).store.posts.in_collection(collection.id)
    assert [p.id for p in listed] in orders
    assert [p.track_order for p in listed] == [1, 2, 3]


async def test_set_order_refuses_posts_outside_the_playlist_and_changes_nothing(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    collection, (one, two, three) = await _three_tracks(client, ada)
    loose = await post(client, ada, "Loose")
    foreign = await post(client, bob, "Bob's")
    before = [p.id for p in await ctx_of(client).store.posts.in_collection(collection.id)]
    for order, error in (
            ([three.id, loose.id], f"post {loose.id} is not in this playlist"),
            ([foreign.id], f"post {foreign.id} is not in this playlist"),
            ([one.id, one.id], "order lists a post more than once"),
            (["abc"], "invalid order"),
            ([], "missing parameters")):
        resp = await client.post("/api/playlist", headers=ada.auth, json={
            "action": "setOrder", "id": "0", "order": order})
        assert (resp.status, await resp.json()) == (200, {"error": error}), order
    after = await ctx_of(client).store.posts.in_collection(collection.id)
    assert [p.id for p in after] == before and all(p.track_order is None for p in after)
    # Bob cannot order Ada's playlist, even with her own post ids
    assert await act(client, bob, "setOrder", id="0", order=str(one.id)) == (200, NOT_FOUND)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


async def test_update_sets_the_cover_to_ones_own_upload_only(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    await create(client, ada, "Chill")
    ctx = ctx_of(client)
    mine = await save_image(ctx, _png(), "uploads", ada.id)
    theirs = await save_image(ctx, _png(), "uploads", bob.id)
    assert await act(client, ada, "update", id="0", img=mine) == (
        200, {"id": 0, "name": "Chill"})
    assert (await playlist(client, ada, 0)).image == mine
    refused = {"error": "img must be the URL of an image you uploaded"}
    for img in (theirs, "https://tracker.example/pixel.png", "/media/../keys/signing.key",
                "/media/uploads/nothing_here.png", "javascript:alert(1)"):
        assert await act(client, ada, "update", id="0", img=img) == (200, refused), img
    assert (await playlist(client, ada, 0)).image == mine
    assert await act(client, ada, "update", id="0") == (200, {"error": "invalid img parameter"})
    assert await act(client, bob, "update", id="0", img=theirs) == (200, NOT_FOUND)
    assert await act(client, ada, "update", id="0", img="/images/blank_plCover.jpg") == (
        200, {"id": 0, "name": "Chill"})
    assert (await playlist(client, ada, 0)).image == ""


async def test_get_one_playlist_by_its_full_id(client):
    ada = await insert_member(client, "ada")
    await create(client, ada, "Chill")
    collection = await playlist(client, ada, 0)
    for name in ("One", "Two"):
        await post(client, ada, name, collection_id=collection.id)
    resp = await client.get(f"/api/playlist/{ada.id}_0")
    assert resp.status == 200
    assert await resp.json() == [{"id": f"{ada.id}_0", "plId": "0", "uId": str(ada.id),
                                  "uNm": "Ada", "name": "Chill", "nbTracks": 2}]
    resp = await client.get(f"/api/playlist/{ada.id}_5")
    assert (resp.status, await resp.json()) == (404, NOT_FOUND)


async def test_get_several_playlists_in_the_order_asked(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    await create(client, ada, "Chill")
    await create(client, ada, "Party")
    await create(client, bob, "Bob's")
    ids = [f"{bob.id}_0", "nonsense", f"{ada.id}_1", f"{ada.id}_9", f"{ada.id}_0"]
    resp = await client.get("/api/playlist", params=[("id", i) for i in ids])
    body = await resp.json()
    assert resp.status == 200
    assert [(p["id"], p["name"], p["uNm"], p["nbTracks"]) for p in body] == [
        (f"{bob.id}_0", "Bob's", "Bob", 0), (f"{ada.id}_1", "Party", "Ada", 0),
        (f"{ada.id}_0", "Chill", "Ada", 0)]
    resp = await client.get("/api/playlist")
    assert (resp.status, await resp.json()) == (400, {"error": "missing id parameter"})


async def test_a_private_collection_is_seen_by_its_owner_only(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    await create(client, ada, "Secret")
    collection = await playlist(client, ada, 0)
    await ctx_of(client).store.collections.update(collection.id, is_public=False)
    path = f"/api/playlist/{ada.id}_0"
    assert (await client.get(path, headers=bob.auth)).status == 404
    assert (await client.get(path)).status == 404
    assert (await client.get(path, headers=ada.auth)).status == 200
    resp = await client.get("/api/playlist", params={"id": f"{ada.id}_0"}, headers=bob.auth)
    assert await resp.json() == []
    assert await act(client, bob, "sendToUsers", plId=f"{ada.id}_0", uidList=str(ada.id)) == (
        200, NOT_FOUND)


async def test_send_to_users_pushes_the_share_to_each_recipient(client):
    ada, bob, cy = [await insert_member(client, n) for n in ("ada", "bob", "cy")]
    await create(client, ada, "Chill")
    bob_live = await RawCentrifuge.open(client, bob.token, cookies=False)
    cy_live = await RawCentrifuge.open(client, cy.token, cookies=False)
    try:
        resp = await client.post("/api/playlist", headers=ada.auth, data=[
            ("action", "sendToUsers"), ("plId", f"{ada.id}_0"),
            ("uidList[]", str(bob.id)), ("uidList[]", str(cy.id))])
        assert await resp.json() == {"ok": 1}
        for live, who in ((bob_live, bob), (cy_live, cy)):
            data = (await live.next_push(f"user:#{who.id}"))["pub"]["data"]
            assert data["type"] == "share" and data["by"] == {"id": ada.id, "name": "Ada"}
            assert data["playlist"]["name"] == "Chill" and data["playlist"]["number"] == 0
            assert data["playlist"]["owner_id"] == ada.id
    finally:
        await bob_live.close()
        await cy_live.close()


async def test_send_to_users_by_path_with_a_json_list(client):
    ada, bob = await insert_member(client, "ada"), await insert_member(client, "bob")
    await create(client, ada, "Chill")
    live = await RawCentrifuge.open(client, bob.token, cookies=False)
    try:
        resp = await client.post(f"/api/playlist/{ada.id}_0/sendToUsers", headers=bob.auth,
                                 json={"uidList": json.dumps([str(ada.id)])})
        assert await resp.json() == {"ok": 1}  # anyone may share a public playlist
        resp = await client.post(f"/api/playlist/{ada.id}_0", headers=ada.auth,
                                 json={"action": "sendToUsers", "uidList": [bob.id]})
        assert await resp.json() == {"ok": 1}
        data = (await live.next_push(f"user:#{bob.id}"))["pub"]["data"]
        assert data["type"] == "share" and data["playlist"]["id"] > 0
    finally:
        await live.close()


async def test_send_to_users_failures(client):
    ada = await insert_member(client, "ada")
    await create(client, ada, "Chill")
    pl_id = f"{ada.id}_0"
    for params, error in (
            ({"plId": pl_id}, "missing field: uidList"),
            ({"plId": pl_id, "uidList": "999999"}, "user not found: 999999"),
            ({"plId": pl_id, "uidList": "bob"}, "mistyped field: uidList"),
            ({"plId": "0", "uidList": str(ada.id)}, "mistyped field: plId"),
            ({"uidList": str(ada.id)}, "mistyped field: plId"),
            ({"plId": f"{ada.id}_4", "uidList": str(ada.id)}, "playlist not found")):
        assert await act(client, ada, "sendToUsers", **params) == (200, {"error": error}), params


async def test_spotizerr_playlist_paths_are_not_taken_by_openwhyd(client):
    """Only `<digits>_<digits>` reaches the Openwhyd route (DESIGN §9)."""
    ada = await insert_member(client, "ada")
    await create(client, ada, "Chill")
    for path in ("/api/playlist/info", "/api/playlist/metadata", "/api/playlist/tracks"):
        resp = await client.get(path)  # Spotizerr's routes: they want its bearer token
        assert resp.status == 401, path
        assert set(await resp.json()) == {"error", "details", "detail"}, path
    for path in ("/api/playlist/123", "/api/playlist/1_2_3", "/api/playlist/a_1"):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert "plId" not in await resp.text(), path  # not an Openwhyd playlist answer
