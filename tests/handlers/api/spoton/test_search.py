"""Spot On's GET /api/search over HTTP: catalog contents and profiles on FTS5, prefix matching,
ranking, labels, pagination edges and bad input."""

from __future__ import annotations

from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import insert_member


async def item(client, provider_id, name, kind="track", **fields):
    return await ctx_of(client).store.catalog.upsert(
        "spotify", kind, provider_id, url=f"https://open.spotify.com/{kind}/{provider_id}",
        eid=f"/sp/{provider_id}", name=name, **fields)


async def find(client, **params):
    resp = await client.get("/api/search", params=params)
    return resp.status, await resp.json()


async def test_a_prefix_finds_contents_and_profiles_without_signing_in(client):
    coco = await item(client, "t1", "Coco Jamboo", artist_names=["Mr. President"],
                      album_name="We See the Same Sun", genres=["eurodance"],
                      description="Coco Jamboo by Mr. President", lyrics="Coco jamboo ya ya yeah")
    await item(client, "t2", "Something else")
    cora = await insert_member(client, "coralie", name="Coralie", surname="Coco", labels="dj, house")
    await insert_member(client, "zed", name="Zed")
    status, body = await find(client, search="coc")
    assert status == 200
    assert body["content_results_count"] == 1 and body["profile_results_count"] == 1
    assert body["page"] == 1 and body["page_size"] == 10
    assert body["contents"] == [{
        "id": coco.id, "link": "https://open.spotify.com/track/t1",
        "description": "Coco Jamboo by Mr. President", "content_type": "track",
        "artist_names": ["Mr. President"], "playlist_name": "", "album_name": "We See the Same Sun",
        "song_name": "Coco Jamboo", "genres": ["eurodance"], "ai_description": None,
        "lyrics": "Coco jamboo ya ya yeah"}]
    assert body["profiles"] == [{"id": cora.id, "user_id": cora.id, "name": "Coralie",
                                 "surname": "Coco", "labels": ["dj", "house"],
                                 "username": "coralie"}]


async def test_every_word_must_match_and_accents_do_not_matter(client):
    await item(client, "t1", "Café del Mar", artist_names=["Energy 52"])
    await item(client, "t2", "Café Society")
    status, body = await find(client, search="cafe ener")
    assert status == 200 and [c["song_name"] for c in body["contents"]] == ["Café del Mar"]


async def test_a_name_match_ranks_above_a_description_match(client):
    await item(client, "t1", "Ocean drive", description="not about the coconut at all")
    await item(client, "t2", "Coconut", description="Coconut by Harry Nilsson")
    await item(client, "t3", "Other", genres=["coconut rock"])
    status, body = await find(client, search="coconut")
    assert [c["link"].rsplit("/", 1)[1] for c in body["contents"]] == ["t2", "t3", "t1"]


async def test_albums_and_playlists_have_no_song_name(client):
    await item(client, "a1", "Blue Train", kind="album", album_name="Blue Train")
    await item(client, "p1", "Blue Monday mix", kind="playlist", playlist_name="Blue Monday mix")
    _, body = await find(client, search="blue")
    by_kind = {c["content_type"]: c for c in body["contents"]}
    assert by_kind["album"]["song_name"] == "" and by_kind["album"]["album_name"] == "Blue Train"
    assert by_kind["playlist"]["playlist_name"] == "Blue Monday mix"


async def test_profiles_are_found_by_labels_username_and_surname(client):
    ada = await insert_member(client, "ada", surname="Lovelace", labels="jazz,soul")
    bob = await insert_member(client, "bobby_soulman", name="Bob")
    for words, expected in (("sou", {ada.id, bob.id}), ("jaz", {ada.id}),
                            ("lovel", {ada.id}), ("bobby", {bob.id})):
        _, body = await find(client, search=words)
        assert {p["user_id"] for p in body["profiles"]} == expected, words


async def test_deleted_and_disabled_people_are_not_found(client):
    await insert_member(client, "gone", name="Jazzman", state="deleted")
    await insert_member(client, "off", name="Jazzwoman", state="disabled")
    kept = await insert_member(client, "kept", name="Jazzkid")
    _, body = await find(client, search="jazz")
    assert [p["id"] for p in body["profiles"]] == [kept.id]
    assert body["profile_results_count"] == 1


async def test_pages_split_contents_and_profiles_alike(client):
    for n in range(5):
        await item(client, f"t{n}", f"Lullaby {n}")
    for n in range(3):
        await insert_member(client, f"lulu{n}")
    seen = []
    for page, contents, profiles in ((1, 2, 2), (2, 2, 1), (3, 1, 0), (4, 0, 0)):
        status, body = await find(client, search="lul", page=str(page), page_size="2")
        assert status == 200 and body["page"] == page and body["page_size"] == 2
        assert body["content_results_count"] == 5 and body["profile_results_count"] == 3
        assert (len(body["contents"]), len(body["profiles"])) == (contents, profiles), page
        seen += [c["id"] for c in body["contents"]]
    assert len(set(seen)) == 5
    _, body = await find(client, search="lul", page_size="100")
    assert len(body["contents"]) == 5


async def test_bad_pages_and_a_missing_search_are_refused(client):
    for params in ({"page": "0"}, {"page": "-1"}, {"page": "two"}, {"page": "1.5"},
                   {"page_size": "0"}, {"page_size": "101"}, {"page_size": "ten"},
                   {"page": "99999999999999999999"}):
        status, body = await find(client, search="x", **params)
        assert status == 400 and isinstance(body["error"], str), params
    for params in ({}, {"search": "   "}):
        assert await find(client, **params) == (400, {"error": "search is required"})


async def test_words_without_letters_find_nothing_and_operators_are_inert(client):
    await item(client, "t1", "NEAR AND OR")
    assert (await find(client, search="!!! ???"))[1]["content_results_count"] == 0
    _, body = await find(client, search='near" OR title:*')
    assert body["content_results_count"] == 0
    _, body = await find(client, search="near and")
    assert body["content_results_count"] == 1
