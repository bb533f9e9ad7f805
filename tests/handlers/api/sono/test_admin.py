"""Sono's /api/v1/admin routes over users and audio: refused to ordinary users (403) and to
signed-out callers (401), and each doing what it says on a real store."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.handlers.api.sono.helpers import USERS, bearer, login, signed_in
from tests.handlers.api.sono.media_helpers import (
    ADMIN,
    AUDIO,
    admin_tokens,
    audio_dir_files,
    upload_audio,
    wav_bytes,
)

# every admin route of issue 13, with a body where one is needed ({id}: a user's id)
ADMIN_ROUTES = [
    ("GET", "/stats", None), ("GET", "/users", None), ("GET", "/users/{id}", None),
    ("PUT", "/users/{id}/upload-limit", {"max_audio_uploads": 5}),
    ("GET", "/users/{id}/upload-stats", None), ("POST", "/users/{id}/disable", None),
    ("POST", "/users/{id}/enable", None), ("GET", "/audio-files/all", None),
    ("DELETE", "/users/{id}/audio-files", None), ("POST", "/users/{id}/reset-uploads", None),
    ("GET", "/collections/stats", None), ("GET", "/users/{id}/collections/stats", None),
    ("DELETE", "/users/{id}/collections/all", None), ("GET", "/collections/recent", None),
    ("GET", "/collections/summary", None),
    ("POST", "/announcements", {"title": "T", "content": "C"}),
    ("GET", "/announcements", None), ("GET", "/announcements/1", None),
    ("PUT", "/announcements/1", {"title": "T"}), ("DELETE", "/announcements/1", None),
]


@pytest.fixture
async def admin_client(make_client):
    return await make_client(admin_username="root", admin_password=STRONG_PASSWORD,
                             admin_email="root@example.com")


async def test_every_admin_route_refuses_ordinary_and_signed_out_callers(admin_client):
    client = admin_client
    user, tokens = await signed_in(client)
    await upload_audio(client, tokens, wav_bytes())
    assert len(ADMIN_ROUTES) == 20
    for method, path, body in ADMIN_ROUTES:
        url = ADMIN + path.replace("{id}", str(user["id"]))
        resp = await client.request(method, url, json=body, headers=bearer(tokens))
        assert resp.status == 403, (method, path)
        assert await resp.json() == {"detail": "Admin access required"}
        resp = await client.request(method, url, json=body)
        assert resp.status == 401, (method, path)
    # nothing changed: the file, the account and its limit are as they were
    me = await (await client.get(f"{USERS}/me", headers=bearer(tokens))).json()
    assert me["is_active"] is True
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(tokens))).json()
    assert stats["total_files"] == 1 and stats["max_uploads"] == 25


async def test_stats_users_and_detail(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    ada, tokens = await signed_in(client, "ada")
    await signed_in(client, "bob")
    await upload_audio(client, tokens, wav_bytes(), is_public="true")
    stats = await (await client.get(f"{ADMIN}/stats", headers=bearer(root))).json()
    assert stats["total_users"] == 3 and stats["active_users"] == 3
    assert stats["admin_users"] == 1 and stats["total_audio_files"] == 1
    assert stats["public_audio_files"] == 1 and stats["total_storage_bytes"] > 0
    page = await (await client.get(f"{ADMIN}/users?skip=1&limit=1", headers=bearer(root))).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["has_more"] is True
    detail = await (await client.get(f"{ADMIN}/users/{ada['id']}", headers=bearer(root))).json()
    assert detail["username"] == "ada" and detail["used_uploads"] == 1
    assert detail["max_audio_uploads"] == 25 and detail["total_collections"] == 0
    assert (await client.get(f"{ADMIN}/users/99999", headers=bearer(root))).status == 404
    assert (await client.get(f"{ADMIN}/users/abc", headers=bearer(root))).status == 422


async def test_upload_limit_stats_and_reset(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    ada, tokens = await signed_in(client, "ada")
    resp = await client.put(f"{ADMIN}/users/{ada['id']}/upload-limit", headers=bearer(root),
                            json={"max_audio_uploads": 1})
    assert resp.status == 200 and (await resp.json())["max_audio_uploads"] == 1
    assert (await upload_audio(client, tokens, wav_bytes())).status == 201
    assert (await upload_audio(client, tokens, wav_bytes())).status == 403
    found = await (await client.get(f"{ADMIN}/users/{ada['id']}/upload-stats",
                                    headers=bearer(root))).json()
    assert (found["used_uploads"], found["max_uploads"], found["remaining_uploads"]) == (1, 1, 0)
    for bad in ({"max_audio_uploads": -1}, {"max_audio_uploads": "many"}, {}):
        resp = await client.put(f"{ADMIN}/users/{ada['id']}/upload-limit", headers=bearer(root),
                                json=bad)
        assert resp.status == 422
    resp = await client.post(f"{ADMIN}/users/{ada['id']}/reset-uploads", headers=bearer(root))
    assert (await resp.json())["used_uploads"] == 0
    assert (await upload_audio(client, tokens, wav_bytes())).status == 201
    assert (await upload_audio(client, tokens, wav_bytes())).status == 403


async def test_disable_ends_sessions_and_live_connections_at_once(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    ada, tokens = await signed_in(client, "ada")
    live = await RawCentrifuge.open(client, tokens["access_token"], cookies=False)
    try:
        resp = await client.post(f"{ADMIN}/users/{ada['id']}/disable", headers=bearer(root))
        assert resp.status == 200 and (await resp.json())["is_active"] is False
        msg = await live.ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.CLOSING)
    finally:
        await live.close()
    assert (await client.get(f"{USERS}/me", headers=bearer(tokens))).status == 401
    resp = await client.post(f"{USERS}/token",
                             data={"username": "ada", "password": STRONG_PASSWORD})
    assert resp.status in (400, 401, 403)
    again = await client.post(f"{ADMIN}/users/{ada['id']}/disable", headers=bearer(root))
    assert again.status == 400
    me_id = (await (await client.get(f"{USERS}/me", headers=bearer(root))).json())["id"]
    assert (await client.post(f"{ADMIN}/users/{me_id}/disable", headers=bearer(root))).status == 400
    resp = await client.post(f"{ADMIN}/users/{ada['id']}/enable", headers=bearer(root))
    assert (await resp.json())["is_active"] is True
    assert (await login(client, "ada"))["access_token"]
    resp = await client.post(f"{ADMIN}/users/{ada['id']}/enable", headers=bearer(root))
    assert resp.status == 400


async def test_all_audio_and_deleting_a_users_audio(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    ada, ada_tokens = await signed_in(client, "ada")
    _, bob_tokens = await signed_in(client, "bob")
    for _ in range(2):
        await upload_audio(client, ada_tokens, wav_bytes())
    kept = await (await upload_audio(client, bob_tokens, wav_bytes())).json()
    every = await (await client.get(f"{ADMIN}/audio-files/all", headers=bearer(root))).json()
    assert every["total"] == 3  # private files included
    resp = await client.delete(f"{ADMIN}/users/{ada['id']}/audio-files", headers=bearer(root))
    assert (await resp.json())["deleted_count"] == 2
    files = audio_dir_files(ctx_of(client).config.data_path)
    assert len(files) == 1 and files[0].startswith(f"{kept['owner_id']}_")
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(ada_tokens))).json()
    assert stats["total_files"] == 0 and stats["used_uploads"] == 0


async def test_collection_stats_summary_recent_and_delete(admin_client):
    client = admin_client
    root = await admin_tokens(client)
    ada, _ = await signed_in(client, "ada")
    bob, _ = await signed_in(client, "bob")
    collections = ctx_of(client).store.collections
    await collections.create(ada["id"], "Mix", kind="playlist")
    await collections.create(ada["id"], "LP", kind="album", is_public=False)
    await collections.create(bob["id"], "Best of", kind="compilation")
    stats = await (await client.get(f"{ADMIN}/collections/stats", headers=bearer(root))).json()
    assert stats["total_collections"] == 3 and stats["private_collections"] == 1
    assert stats["by_type"] == {"album": 1, "playlist": 1, "compilation": 1}
    mine = await (await client.get(f"{ADMIN}/users/{ada['id']}/collections/stats",
                                   headers=bearer(root))).json()
    assert mine["total_collections"] == 2 and mine["username"] == "ada"
    recent = await (await client.get(f"{ADMIN}/collections/recent?limit=2",
                                     headers=bearer(root))).json()
    assert [c["title"] for c in recent] == ["Best of", "LP"]
    assert recent[0]["owner_username"] == "bob"
    summary = await (await client.get(f"{ADMIN}/collections/summary",
                                      headers=bearer(root))).json()
    assert summary["created_last_7_days"] == 3
    assert summary["top_curators"][0] == {"user_id": ada["id"], "username": "ada",
                                          "collection_count": 2}
    resp = await client.delete(f"{ADMIN}/users/{ada['id']}/collections/all",
                               headers=bearer(root))
    assert (await resp.json())["deleted_count"] == 2
    assert [c.title for c in await collections.of_owner(bob["id"])] == ["Best of"]
    assert await collections.of_owner(ada["id"]) == []
    bad = await client.get(f"{ADMIN}/collections/recent?limit=0", headers=bearer(root))
    assert bad.status == 422
