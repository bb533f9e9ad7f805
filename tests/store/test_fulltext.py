"""Full-text search through the repositories, on the test run's store (SQLite's FTS5, or
PostgreSQL's tsvector columns under CHORUS_TEST_STORE): the same words find the same rows in
the same order on both."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)


async def _item(store: Any, name: str, **fields: Any) -> Any:
    n = next(_ids)
    return await store.catalog.upsert("spotify", fields.pop("kind", "track"), f"t{n}",
                                      url=f"https://open.spotify.com/track/t{n}",
                                      eid=f"/sp/t{n}", name=name, **fields)


async def _user(store: Any, username: str, **fields: Any) -> Any:
    return await store.users.create(username=username, email=f"{username}@example.com",
                                    **fields)


async def _post(store: Any, user: Any, name: str, **fields: Any) -> Any:
    n = next(_ids)
    return await store.posts.create(user_id=user.id, link=f"https://youtu.be/v{n}",
                                    eid=fields.pop("eid", f"/yt/v{n}"), name=name, **fields)


async def test_every_word_must_match_each_as_a_prefix(store):
    jamboo = await _item(store, "Coco Jamboo", artist_names=["Mr. President"])
    coconut = await _item(store, "Coconut")
    found, total = await store.search.catalog("coc")
    assert {i.id for i in found} == {jamboo.id, coconut.id} and total == 2
    found, total = await store.search.catalog("coc jam")
    assert [i.id for i in found] == [jamboo.id] and total == 1
    assert await store.search.catalog("coconuts") == ([], 0)


async def test_accents_and_case_do_not_matter(store):
    cafe = await _item(store, "Café del Mar", artist_names=["Energy 52"])
    await _item(store, "Cafe Society")
    for words in ("CAFE ener", "café énergy", "cafe 52"):
        found, _ = await store.search.catalog(words)
        assert [i.id for i in found] == [cafe.id], words


async def test_a_name_match_ranks_above_artists_genres_then_description(store):
    by_description = await _item(store, "Ocean drive", description="about a coconut")
    by_genre = await _item(store, "Other", genres=["coconut rock"])
    by_artist = await _item(store, "Song", artist_names=["Coconut Band"])
    by_name = await _item(store, "Coconut")
    expected = [by_name.id, by_artist.id, by_genre.id, by_description.id]
    found, total = await store.search.catalog("coconut")
    assert [i.id for i in found] == expected and total == 4
    found, total = await store.catalog_search.search("coconut", ["track"])
    assert [i.id for i in found] == expected and total == 4


async def test_a_genre_is_looked_for_in_genres_only(store):
    rock = await _item(store, "Song", genres=["rock", "pop"])
    await _item(store, "Rock and roll", genres=["jazz"])
    found, total = await store.catalog_search.search("", ["track"], genre="roc")
    assert [i.id for i in found] == [rock.id] and total == 1
    found, total = await store.catalog_search.search("song", ["track"], genre="pop")
    assert [i.id for i in found] == [rock.id] and total == 1
    sampled = await store.catalog_search.sample(["track"], genre="rock", limit=5)
    assert [i.id for i in sampled] == [rock.id]
    assert await store.catalog_search.sample(["album"], genre="rock") == []


async def test_artists_and_albums_are_found_whatever_their_case(store):
    track = await _item(store, "One", artist_names=["Daft Punk", "Romanthony"],
                        album_name="Discovery")
    found, _ = await store.catalog_search.by_artist("ROMANTHONY", ["track"])
    assert [i.id for i in found] == [track.id]
    found, _ = await store.catalog_search.in_album("discovery", ["track"], provider="spotify")
    assert [i.id for i in found] == [track.id]


async def test_operators_and_quotes_in_what_people_type_are_plain_words(store):
    await _item(store, "Coco")
    for words in ('coco" OR x', "coco*", "coco & ! | <-> :* (x)", "co'co", "NEAR(coco)",
                  "coco\\", "-coco", "genres : coco"):
        found, _ = await store.search.catalog(words)  # no syntax error, whatever it finds
        assert isinstance(found, list), words
    found, _ = await store.search.catalog("(coco)")
    assert [i.name for i in found] == ["Coco"]
    assert await store.search.catalog("&& !! ::") == ([], 0)  # no word at all


async def test_words_inside_links_tags_and_addresses_are_found(store):
    ada = await _user(store, "ada")
    post = await _post(store, ada, "<b>Bold</b> tune",
                       text="from https://soundcloud.com/someartist/sometrack, ask me@ada.org")
    for words in ("bold", "soundcloud", "sometrack", "someartist", "ada org", "tune"):
        found, _ = await store.search.posts(words)
        assert [p.id for p in found] == [post.id], words


async def test_posts_come_mine_first_then_followed_then_others(store):
    me, friend, stranger = [await _user(store, n) for n in ("me", "friend", "stranger")]
    await store.follows.follow(me.id, friend.id)
    strangers = await _post(store, stranger, "Jamboo")
    friends = await _post(store, friend, "Jamboo")
    mine = await _post(store, me, "Jamboo", text="jamboo jamboo")
    found, total = await store.search.posts("jamb", viewer_id=me.id)
    assert [p.id for p in found] == [mine.id, friends.id, strangers.id] and total == 3
    # without a viewer, equal ranks go newest first
    found, total = await store.search.posts("jamb", exclude_user_id=me.id, limit=1, offset=1)
    assert [p.id for p in found] == [strangers.id] and total == 2


async def test_a_name_match_beats_a_text_match_and_one_post_per_track(store):
    ada = await _user(store, "ada")
    in_text = await _post(store, ada, "Something", text="lambada", eid="/yt/same")
    in_name = await _post(store, ada, "Lambada", eid="/yt/same")
    other = await _post(store, ada, "Lambada live")
    found, total = await store.search.posts("lambada", distinct_eid=True)
    assert [p.id for p in found] == [in_name.id, other.id] and total == 2
    assert [p.id for p in await store.posts.search("lambada")] == [
        in_name.id, other.id, in_text.id]


async def test_people_by_any_part_of_their_name_never_the_erased(store):
    bob = await _user(store, "bobby_soulman", name="Bob", labels="jazz,soul")
    ann = await _user(store, "ann", name="Ann", surname="Soulier")
    gone = await _user(store, "soulgone", name="Gone")
    await store.users.erase(gone.id, {"state": "deleted"})
    found, total = await store.search.users("soul")
    assert {u.id for u in found} == {bob.id, ann.id} and total == 2
    found, _ = await store.search.users("bobby")
    assert [u.id for u in found] == [bob.id]


async def test_collections_public_or_the_viewers_own(store):
    ada, bob = await _user(store, "ada"), await _user(store, "bob")
    public = await store.collections.create(ada.id, "Summer hits")
    private = await store.collections.create(bob.id, "Summer secrets", is_public=0)
    found, _ = await store.search.collections("summer", viewer_id=ada.id)
    assert [c.id for c in found] == [public.id]
    found, _ = await store.search.collections("summer", viewer_id=bob.id)
    assert [c.id for c in found] == [private.id, public.id]  # the viewer's own first
