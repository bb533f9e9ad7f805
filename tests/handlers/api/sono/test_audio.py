"""Sono's audio endpoints over HTTP: streamed uploads typed by their bytes, tags read by
mutagen, per-user limits taken atomically, Range streams, privacy, and what each refusal
leaves on disk (nothing)."""

from __future__ import annotations

import asyncio
import os
import time

from tests.conftest import ctx_of
from tests.handlers.api.sono.helpers import bearer, signed_in
from tests.handlers.api.sono.media_helpers import (
    AUDIO,
    audio_dir_files,
    mp3_bytes,
    upload_audio,
    upload_raw_name,
    wav_bytes,
)


def data_dir(client):
    return ctx_of(client).config.data_path


async def test_upload_reads_type_duration_and_tags_from_the_bytes(client):
    _, tokens = await signed_in(client)
    data = mp3_bytes()
    # the name and Content-Type lie: the bytes decide
    resp = await upload_audio(client, tokens, data, filename="notes.txt",
                              content_type="text/plain", description="Demo", is_public="true")
    body = await resp.json()
    assert resp.status == 201, body
    assert body["format"] == "mp3" and body["content_type"] == "audio/mpeg"
    assert body["title"] == "Tagged Song" and body["tags"]["artist"] == "Tag Artist"
    assert body["duration"] is not None and 4.0 < body["duration"] < 6.0
    assert body["bitrate"] == 128000 and body["file_size"] == len(data)
    assert body["original_filename"] == "notes.txt" and body["is_public"] is True
    assert body["file_url"] == f"{AUDIO}/{body['id']}/stream"
    # stored under a name Chorus chose, nothing left in the incoming folder
    assert audio_dir_files(data_dir(client)) == [f"{body['owner_id']}_" + f.split("_", 1)[1]
                                                 for f in audio_dir_files(data_dir(client))]
    assert not any(f.startswith("incoming/") and f.endswith(".part")
                   for f in audio_dir_files(data_dir(client)))


async def test_an_uploaded_file_is_a_catalog_track(client):
    _, tokens = await signed_in(client)
    body = await (await upload_audio(client, tokens, mp3_bytes(), title="Given Title")).json()
    item = await ctx_of(client).store.catalog.get(body["catalog_id"])
    assert item.provider == "file" and item.kind == "audio"
    assert item.name == "Given Title" and item.artist_names == ["Tag Artist"]
    assert item.url.endswith(body["file_url"]) and item.eid == f"/fi/{item.url}"
    renamed = await client.put(f"{AUDIO}/{body['id']}", headers=bearer(tokens),
                               json={"title": "Renamed"})
    assert (await renamed.json())["title"] == "Renamed"
    assert (await ctx_of(client).store.catalog.get(body["catalog_id"])).name == "Renamed"


async def test_stream_honours_range_and_counts_plays(client):
    _, tokens = await signed_in(client)
    data = wav_bytes()
    body = await (await upload_audio(client, tokens, data, is_public="true")).json()
    url = body["file_url"]
    whole = await client.get(url)
    assert whole.status == 200 and await whole.read() == data
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Type"] == "audio/wav"
    part = await client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status == 206 and await part.read() == data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    tail = await client.get(url, headers={"Range": "bytes=-5"})
    assert tail.status == 206 and await tail.read() == data[-5:]
    beyond = await client.get(url, headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status == 416
    got = await (await client.get(f"{AUDIO}/{body['id']}")).json()
    assert got["play_count"] == 1  # only the read from byte 0 is a play


async def test_private_files_are_invisible_to_others(client):
    _, ada = await signed_in(client, "ada")
    _, bob = await signed_in(client, "bob")
    body = await (await upload_audio(client, ada, wav_bytes())).json()
    assert body["is_public"] is False
    for headers in (bearer(bob), {}):
        assert (await client.get(f"{AUDIO}/{body['id']}", headers=headers)).status == 404
        assert (await client.get(body["file_url"], headers=headers)).status == 404
    assert (await client.get(f"{body['file_url']}?token={bob['access_token']}")).status == 404
    missing = await client.get(f"{AUDIO}/999999", headers=bearer(bob))
    assert missing.status == 404 and (await missing.json()) == {"detail": "Audio file not found"}
    # bob cannot change or delete it either, and learns nothing of it
    assert (await client.put(f"{AUDIO}/{body['id']}", headers=bearer(bob),
                             json={"title": "x"})).status == 404
    assert (await client.delete(f"{AUDIO}/{body['id']}", headers=bearer(bob))).status == 404
    # the owner streams it, with the header or ?token= as an <audio> element would
    assert (await client.get(body["file_url"], headers=bearer(ada))).status == 200
    assert (await client.get(f"{body['file_url']}?token={ada['access_token']}")).status == 200
    public = await (await client.get(f"{AUDIO}/public")).json()
    assert public == {"items": [], "total": 0, "has_more": False}


async def test_lists_stats_update_and_delete(client):
    _, tokens = await signed_in(client)
    first = await (await upload_audio(client, tokens, wav_bytes(), title="One")).json()
    second = await (await upload_audio(client, tokens, wav_bytes(2.0), title="Two",
                                       is_public="1")).json()
    mine = await (await client.get(f"{AUDIO}/my-files?skip=0&limit=1",
                                   headers=bearer(tokens))).json()
    assert [f["id"] for f in mine["items"]] == [second["id"]]
    assert mine["total"] == 2 and mine["has_more"] is True
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(tokens))).json()
    assert stats["total_files"] == 2 and stats["used_uploads"] == 2
    assert stats["max_uploads"] == 25 and stats["remaining_uploads"] == 23
    assert stats["total_size"] == first["file_size"] + second["file_size"]
    resp = await client.put(f"{AUDIO}/{first['id']}", headers=bearer(tokens),
                            json={"is_public": True, "description": "now public"})
    assert (await resp.json())["is_public"] is True
    resp = await client.delete(f"{AUDIO}/{first['id']}", headers=bearer(tokens))
    assert resp.status == 200
    assert (await client.get(f"{AUDIO}/{first['id']}", headers=bearer(tokens))).status == 404
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(tokens))).json()
    assert stats["used_uploads"] == 1 and stats["total_files"] == 1
    assert len(audio_dir_files(data_dir(client))) == 1


async def test_bad_input_is_refused_and_changes_nothing(client):
    _, tokens = await signed_in(client)
    body = await (await upload_audio(client, tokens, wav_bytes(), title="Kept")).json()
    for change, loc in (({"title": "x" * 201}, ["body", "title"]),
                        ({"is_public": "maybe"}, ["body", "is_public"])):
        resp = await client.put(f"{AUDIO}/{body['id']}", headers=bearer(tokens), json=change)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == loc
    resp = await client.put(f"{AUDIO}/{body['id']}", headers=bearer(tokens), json={"title": " "})
    assert resp.status == 400
    assert (await client.get(f"{AUDIO}/abc", headers=bearer(tokens))).status == 422
    assert (await client.get(f"{AUDIO}/my-files?limit=0", headers=bearer(tokens))).status == 422
    got = await (await client.get(f"{AUDIO}/{body['id']}", headers=bearer(tokens))).json()
    assert got["title"] == "Kept" and got["is_public"] is False
    resp = await upload_audio(client, tokens, wav_bytes(), is_public="perhaps")
    assert resp.status == 422
    assert (await client.post(f"{AUDIO}/upload", headers=bearer(tokens),
                              json={"file": "x"})).status == 422
    assert (await client.post(f"{AUDIO}/upload")).status == 401
    assert len(audio_dir_files(data_dir(client))) == 1
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(tokens))).json()
    assert stats["used_uploads"] == 1


# ---- the security cases of issue 13 -----------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4000
PE = b"MZ\x90\x00" + b"\x00" * 4000
HTML_MP3 = b"<html><script>alert(1)</script></html>" + b"\x00" * 500
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'


async def test_executables_scripts_and_svg_named_as_audio_are_refused(client):
    _, tokens = await signed_in(client)
    for data, name in ((ELF, "song.mp3"), (PE, "song.wav"), (HTML_MP3, "song.mp3"),
                       (SVG, "cover.ogg"), (b"ID3\x04\x00\x00\x00\x00\x00\x10" + ELF, "x.mp3")):
        resp = await upload_audio(client, tokens, data, filename=name, content_type="audio/mpeg")
        assert resp.status == 415, (name, await resp.text())
        assert "Invalid file type" in (await resp.json())["detail"] or \
            "could not be read" in (await resp.json())["detail"]
    assert audio_dir_files(data_dir(client)) == []
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(tokens))).json()
    assert stats["used_uploads"] == 0 and stats["total_files"] == 0


async def test_client_file_names_are_display_text_only(client):
    _, tokens = await signed_in(client)
    for name, shown in ((b"../../etc/passwd.wav", "passwd.wav"),
                        (b"..\\\\..\\\\boot.ini", "boot.ini"),  # quoted: ..\\..\\boot.ini
                        (b"a%00b%01c.wav", "abc.wav"),
                        (b"%2e%2e%2fup.wav", "up.wav"),
                        (b"n" * 300 + b".wav", "n" * 255)):
        resp = await upload_raw_name(client, tokens, wav_bytes(), name)
        body = await resp.json()
        assert resp.status == 201 and body["original_filename"] == shown, (name, body)
    # a NUL in a part's headers makes the body unreadable: refused, nothing kept
    resp = await upload_raw_name(client, tokens, wav_bytes(), b"a\x00b.wav")
    assert resp.status == 422
    root = data_dir(client)
    assert len(audio_dir_files(root)) == 5
    assert not (root.parent / "etc").exists() and not (root / "etc").exists()
    assert all("/" not in f and f.endswith(".wav") for f in audio_dir_files(root))


async def test_too_large_upload_is_refused_without_leftovers(make_client):
    client = await make_client(audio_max_bytes=20_000)
    _, tokens = await signed_in(client)
    resp = await upload_audio(client, tokens, wav_bytes(seconds=3.0))
    assert resp.status == 413 and "Maximum size" in (await resp.json())["detail"]
    assert audio_dir_files(data_dir(client)) == []
    stats = await (await client.get(f"{AUDIO}/stats", headers=bearer(tokens))).json()
    assert stats["used_uploads"] == 0


async def test_uploads_racing_for_the_last_slot_cannot_pass_the_limit(make_client):
    client = await make_client(audio_max_uploads=2)
    _, tokens = await signed_in(client)
    results = await asyncio.gather(*(upload_audio(client, tokens, wav_bytes(0.5))
                                     for _ in range(5)))
    statuses = sorted(r.status for r in results)
    assert statuses == [201, 201, 403, 403, 403]
    refused = next(r for r in results if r.status == 403)
    assert "Upload limit reached" in (await refused.json())["detail"]
    files = audio_dir_files(data_dir(client))
    assert len(files) == 2 and not any(f.startswith("incoming/") for f in files)
    mine = await (await client.get(f"{AUDIO}/my-files", headers=bearer(tokens))).json()
    assert mine["total"] == 2


async def test_a_play_from_the_start_is_a_listen_of_the_listener(client):
    _, ada = await signed_in(client, "ada")
    bob_user, bob = await signed_in(client, "bob")
    body = await (await upload_audio(client, ada, wav_bytes(31.0), title="Long One",
                                     is_public="true")).json()
    short = await (await upload_audio(client, ada, wav_bytes(2.0), is_public="true")).json()
    assert (await client.get(body["file_url"], headers=bearer(bob))).status == 200
    assert (await client.get(body["file_url"], headers={**bearer(bob),
                                                       "Range": "bytes=100-"})).status == 206
    assert (await client.get(short["file_url"], headers=bearer(bob))).status == 200
    await client.get(body["file_url"])  # signed out: counted on the file, no one's listen
    listens = await ctx_of(client).store.listens.between(bob_user["id"], limit=10)
    assert [(x.track_id, x.source, x.ms_played) for x in listens] == [
        (body["catalog_id"], "upload", 31000)]
    got = await (await client.get(f"{AUDIO}/{body['id']}")).json()
    assert got["play_count"] == 2


async def test_erasing_an_account_removes_its_audio(client):
    _, ada = await signed_in(client, "ada")
    _, bob = await signed_in(client, "bob")
    await upload_audio(client, ada, wav_bytes(), is_public="true")
    kept = await (await upload_audio(client, bob, wav_bytes())).json()
    resp = await client.delete("/api/v1/users/me?password=Sup3r-secret!&deletion_type=hard",
                               headers=bearer(ada))
    assert resp.status == 200, await resp.text()
    files = audio_dir_files(data_dir(client))
    assert len(files) == 1 and files[0].startswith(f"{kept['owner_id']}_")
    public = await (await client.get(f"{AUDIO}/public")).json()
    assert public["total"] == 0


async def test_uploads_cut_short_by_a_stop_are_removed_at_start(make_client, tmp_path):
    incoming = tmp_path / "kept" / "audio" / "incoming"
    incoming.mkdir(parents=True)
    part = incoming / "0123.part"
    part.write_bytes(b"half an upload")
    # cut short two hours ago: a store shared by several processes clears only long-idle parts
    stopped_at = time.time() - 7200
    os.utime(part, (stopped_at, stopped_at))
    client = await make_client(data_dir=tmp_path / "kept")
    assert audio_dir_files(data_dir(client)) == []
