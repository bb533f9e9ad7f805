"""Migration 0050: catalog ids become path-safe tokens, and everything naming an item by its
old id (download jobs, watches) follows it; undescribed "Artist - Title" names are split."""

from __future__ import annotations

import json
import re

import pytest

from store.catalog_ids import is_path_safe, path_safe_id

FILE_URL = "http://media.example/x/My%20Song.mp3"
SC_ID = "forss/flickermood"
SC_SET = "forss/sets/ecclesia"
NOW = 1_700_000_000.0


def test_ids_are_path_safe_stable_and_hide_the_source() -> None:
    token = path_safe_id("file", FILE_URL)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token) and token.startswith("fi_")
    assert token == path_safe_id("file", FILE_URL) != path_safe_id("file", FILE_URL + "?")
    assert "media" not in token and is_path_safe(token)
    assert path_safe_id("youtube", "dQw4w9WgXcQ") == "dQw4w9WgXcQ"  # already safe: itself
    assert path_safe_id("soundcloud", SC_ID) != path_safe_id("bandcamp", SC_ID)


async def _row(store, sql: str, *params):
    return await store.db.fetch_one(sql, params)


# the PostgreSQL twin of 0050 is schema-only (no install held old ids; see its header)
@pytest.mark.sqlite_only
async def test_migration_0050_moves_rows_and_their_references(store) -> None:
    user = await store.users.create(username="ada", email="ada@example.com")
    async with store.db.write() as conn:  # rows as Chorus wrote them before 0050
        for provider, kind, pid, name, artists in (
                ("file", "audio", FILE_URL, "My Song", "[]"),
                ("soundcloud", "track", SC_ID, "Flickermood", '["Forss"]'),
                ("soundcloud", "playlist", SC_SET, "Ecclesia", '["Forss"]'),
                ("youtube", "video", "dQw4w9WgXcQ", "Rick Astley - Never Gonna", "[]"),
                ("deezer", "track", "3135556", "Plain name", "[]")):
            await conn.execute(
                "INSERT INTO catalog (provider, kind, provider_id, url, eid, name, artist_names,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (provider, kind, pid, f"https://{provider}.example/{pid}", f"/x/{pid}", name,
                 artists, NOW, NOW))
        for job_id, payload, dedupe in (
                ("j1", {"download_type": "track", "item_id": FILE_URL, "provider": "file",
                        "child_key": f"1:{FILE_URL}", "target": "/x"},
                 f"{user.id}:track:{FILE_URL}"),
                ("j2", {"download_type": "playlist", "item_id": SC_SET},
                 f"{user.id}:playlist:{SC_SET}"),
                ("j3", {"download_type": "track", "item_id": "dQw4w9WgXcQ", "target": "/y"},
                 f"{user.id}:track:dQw4w9WgXcQ")):
            await conn.execute(
                "INSERT INTO jobs (id, kind, owner_id, payload, dedupe_key, created_at, "
                "updated_at) VALUES (?, 'download.track', ?, ?, ?, ?, ?)",
                (job_id, user.id, json.dumps(payload), dedupe, NOW, NOW))
        await conn.execute(
            "INSERT INTO watches (id, owner_id, kind, item_id, created_at) "
            "VALUES (1, ?, 'playlist', ?, ?)", (user.id, SC_SET, NOW))
        await conn.execute("INSERT INTO watch_items (watch_id, item_id, added_at) "
                           "VALUES (1, ?, ?)", (SC_ID, NOW))
        await conn.execute("DELETE FROM schema_version WHERE number = 50")
    assert await store.migrate() == ["0050_path_safe_catalog_ids.sql"]

    file_id, sc_id, set_id = (path_safe_id("file", FILE_URL), path_safe_id("soundcloud", SC_ID),
                              path_safe_id("soundcloud", SC_SET))
    rows = await store.db.fetch_all("SELECT provider_id, url FROM catalog ORDER BY id")
    assert [r[0] for r in rows] == [file_id, sc_id, set_id, "dQw4w9WgXcQ", "3135556"]
    assert rows[0][1] == f"https://file.example/{FILE_URL}"  # the source URL stays
    j1 = await _row(store, "SELECT payload, dedupe_key FROM jobs WHERE id = 'j1'")
    assert json.loads(j1[0])["item_id"] == file_id
    assert json.loads(j1[0])["child_key"] == f"1:{file_id}"
    assert j1[1] == f"{user.id}:track:{file_id}"
    j2 = await _row(store, "SELECT payload, dedupe_key FROM jobs WHERE id = 'j2'")
    assert json.loads(j2[0])["item_id"] == set_id and j2[1] == f"{user.id}:playlist:{set_id}"
    j3 = await _row(store, "SELECT payload, dedupe_key FROM jobs WHERE id = 'j3'")
    assert json.loads(j3[0])["item_id"] == "dQw4w9WgXcQ"  # a safe id does not move
    assert (await _row(store, "SELECT item_id FROM watches WHERE id = 1"))[0] == set_id
    assert (await _row(store, "SELECT item_id FROM watch_items"))[0] == sc_id
    # the local catalog finds the moved items by their new ids
    assert (await store.catalog.find("file", "audio", file_id)).name == "My Song"
    # an undescribed "Artist - Title" name is split, a plain one left alone
    video = await store.catalog.find("youtube", "video", "dQw4w9WgXcQ")
    assert (video.name, video.artist_names) == ("Never Gonna", ["Rick Astley"])
    plain = await store.catalog.find("deezer", "track", "3135556")
    assert (plain.name, plain.artist_names) == ("Plain name", [])
