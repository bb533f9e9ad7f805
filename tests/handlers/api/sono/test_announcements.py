"""Sono's announcements: the public list and get, the admin's writes, and the live push of a
published announcement to every connected client."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.sono.helpers import bearer, signed_in
from tests.handlers.api.sono.media_helpers import admin_tokens

PUBLIC = "/api/v1/announcements"
ADMIN = "/api/v1/admin/announcements"


@pytest.fixture
async def admin_client(make_client):
    return await make_client(admin_username="root", admin_password=STRONG_PASSWORD)


async def test_admin_writes_and_the_public_sees_only_published(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    draft = await (await client.post(ADMIN, headers=bearer(root),
                                     json={"title": "Draft", "content": "Soon"})).json()
    assert draft["is_published"] is False and draft["published_at"] is None
    live = await client.post(ADMIN, headers=bearer(root),
                             json={"title": "Important Update", "content": "Hello",
                                   "is_published": True})
    assert live.status == 201
    shown = await (await client.get(PUBLIC)).json()
    assert [a["title"] for a in shown["items"]] == ["Important Update"] and shown["total"] == 1
    assert (await client.get(f"{PUBLIC}/{draft['id']}")).status == 404
    every = await (await client.get(f"{ADMIN}?published_only=false", headers=bearer(root))).json()
    assert every["total"] == 2
    only = await (await client.get(f"{ADMIN}?published_only=true", headers=bearer(root))).json()
    assert [a["title"] for a in only["items"]] == ["Important Update"]
    resp = await client.put(f"{ADMIN}/{draft['id']}", headers=bearer(root),
                            json={"content": "Now", "is_published": True})
    changed = await resp.json()
    assert changed["is_published"] is True and changed["published_at"] is not None
    assert (await (await client.get(f"{PUBLIC}/{draft['id']}")).json())["content"] == "Now"
    assert (await client.delete(f"{ADMIN}/{draft['id']}", headers=bearer(root))).status == 200
    assert (await client.get(f"{ADMIN}/{draft['id']}", headers=bearer(root))).status == 404
    assert (await client.delete(f"{ADMIN}/{draft['id']}", headers=bearer(root))).status == 404


async def test_bad_announcements_are_refused_and_change_nothing(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    item = await (await client.post(ADMIN, headers=bearer(root),
                                    json={"title": "Kept", "content": "Body"})).json()
    for body, loc in (({"content": "x"}, ["body", "title"]),
                      ({"title": "", "content": "x"}, ["body", "title"]),
                      ({"title": "t" * 201, "content": "x"}, ["body", "title"]),
                      ({"title": "t", "content": "x", "is_published": "soon"},
                       ["body", "is_published"])):
        resp = await client.post(ADMIN, headers=bearer(root), json=body)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == loc
    resp = await client.put(f"{ADMIN}/{item['id']}", headers=bearer(root), json={"title": "  "})
    assert resp.status == 400
    got = await (await client.get(f"{ADMIN}/{item['id']}", headers=bearer(root))).json()
    assert got["title"] == "Kept"
    assert (await (await client.get(ADMIN, headers=bearer(root))).json())["total"] == 1
    assert (await client.get(f"{ADMIN}?published_only=maybe", headers=bearer(root))).status == 422


async def test_publishing_pushes_to_every_connected_client(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    _, tokens = await signed_in(client, "ada")
    listeners = [await RawCentrifuge.open(client, tokens["access_token"], cookies=False),
                 await RawCentrifuge.open(client, "", cookies=False)]
    try:
        draft = await (await client.post(ADMIN, headers=bearer(root),
                                         json={"title": "Quiet", "content": "draft"})).json()
        await client.post(ADMIN, headers=bearer(root),
                          json={"title": "Loud", "content": "now", "is_published": True})
        for live in listeners:
            push = await live.next_push("announcements")
            assert push["pub"]["data"]["title"] == "Loud"
        await client.put(f"{ADMIN}/{draft['id']}", headers=bearer(root),
                         json={"is_published": True})
        for live in listeners:
            push = await live.next_push("announcements")
            assert push["pub"]["data"] == {"type": "announcement", "id": draft["id"],
                                           "title": "Quiet", "content": "draft",
                                           "published_at": push["pub"]["data"]["published_at"]}
        # a change to a published one is not pushed again
        await client.put(f"{ADMIN}/{draft['id']}", headers=bearer(root), json={"content": "x"})
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(listeners[0].next_push("announcements"), 0.3)
    finally:
        for live in listeners:
            await live.close()
