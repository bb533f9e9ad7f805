"""Sono's profile endpoints: /users/me, its changes and the profile picture upload."""

from __future__ import annotations

import io
import random

from PIL import Image

from tests.conftest import ctx_of
from tests.handlers.api.sono.helpers import PICTURE, USERS, bearer, png_bytes, signed_in, upload


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS IFD: latitude
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_me_returns_the_user_object(client):
    user, tokens = await signed_in(client)
    resp = await client.get(f"{USERS}/me", headers=bearer(tokens))
    body = await resp.json()
    assert resp.status == 200 and body == user | {"last_login": body["last_login"],
                                                  "updated_at": body["updated_at"]}
    assert body["last_login"] is not None
    assert "password" not in str(body)


async def test_put_me_changes_only_the_callers_display_name_and_bio(client):
    _, ada = await signed_in(client, "ada")
    bob_user, bob = await signed_in(client, "bob")
    resp = await client.put(f"{USERS}/me", headers=bearer(ada),
                            json={"display_name": "New Name", "bio": "Bio text", "id": bob_user["id"]})
    body = await resp.json()
    assert resp.status == 200 and body["display_name"] == "New Name" and body["bio"] == "Bio text"
    assert body["username"] == "ada"
    bob_now = await (await client.get(f"{USERS}/me", headers=bearer(bob))).json()
    assert bob_now["display_name"] == "Bob" and bob_now["bio"] == ""
    # fields left out stay as they were
    resp = await client.put(f"{USERS}/me", headers=bearer(ada), json={"bio": "Only bio"})
    assert (await resp.json())["display_name"] == "New Name"


async def test_put_me_refuses_bad_values_and_changes_nothing(client):
    _, tokens = await signed_in(client)
    for body, loc in (({"display_name": ""}, ["body", "display_name"]),
                      ({"display_name": "   "}, ["body", "display_name"]),
                      ({"bio": "x" * 501}, ["body", "bio"]),
                      ({"display_name": 42}, ["body", "display_name"])):
        resp = await client.put(f"{USERS}/me", headers=bearer(tokens), json=body)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == loc
    me = await (await client.get(f"{USERS}/me", headers=bearer(tokens))).json()
    assert me["display_name"] == "Ada" and me["bio"] == ""
    resp = await client.put(f"{USERS}/me", json={"bio": "anon"})
    assert resp.status == 401


async def test_uploaded_png_is_stored_reencoded_and_served(client):
    _, tokens = await signed_in(client)
    resp = await upload(client, tokens, png_bytes())
    body = await resp.json()
    assert resp.status == 200, body
    url = body["profile_picture_url"]
    assert url.startswith("/media/avatars/")
    me = await (await client.get(f"{USERS}/me", headers=bearer(tokens))).json()
    assert me["profile_picture_url"] == url
    served = await client.get(url)
    assert served.status == 200
    with Image.open(io.BytesIO(await served.read())) as img:
        assert img.size == (32, 24)


def noise_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: random pixels, about 3 bytes each."""
    pixels = random.Random(17).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, "PNG")
    return out.getvalue()


async def test_a_picture_of_several_mib_is_accepted_past_the_body_limit(client):
    _, tokens = await signed_in(client)
    data = noise_png(1200, 1000)
    assert 3 * 1024 * 1024 < len(data) < 5 * 1024 * 1024  # past the 1 MiB limit of other routes
    resp = await upload(client, tokens, data)
    body = await resp.json()
    assert resp.status == 200, body
    served = await client.get(body["profile_picture_url"])
    with Image.open(io.BytesIO(await served.read())) as img:
        assert img.size == (1024, 853)  # re-encoded within 1024 px


async def test_uploaded_picture_loses_its_exif(client):
    _, tokens = await signed_in(client)
    assert Image.open(io.BytesIO(jpeg_with_exif())).getexif()  # the upload does carry EXIF
    resp = await upload(client, tokens, jpeg_with_exif(), "holiday.jpg")
    assert resp.status == 200
    stored = await (await client.get((await resp.json())["profile_picture_url"])).read()
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif() and "exif" not in img.info
    assert b"SpyCam" not in stored


async def test_text_file_named_png_is_refused_by_content(client):
    _, tokens = await signed_in(client)
    resp = await upload(client, tokens, b"just some text, honest\n" * 10, "picture.png")
    assert resp.status == 415
    assert await resp.json() == {"detail": "Invalid file type. Allowed: PNG, JPG, WebP"}
    me = await (await client.get(f"{USERS}/me", headers=bearer(tokens))).json()
    assert me["profile_picture_url"] is None


async def test_pictures_over_5_mb_are_refused(client):
    _, tokens = await signed_in(client)
    too_big = png_bytes() + b"\0" * (5 * 1024 * 1024)
    resp = await upload(client, tokens, too_big)
    assert resp.status == 413
    assert await resp.json() == {"detail": "File too large. Maximum size is 5 MB"}
    assert not (ctx_of(client).config.data_path / "media" / "avatars").exists()


async def test_upload_without_a_file_field_is_422_and_needs_a_token(client):
    _, tokens = await signed_in(client)
    resp = await upload(client, tokens, png_bytes(), field="picture")
    assert resp.status == 422
    assert (await resp.json())["detail"] == [
        {"loc": ["body", "file"], "msg": "Field required", "type": "missing"}]
    resp = await client.post(PICTURE, json={"file": "x"}, headers=bearer(tokens))
    assert resp.status == 422
    resp = await client.post(PICTURE, data=b"x")
    assert resp.status == 401


async def test_a_new_picture_replaces_and_removes_the_old_file(client):
    _, tokens = await signed_in(client)
    first = (await (await upload(client, tokens, png_bytes())).json())["profile_picture_url"]
    second = (await (await upload(client, tokens, png_bytes((8, 8)))).json())["profile_picture_url"]
    assert first != second
    assert (await client.get(first)).status == 404
    assert (await client.get(second)).status == 200
