"""Spot On's posts over HTTP: create-post, get-user-posts, get-posts, like and dislike, in the
document's shapes, with every documented failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ctx_of
from tests.handlers.social.helpers import NAME, VIDEO, register_member, spoton_post, start_with_fake_oembed

SHORT_VIDEO = "https://youtu.be/XdJVWSqb4Ck"
NOT_AUTHENTICATED = {"error": "User not authenticated"}
PAGE_FIELDS = {"id", "user_id", "comment", "image", "link", "created_at", "total_likes",
               "total_dislikes", "tags"}


def today(shift_days: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=shift_days)).strftime("%Y-%m-%d")



@pytest.fixture
async def client(make_client, aiohttp_server):
    return await start_with_fake_oembed(make_client, aiohttp_server)


async def get_posts(client, who, **body):
    resp = await client.post("/api/get-posts", json=body, headers=who.auth)
    return resp.status, await resp.json()


async def user_posts(client, who, **params):
    resp = await client.get("/api/get-user-posts", params=params, headers=who.auth)
    return resp.status, await resp.json()


async def test_every_post_route_needs_a_signed_in_user(client):
    for method, path in (("POST", "/api/create-post"), ("GET", "/api/get-user-posts"),
                         ("POST", "/api/get-posts"), ("POST", "/api/posts/1/like"),
                         ("POST", "/api/posts/1/dislike")):
        resp = await client.request(method, path, json={"link": VIDEO})
        assert resp.status == 401 and await resp.json() == NOT_AUTHENTICATED, path


async def test_create_post_answers_as_documented_and_get_posts_shows_it(client):
    ada = await register_member(client, "ada")
    resp = await client.post("/api/create-post", headers=ada.auth, json={
        "link": SHORT_VIDEO, "image": "https://img.example/cover.jpg",
        "comment": "Sunday #Jazz #calm", "latitude": "48.8566", "longitude": "2.3522"})
    body = await resp.json()
    assert resp.status == 201
    assert body == {"message": "Post created successfully", "post_id": body["post_id"]}
    status, post = await get_posts(client, ada, post_id=body["post_id"])
    assert status == 200
    content = post.pop("content")
    assert post == {"id": body["post_id"], "user_id": ada.id, "comment": "Sunday #Jazz #calm",
                    "image": "https://img.example/cover.jpg", "link": VIDEO,
                    "created_at": post["created_at"], "total_likes": 0, "total_dislikes": 0,
                    "tags": ["jazz", "calm"], "latitude": 48.8566, "longitude": 2.3522}
    assert post["created_at"].startswith(today())
    assert content["link"] == VIDEO and content["content_type"] == "video"
    assert isinstance(content["id"], int)
    assert content["description"] == f"{NAME} by Jack Johnson"  # from the (fake) oEmbed


async def test_create_post_accepts_labels_beside_hashtags(client):
    ada = await register_member(client, "ada")
    post_id = await spoton_post(client, ada, comment="#live", tags=["Rock", "#live"])
    assert (await get_posts(client, ada, post_id=post_id))[1]["tags"] == ["live", "rock"]


async def test_a_link_that_is_not_music_fails_to_fetch_a_description_and_stores_nothing(client):
    ada = await register_member(client, "ada")
    for link in ("https://example.com/about", "not a link at all"):
        resp = await client.post("/api/create-post", json={"link": link}, headers=ada.auth)
        assert resp.status == 400
        assert await resp.json() == {"error": "Failed to fetch content description"}
    assert await ctx_of(client).store.posts.count_by_user(ada.id) == 0


async def test_create_post_refuses_a_missing_link_and_bad_places(client):
    ada = await register_member(client, "ada")
    for body in ({}, {"link": " "}, {"link": VIDEO, "latitude": "north", "longitude": "2"},
                 {"link": VIDEO, "latitude": "91", "longitude": "2"},
                 {"link": VIDEO, "latitude": "48"}, {"link": VIDEO, "image": "javascript:x"}):
        resp = await client.post("/api/create-post", json=body, headers=ada.auth)
        assert resp.status == 400 and set(await resp.json()) == {"error"}, body
    resp = await client.post("/api/create-post", data="{", headers=ada.auth)
    assert resp.status == 400
    assert await ctx_of(client).store.posts.count_by_user(ada.id) == 0


async def test_get_user_posts_pages_newest_first(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    ids = [await spoton_post(client, ada, comment=f"n{n}") for n in range(5)]
    await spoton_post(client, bob)
    status, first = await user_posts(client, bob, user_id=ada.id, page_number=1, page_size=2)
    assert status == 200
    assert [p["id"] for p in first["posts"]] == ids[::-1][:2]
    assert (first["current_page"], first["total_pages"], first["total_posts"]) == (1, 3, 5)
    assert set(first["posts"][0]) == PAGE_FIELDS
    _, last = await user_posts(client, bob, user_id=ada.id, page_number=3, page_size=2)
    assert [p["id"] for p in last["posts"]] == [ids[0]] and last["current_page"] == 3
    _, beyond = await user_posts(client, bob, user_id=ada.id, page_number=4, page_size=2)
    assert beyond["posts"] == [] and beyond["total_posts"] == 5
    _, own = await user_posts(client, bob)  # defaults: the caller, page 1
    assert own["total_posts"] == 1 and own["current_page"] == 1 and own["total_pages"] == 1


async def test_get_user_posts_rejects_bad_paging_and_unknown_users(client):
    ada = await register_member(client, "ada")
    for params in ({"page_number": 0}, {"page_size": 0}, {"page_size": 101},
                   {"page_number": "two"}, {"user_id": "me"}, {"page_number": -1}):
        status, body = await user_posts(client, ada, **params)
        assert status == 400 and set(body) == {"error"}, params
    status, body = await user_posts(client, ada, user_id=999999)
    assert status == 404 and body == {"error": "User not found"}
    _, empty = await user_posts(client, ada, page_size=100)
    assert empty == {"posts": [], "current_page": 1, "total_pages": 0, "total_posts": 0}


async def test_get_posts_by_link_finds_every_spelling_of_the_link(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    first = await spoton_post(client, ada, link=SHORT_VIDEO)
    second = await spoton_post(client, bob, link=VIDEO)
    await spoton_post(client, bob, link="https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh")
    for spelling in (VIDEO, SHORT_VIDEO, "https://m.youtube.com/watch?v=XdJVWSqb4Ck"):
        status, body = await get_posts(client, ada, post_link=spelling)
        assert status == 200 and [p["id"] for p in body["posts"]] == [second, first]
        assert body["posts"][0]["content"]["link"] == VIDEO
    status, body = await get_posts(client, ada, post_link="https://example.com/nothing")
    assert status == 200 and body == {"posts": []}


async def test_get_posts_between_dates_is_paginated(client):
    ada = await register_member(client, "ada")
    ids = [await spoton_post(client, ada) for _ in range(3)]
    span = {"start_date": today(-1), "end_date": today()}
    status, body = await get_posts(client, ada, **span, page_number=1, page_size=2)
    assert status == 200 and list(body) == ["posts"]
    assert [p["id"] for p in body["posts"]] == [ids[2], ids[1]]
    assert "content" in body["posts"][0]
    _, body = await get_posts(client, ada, **span, page_number="2", page_size="2")
    assert [p["id"] for p in body["posts"]] == [ids[0]]
    _, body = await get_posts(client, ada, **span, page_number=3, page_size=2)
    assert body == {"posts": []}
    _, body = await get_posts(client, ada, start_date=today(-9), end_date=today(-2),
                              page_number=1, page_size=10)
    assert body == {"posts": []}
    _, body = await get_posts(client, ada, start_date=f"{today()}T00:00:00Z",
                              end_date=f"{today(1)}T00:00:00+00:00", page_number=1,
                              page_size=10)
    assert len(body["posts"]) == 3


async def test_get_posts_refuses_bad_combinations_and_unknown_posts(client):
    ada = await register_member(client, "ada")
    post_id = await spoton_post(client, ada)
    span = {"start_date": today(-1), "end_date": today()}
    for body in ({}, {"post_id": post_id, "post_link": VIDEO}, {"start_date": today()},
                 {"end_date": today(), "page_number": 1, "page_size": 1}, span,
                 {**span, "page_number": 1}, {**span, "post_id": post_id},
                 {"start_date": "yesterday", "end_date": today(), "page_number": 1,
                  "page_size": 1},
                 {"start_date": today(), "end_date": today(-3), "page_number": 1,
                  "page_size": 1},
                 {**span, "page_number": 0, "page_size": 1}, {"post_id": "abc"}):
        status, answer = await get_posts(client, ada, **body)
        assert status == 400 and set(answer) == {"error"}, body
    status, answer = await get_posts(client, ada, post_id=post_id + 1000)
    assert status == 404 and answer == {"error": "Post not found"}


async def test_like_and_dislike_answer_as_documented(client):
    ada, bob = await register_member(client, "ada"), await register_member(client, "bob")
    post_id = await spoton_post(client, ada)

    async def react(kind, target=post_id):
        resp = await client.post(f"/api/posts/{target}/{kind}", headers=bob.auth)
        assert resp.status == 200
        body = await resp.json()
        assert body["status"] == "success"
        return body["message"]

    assert await react("like") == "Post liked"
    assert await react("like") == "Post already liked"
    assert await react("dislike") == "Post disliked"
    assert await react("dislike") == "Post already disliked"
    _, post = await get_posts(client, ada, post_id=post_id)
    assert (post["total_likes"], post["total_dislikes"]) == (0, 1)
    assert await react("like") == "Post liked"
    _, post = await get_posts(client, ada, post_id=post_id)
    assert (post["total_likes"], post["total_dislikes"]) == (1, 0)
    assert await react("like", post_id + 1000) == "Post not found"
    assert await react("dislike", 99999999999999999999) == "Post not found"
