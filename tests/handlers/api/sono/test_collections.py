"""Sono's collections over HTTP: create, read, list, change, delete and cover art, with their
refusals; and the same rows seen as Openwhyd playlists."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image

from handlers.media.images import media_root
from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import insert_member, post
from tests.handlers.api.sono.helpers import COLLECTIONS, get_collection, new_collection, png_bytes, track_item

NOT_FOUND = {"detail": "Collection not found"}
EDIT_REFUSED = {"detail": "You don't have permission to edit this collection"}


async def test_create_returns_the_collection_in_sonos_shape(client):
    ann = await insert_member(client, "ann")
    body = await new_collection(client, ann, title="  Blue  ", collection_type="album",
                                artist="Joni", description="1971", is_public=False)
    assert body["title"] == "Blue" and body["collection_type"] == "album"
    assert body["artist"] == "Joni" and body["description"] == "1971"
    assert body["curator_note"] is None and body["cover_art_url"] is None
    assert body["is_public"] is False and body["is_collaborative"] is False
    assert body["owner_id"] == ann.id and body["owner"]["username"] == "ann"
    assert body["tracks"] == [] and body["collaborators"] == []
    assert body["track_count"] == 0 and body["can_edit"] is True
    assert body["created_date"].endswith("+00:00")
    status, again = await get_collection(client, ann, body["id"])
    assert status == 200 and again == body


async def test_create_refuses_bad_input_and_changes_nothing(client):
    ann = await insert_member(client, "ann")
    cases = [({"collection_type": "playlist"}, ["body", "title"]),
             ({"title": "", "collection_type": "playlist"}, ["body", "title"]),
             ({"title": "x" * 101, "collection_type": "playlist"}, ["body", "title"]),
             ({"title": "A"}, ["body", "collection_type"]),
             ({"title": "A", "collection_type": "mixtape"}, ["body", "collection_type"]),
             ({"title": "A", "collection_type": "album", "artist": "y" * 101},
              ["body", "artist"]),
             ({"title": "A", "collection_type": "album", "is_public": "maybe"},
              ["body", "is_public"])]
    for body, loc in cases:
        resp = await client.post(f"{COLLECTIONS}/", json=body, headers=ann.auth)
        assert resp.status == 422, body
        assert (await resp.json())["detail"][0]["loc"] == loc
    blank = await client.post(f"{COLLECTIONS}/", json={"title": "  ", "collection_type": "album"},
                              headers=ann.auth)
    assert blank.status == 422 and (await blank.json())["detail"][0]["loc"] == ["body", "title"]
    for raw in (b"not json", b"[1]"):
        resp = await client.post(f"{COLLECTIONS}/", data=raw, headers={
            **ann.auth, "Content-Type": "application/json"})
        assert resp.status == 422
    signed_out = await client.post(f"{COLLECTIONS}/", json={"title": "A",
                                                            "collection_type": "album"})
    assert signed_out.status == 401 and await signed_out.json() == {"detail": "Not authenticated"}
    mine = await (await client.get(f"{COLLECTIONS}/my-collections", headers=ann.auth)).json()
    assert mine["total"] == 0 and mine["collections"] == []


async def test_a_private_collection_is_not_found_for_anyone_else(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    secret = await new_collection(client, ann, is_public=False)
    assert await get_collection(client, bob, secret["id"]) == (404, NOT_FOUND)
    assert await get_collection(client, None, secret["id"]) == (404, NOT_FOUND)
    status, seen = await get_collection(client, ann, secret["id"])
    assert status == 200 and seen["can_edit"] is True
    listed = await (await client.get(f"{COLLECTIONS}/", headers=bob.auth)).json()
    assert listed["total"] == 0
    public = await new_collection(client, ann, is_public=True)
    status, seen = await get_collection(client, bob, public["id"])
    assert status == 200 and seen["can_edit"] is False
    assert await get_collection(client, bob, 999) == (404, NOT_FOUND)
    resp = await client.get(f"{COLLECTIONS}/abc")
    assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == ["path",
                                                                              "collection_id"]


async def test_the_list_shows_public_ones_and_the_viewers_own_filtered_and_paged(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = [await new_collection(client, ann, title=f"A{i}", collection_type=kind)
            for i, kind in enumerate(["album", "playlist", "album", "compilation"])]
    hidden = await new_collection(client, bob, title="Bob's own", is_public=False)

    async def listed(who, **query):
        resp = await client.get(f"{COLLECTIONS}/", params=query, headers=who.auth if who else {})
        assert resp.status == 200
        return await resp.json()

    anyone = await listed(None)
    assert [c["title"] for c in anyone["collections"]] == ["A3", "A2", "A1", "A0"]
    assert anyone["total"] == 4 and anyone["has_more"] is False
    assert anyone["collection_type"] is None
    bobs = await listed(bob)
    assert bobs["total"] == 5 and bobs["collections"][0]["id"] == hidden["id"]
    assert (await listed(bob, public_only="true"))["total"] == 4
    albums = await listed(None, collection_type="album")
    assert [c["id"] for c in albums["collections"]] == [made[2]["id"], made[0]["id"]]
    assert albums["collection_type"] == "album"
    page = await listed(None, skip="1", limit="2")
    assert [c["title"] for c in page["collections"]] == ["A2", "A1"] and page["has_more"] is True
    for query, loc in (({"skip": "-1"}, "skip"), ({"limit": "0"}, "limit"),
                       ({"limit": "ten"}, "limit"), ({"collection_type": "single"},
                                                     "collection_type"),
                       ({"public_only": "perhaps"}, "public_only")):
        resp = await client.get(f"{COLLECTIONS}/", params=query)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == ["query", loc]


async def test_my_collections_needs_a_user_and_lists_only_theirs(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    await new_collection(client, ann, title="Ann's", is_public=False)
    await new_collection(client, bob, title="Bob's")
    mine = await (await client.get(f"{COLLECTIONS}/my-collections", headers=ann.auth)).json()
    assert [c["title"] for c in mine["collections"]] == ["Ann's"] and mine["total"] == 1
    assert mine["collections"][0]["can_edit"] is True
    resp = await client.get(f"{COLLECTIONS}/my-collections")
    assert resp.status == 401


async def test_an_openwhyd_playlist_is_a_sono_collection_and_the_other_way_round(client):
    ann = await insert_member(client, "ann")
    resp = await client.post("/api/playlist", data={"action": "create", "name": "Whyd mix"},
                             headers=ann.auth)
    number = (await resp.json())["id"]
    song = await track_item(client, "Song")
    await post(client, ann, "Song", link=song.url, catalog_id=song.id,
               collection_id=(await ctx_of(client).store.collections.by_number(ann.id, number)).id)
    mine = await (await client.get(f"{COLLECTIONS}/my-collections", headers=ann.auth)).json()
    whyd = mine["collections"][0]
    assert whyd["title"] == "Whyd mix" and whyd["collection_type"] == "playlist"
    assert [(t["audio_file_id"], t["track_order"]) for t in whyd["tracks"]] == [(song.id, 1)]

    sono = await new_collection(client, ann, title="From Sono")
    other = await track_item(client, "Other")
    added = await client.post(f"{COLLECTIONS}/{sono['id']}/tracks",
                              json={"audio_file_id": other.id}, headers=ann.auth)
    assert added.status == 200
    stored = await ctx_of(client).store.collections.get(sono["id"])
    resp = await client.get(f"/api/playlist/{ann.id}_{stored.number}")
    assert (await resp.json())[0]["name"] == "From Sono"
    resp = await client.get(f"/u/{ann.id}/playlist/{stored.number}", params={"format": "json"})
    assert [t["name"] for t in await resp.json()] == ["Other"]


async def test_update_changes_only_the_given_fields_and_only_for_the_owner(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = await new_collection(client, ann, title="Old", description="keep", is_collaborative=True)
    url = f"{COLLECTIONS}/{made['id']}"
    resp = await client.put(url, json={"title": "New", "is_public": False, "curator_note": "n"},
                            headers=ann.auth)
    body = await resp.json()
    assert resp.status == 200 and body["title"] == "New" and body["is_public"] is False
    assert body["description"] == "keep" and body["curator_note"] == "n"
    cleared = await (await client.put(url, json={"description": None}, headers=ann.auth)).json()
    assert cleared["description"] is None
    for bad, loc in (({"title": ""}, "title"), ({"title": 5}, "title"),
                     ({"is_public": "x"}, "is_public")):
        resp = await client.put(url, json=bad, headers=ann.auth)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == ["body", loc]
    await client.post(f"{url}/collaborators", json={"user_id": bob.id}, headers=ann.auth)
    resp = await client.put(url, json={"title": "Bob's now"}, headers=bob.auth)
    assert resp.status == 403
    stranger = await insert_member(client, "cy")
    resp = await client.put(url, json={"title": "Cy's now"}, headers=stranger.auth)
    assert resp.status == 404 and await resp.json() == NOT_FOUND  # it is private now
    assert (await get_collection(client, ann, made["id"]))[1]["title"] == "New"


async def test_delete_removes_the_collection_and_its_entries_for_the_owner_only(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = await new_collection(client, ann, collection_type="compilation")
    song = await track_item(client, "Song")
    await client.post(f"{COLLECTIONS}/{made['id']}/tracks", json={"audio_file_id": song.id},
                      headers=ann.auth)
    whyd = await post(client, ann, "Posted on Openwhyd", collection_id=made["id"])
    resp = await client.delete(f"{COLLECTIONS}/{made['id']}", headers=bob.auth)
    assert resp.status == 403
    resp = await client.delete(f"{COLLECTIONS}/{made['id']}", headers=ann.auth)
    assert resp.status == 200
    assert await resp.json() == {"message": "Compilation deleted successfully"}
    assert (await get_collection(client, ann, made["id"]))[0] == 404
    store = ctx_of(client).store
    kept = await store.posts.get(whyd.id)
    assert kept is not None and kept.collection_id is None
    assert [p.id for p in await store.posts.page(user_ids=[ann.id])] == [whyd.id]
    resp = await client.delete(f"{COLLECTIONS}/{made['id']}", headers=ann.auth)
    assert resp.status == 404


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _cover(client, who, collection_id, data: bytes, field: str = "file"):
    form = aiohttp.FormData()
    form.add_field(field, io.BytesIO(data), filename="cover.jpg", content_type="image/jpeg")
    return await client.post(f"{COLLECTIONS}/{collection_id}/cover-art", data=form,
                             headers=who.auth)


async def test_cover_art_is_checked_reencoded_without_exif_and_replaces_the_last(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    resp = await _cover(client, ann, made["id"], _jpeg_with_exif())
    first = (await resp.json())["cover_art_url"]
    assert resp.status == 200 and first.startswith("/media/covers/")
    served = await client.get(first)
    with Image.open(io.BytesIO(await served.read())) as img:
        assert img.size == (64, 48) and not img.getexif()
    resp = await _cover(client, ann, made["id"], png_bytes())
    second = (await resp.json())["cover_art_url"]
    assert second != first and (await client.get(first)).status == 404
    covers = media_root(ctx_of(client)) / "covers"
    assert [p.name for p in covers.iterdir()] == [second.rsplit("/", 1)[1]]


async def test_cover_art_refuses_what_is_not_an_image_and_changes_nothing(client):
    ann, bob = await insert_member(client, "ann"), await insert_member(client, "bob")
    made = await new_collection(client, ann)
    polyglot = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    for data, status in ((b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415),
                         (polyglot, 415), (b"", 400),
                         (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), 413)):
        resp = await _cover(client, ann, made["id"], data)
        assert resp.status == status, (data[:10], await resp.text())
    resp = await _cover(client, ann, made["id"], png_bytes(), field="image")
    assert resp.status == 422
    resp = await _cover(client, bob, made["id"], png_bytes())
    assert resp.status == 403 and await resp.json() == EDIT_REFUSED
    assert (await get_collection(client, ann, made["id"]))[1]["cover_art_url"] is None
    covers = media_root(ctx_of(client)) / "covers"
    assert not covers.exists() or list(covers.iterdir()) == []


async def test_deleting_through_openwhyd_also_removes_the_entries_added_through_sono(client):
    ann = await insert_member(client, "ann")
    made = await new_collection(client, ann)
    song = await track_item(client, "Song")
    added = await client.post(f"{COLLECTIONS}/{made['id']}/tracks",
                              json={"audio_file_id": song.id}, headers=ann.auth)
    entry = (await added.json())["id"]
    number = (await ctx_of(client).store.collections.get(made["id"])).number
    resp = await client.post("/api/playlist", data={"action": "delete", "id": str(number)},
                             headers=ann.auth)
    assert resp.status == 200 and await resp.json() == number
    assert await ctx_of(client).store.posts.get(entry) is None
    assert (await get_collection(client, ann, made["id"]))[0] == 404
