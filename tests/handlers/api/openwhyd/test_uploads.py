"""Openwhyd's POST /upload (thumbnails, keepOriginal, the delete action) and /img/<kind>/<id>
(stored, remote and default pictures), with the hostile files of issue 13."""

from __future__ import annotations

import io
import json
import struct
import zlib

import aiohttp
from PIL import Image

from tests.conftest import ctx_of
from tests.handlers.api.social_helpers import LOGIN_FIRST, insert_member, post


def png(size=(400, 300), color=(200, 30, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def png_bomb(width=50_000, height=50_000) -> bytes:
    """A PNG whose header announces width x height pixels, in a few hundred bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 10_000)) + chunk(b"IEND", b""))


async def send(client, who, files, **fields):
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for field, (filename, data) in files.items():
        form.add_field(field, io.BytesIO(data), filename=filename, content_type="image/png")
    resp = await client.post("/upload", data=form, headers=who.auth if who else {})
    return resp, json.loads(await resp.text())


def stored(client) -> list[str]:
    root = ctx_of(client).config.data_path / "media" / "upload_data"
    return sorted(p.name for p in root.glob("*")) if root.exists() else []


async def test_upload_makes_the_default_thumbnail_and_drops_the_original(client):
    ada = await insert_member(client, "ada")
    resp, body = await send(client, ada, {"file": ("me.png", png())})
    assert resp.status == 200 and resp.content_type == "text/plain"
    result = body["file"]
    assert result["name"] == "me.png" and result["mime"] == "image/jpeg"
    assert list(result["thumbs"]) == ["180x"] and result["path"] == result["thumbs"]["180x"]
    served = await client.get(result["path"])
    with Image.open(io.BytesIO(await served.read())) as img:
        assert img.size == (180, 135)
    assert stored(client) == [result["path"].rsplit("/", 1)[-1]]
    # the path is the user's own upload: usable as their picture and served by /img/user
    resp = await client.post("/api/user", data={"img": result["path"]}, headers=ada.auth)
    assert "error" not in await resp.json()
    picture = await client.get(f"/img/user/{ada.id}")
    assert picture.status == 200 and await picture.read() == await served.read()


async def test_keep_original_and_several_thumb_dims(client):
    ada = await insert_member(client, "ada")
    _, body = await send(client, ada, {"cover": ("c.png", png((600, 400)))},
                         keepOriginal="true", thumbDims="100x,x50")
    result = body["cover"]
    assert set(result["thumbs"]) == {"100x", "x50"}
    assert result["path"] not in result["thumbs"].values()
    sizes = {}
    for key, path in [("orig", result["path"]), *result["thumbs"].items()]:
        with Image.open(io.BytesIO(await (await client.get(path)).read())) as img:
            sizes[key] = img.size
    assert sizes == {"orig": (600, 400), "100x": (100, 67), "x50": (75, 50)}
    assert len(stored(client)) == 3


async def test_delete_action_removes_only_ones_own_uploads(client):
    ada = await insert_member(client, "ada")
    bob = await insert_member(client, "bob")
    _, body = await send(client, ada, {"file": ("a.png", png())})
    path = body["file"]["path"]
    resp = await client.post("/upload", data={"action": "delete", "id": path}, headers=bob.auth)
    assert await resp.json(content_type=None) == {"error": "file not found"}
    # a file of the data folder outside the uploads (the SQLite store's file lives there; a
    # file of its own so that the test means the same on PostgreSQL)
    outside = ctx_of(client).config.data_path / "keep.db"
    outside.write_bytes(b"not an upload")
    resp = await client.post("/upload", data={"action": "delete", "id": "../../keep.db"},
                             headers=ada.auth)
    assert await resp.json(content_type=None) == {"error": "file not found"}
    assert outside.exists()
    assert len(stored(client)) == 1
    resp = await client.post("/upload", data={"action": "delete", "id": path}, headers=ada.auth)
    assert await resp.json(content_type=None) == {"ok": 1}
    assert stored(client) == [] and (await client.get(path)).status == 404


async def test_signed_out_and_bad_requests_change_nothing(client):
    ada = await insert_member(client, "ada")
    resp, body = await send(client, None, {"file": ("a.png", png())})
    assert resp.status == 401 and body == LOGIN_FIRST
    for dims in ("abc", "0x", "99999x", "1x,2x,3x,4x,5x"):
        resp, body = await send(client, ada, {"file": ("a.png", png())}, thumbDims=dims)
        assert "error" in body, dims
    assert stored(client) == []


async def test_hostile_images_are_refused_and_nothing_is_kept(client):
    ada = await insert_member(client, "ada")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html_png = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 100
    files = {"svg": ("x.svg", svg), "fake": ("x.png", html_png), "bomb": ("b.png", png_bomb()),
             "exe": ("x.png", elf), "empty": ("e.png", b"")}
    resp, body = await send(client, ada, files)
    assert resp.status == 200
    assert all(body[k]["error"] for k in files), body
    assert "Only images" in body["svg"]["error"] and "Only images" in body["bomb"]["error"]
    assert stored(client) == []


async def test_a_polyglot_is_contained_by_re_encoding(client):
    """A real PNG with HTML in a text chunk and a script after its end: stored re-encoded,
    the HTML gone, served as an image that browsers must not sniff."""
    ada = await insert_member(client, "ada")
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>alert(1)</script></html>")
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, "PNG", pnginfo=info)
    data = out.getvalue() + b"<script>alert(2)</script>"
    _, body = await send(client, ada, {"file": ("p.png", data)}, keepOriginal="1", thumbDims="")
    served = await client.get(body["file"]["path"])
    content = await served.read()
    assert b"<script" not in content and b"<html" not in content
    assert served.content_type in ("image/png", "image/jpeg")


async def test_img_routes_serve_stored_remote_and_default_pictures(client):
    ada = await insert_member(client, "ada", avatar_url="https://cdn.example.com/ada.jpg")
    bob = await insert_member(client, "bob")
    resp = await client.get(f"/img/user/{ada.id}?width=64", allow_redirects=False)
    assert resp.status == 307
    assert resp.headers["Location"] == "https://cdn.example.com/ada.jpg?width=64"
    for path, kind in ((f"/img/user/{bob.id}", "image/gif"), ("/img/u/999999", "image/gif"),
                       (f"/img/userCover/{bob.id}", "image/png"),
                       ("/img/post/123456", "image/png"), ("/img/playlist/1_0", "image/png"),
                       ("/img/post/../../chorus.db", "image/png")):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status in (200, 404) and (resp.status == 404 or resp.content_type == kind)
    pixel = await client.get(f"/img/userCover/{bob.id}")
    with Image.open(io.BytesIO(await pixel.read())) as img:
        assert img.size == (1, 1)
    # a post's remote image is a redirect; a playlist falls back to its latest track's image
    item = await post(client, bob, "Song", image="//img.youtube.com/vi/x/0.jpg")
    resp = await client.get(f"/img/post/{item.id}", allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == "//img.youtube.com/vi/x/0.jpg"
    collection = await ctx_of(client).store.collections.create(bob.id, "Mix")
    await ctx_of(client).store.posts.update(item.id, collection_id=collection.id, track_order=1)
    resp = await client.get(f"/img/playlist/{bob.id}_{collection.number}", allow_redirects=False)
    assert resp.status == 307
    resp = await client.get(f"/img/playlist/{bob.id}_{collection.number}?localOnly=true",
                            allow_redirects=False)
    assert resp.status == 200 and resp.content_type == "image/png"
    assert (await client.get("/img/nothing/1")).status == 400
