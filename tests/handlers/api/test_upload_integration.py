"""An uploaded Sono audio file is a catalog track in the other dialects too, under its
visibility rule, over HTTP: Spotizerr downloads it by its path-safe id from the audio store
(someone else's private file is a 404), Sono collections take one's own or a public file but
not someone else's private one, and the admin's clean-ups leave no bytes on disk and no
catalog item that still offers a deleted file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from store.catalog_ids import is_path_safe
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.handlers.api.sono.helpers import COLLECTIONS, bearer, signed_in
from tests.handlers.api.sono.media_helpers import (
    ADMIN,
    AUDIO,
    admin_tokens,
    audio_dir_files,
    upload_audio,
    wav_bytes,
)
from tests.handlers.api.spotizerr.helpers import login as spotizerr_login
from tests.handlers.api.spotizerr.helpers import wait_status

SONG = wav_bytes(2.0)


@pytest.fixture
async def client(make_client: Any) -> Any:
    return await make_client(admin_username="root", admin_password=STRONG_PASSWORD)


async def _upload(client: Any, tokens: Any, title: str, public: bool,
                  data: bytes = SONG) -> dict[str, Any]:
    resp = await upload_audio(client, tokens, data, filename=f"{title}.wav", title=title,
                              is_public="true" if public else "false")
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _track_id(client: Any, upload: dict[str, Any]) -> str:
    item = await ctx_of(client).store.catalog.get(upload["catalog_id"])
    return item.provider_id


async def test_spotizerr_downloads_an_upload_by_its_path_safe_id_under_its_visibility(client):
    _, ada = await signed_in(client, "ada")
    await signed_in(client, "bob")
    secret = await _upload(client, ada, "Secret Song", public=False)
    shared = await _upload(client, ada, "Shared Song", public=True, data=wav_bytes(3.0))
    secret_id, shared_id = await _track_id(client, secret), await _track_id(client, shared)
    for track_id in (secret_id, shared_id):
        # a token, not the stream URL it used to be
        assert is_path_safe(track_id) and track_id.startswith("fi_"), track_id
    ada_z, bob_z = await spotizerr_login(client, "ada"), await spotizerr_login(client, "bob")

    # someone else's private file: Spotizerr's 404, and no job
    resp = await client.get(f"/api/track/download/{secret_id}", headers=bob_z)
    assert resp.status == 404 and set(await resp.json()) == {"error", "details", "detail"}
    listing = await (await client.get("/api/prgs/list", headers=bob_z)).json()
    assert listing["tasks"] == []

    # the owner's private file and anyone's public file come from the audio store (loopback
    # HTTP is not allowed here, so a download over the stream URL would fail)
    for auth, track_id, upload, data in ((ada_z, secret_id, secret, SONG),
                                         (bob_z, shared_id, shared, wav_bytes(3.0))):
        resp = await client.get(f"/api/track/download/{track_id}", headers=auth)
        assert resp.status == 202, await resp.text()
        task = await wait_status(client, auth, (await resp.json())["task_id"],
                                 "complete", "error")
        assert task["status"] == "complete", task
        path = Path(task["file_path"])
        # the same samples (the downloader adds its tags beside them)
        assert path.name == f"{upload['title']}.wav" and data[44:] in path.read_bytes()


async def test_a_collection_takes_own_and_public_uploads_but_not_anothers_private_one(client):
    _, ada = await signed_in(client, "ada")
    _, bob = await signed_in(client, "bob")
    secret = await _upload(client, ada, "Secret Song", public=False)
    shared = await _upload(client, ada, "Shared Song", public=True)
    mine = await _upload(client, bob, "Bob Song", public=False)
    resp = await client.post(f"{COLLECTIONS}/", json={"title": "Mix", "collection_type":
                                                      "playlist", "is_public": True},
                             headers=bearer(bob))
    collection = (await resp.json())["id"]
    tracks = f"{COLLECTIONS}/{collection}/tracks"

    resp = await client.post(tracks, json={"audio_file_id": secret["catalog_id"]},
                             headers=bearer(bob))
    assert resp.status == 404 and set(await resp.json()) == {"detail"}
    resp = await client.post(f"{tracks}/bulk-add", json={
        "audio_file_ids": [shared["catalog_id"], secret["catalog_id"]]}, headers=bearer(bob))
    assert resp.status == 404, await resp.text()
    assert await ctx_of(client).store.collections.track_ids(collection) == []  # all or nothing

    for upload in (shared, mine):
        resp = await client.post(tracks, json={"audio_file_id": upload["catalog_id"]},
                                 headers=bearer(bob))
        assert resp.status == 200, await resp.text()
    assert len(await ctx_of(client).store.collections.track_ids(collection)) == 2


async def test_admin_deleting_a_users_audio_leaves_no_bytes_and_no_catalog_item(client):
    _, ada = await signed_in(client, "ada")
    _, bob = await signed_in(client, "bob")
    root = await admin_tokens(client)
    store, data_dir = ctx_of(client).store, ctx_of(client).config.data_path
    kept = await _upload(client, bob, "Bob Song", public=True)
    quiet = await _upload(client, ada, "Quiet Song", public=True)
    heard = await _upload(client, ada, "Heard Song", public=True, data=wav_bytes(31.0))
    # bob plays ada's 31 s song from the start: a listen that names its catalog item
    resp = await client.get(f"{AUDIO}/{heard['id']}/stream", headers=bearer(bob))
    assert resp.status == 200
    await resp.read()
    heard_id = await _track_id(client, heard)
    ada_id = quiet["owner_id"]

    # disabling keeps the account's files (it can be enabled again) and their items
    resp = await client.post(f"{ADMIN}/users/{ada_id}/disable", headers=bearer(root))
    assert resp.status == 200, await resp.text()
    assert len(audio_dir_files(data_dir)) == 3
    assert await store.catalog.get(quiet["catalog_id"]) is not None

    resp = await client.delete(f"{ADMIN}/users/{ada_id}/audio-files", headers=bearer(root))
    assert resp.status == 200, await resp.text()
    [left] = audio_dir_files(data_dir)  # bob's only
    assert left.startswith(f"{kept['owner_id']}_")
    assert (await store.audio.get(kept["id"])) is not None
    assert await store.catalog.get(quiet["catalog_id"]) is None  # no dangling item
    # the heard song's item stays as bob's listening history, but offers nothing any more
    assert await store.catalog.get(heard["catalog_id"]) is not None
    bob_z = await spotizerr_login(client, "bob")
    resp = await client.get(f"/api/track/download/{heard_id}", headers=bob_z)
    assert resp.status == 404, await resp.text()
    resp = await client.post(f"{COLLECTIONS}/", json={"title": "Mix", "collection_type":
                                                      "playlist"}, headers=bearer(bob))
    resp = await client.post(f"{COLLECTIONS}/{(await resp.json())['id']}/tracks",
                             json={"audio_file_id": heard["catalog_id"]}, headers=bearer(bob))
    assert resp.status == 404, await resp.text()
    # and a file its owner deletes goes the same way
    resp = await client.delete(f"{AUDIO}/{kept['id']}", headers=bearer(bob))
    assert resp.status in (200, 204), await resp.text()
    assert audio_dir_files(data_dir) == []
    assert await store.catalog.get(kept["catalog_id"]) is None
