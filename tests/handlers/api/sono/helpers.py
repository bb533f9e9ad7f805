"""Shared by the Sono tests: accounts signed up and signed in over HTTP, passwords encrypted as
Sono's web client does, profile pictures uploaded, catalog tracks and collections."""

from __future__ import annotations

import base64
import io

import aiohttp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from PIL import Image

from tests.conftest import STRONG_PASSWORD, ctx_of

__all__ = ["USERS", "PICTURE", "ENCRYPTED", "encrypt", "signup", "login", "bearer", "signed_in",
           "png_bytes", "upload", "COLLECTIONS", "track_item", "new_collection", "get_collection"]

USERS = "/api/v1/users"
PICTURE = f"{USERS}/me/upload-profile-picture"
ENCRYPTED = {"X-Password-Encrypted": "true"}


async def encrypt(client, password: str) -> str:
    """What Sono's web client does: RSA-OAEP(SHA-256) with the served key, base64."""
    resp = await client.get(f"{USERS}/public-key")
    key = serialization.load_pem_public_key((await resp.json())["public_key"].encode())
    cipher = key.encrypt(password.encode(), padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    return base64.b64encode(cipher).decode()


async def signup(client, username: str = "ada", password: str = STRONG_PASSWORD, **extra):
    body = {"username": username, "email": f"{username}@example.com", "password": password,
            "display_name": username.title(), **extra}
    resp = await client.post(f"{USERS}/", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def login(client, username: str = "ada", password: str = STRONG_PASSWORD):
    resp = await client.post(f"{USERS}/token", data={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def bearer(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def signed_in(client, username: str = "ada"):
    """A new account and its tokens."""
    user = await signup(client, username)
    return user, await login(client, username)


def png_bytes(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


async def upload(client, tokens, data: bytes, filename: str = "picture.png", field: str = "file"):
    form = aiohttp.FormData()
    form.add_field(field, io.BytesIO(data), filename=filename, content_type="image/png")
    return await client.post(PICTURE, data=form, headers=bearer(tokens))


# ---- collections ------------------------------------------------------------------------

COLLECTIONS = "/api/v1/collections"


async def track_item(client, name: str, kind: str = "track"):
    """A catalog item (a Spotify track unless `kind` says otherwise) written to the store."""
    provider_id = name.replace(" ", "")
    return await ctx_of(client).store.catalog.upsert(
        "spotify", kind, provider_id, url=f"https://open.spotify.com/{kind}/{provider_id}",
        eid=f"/sp/{provider_id}", name=name, artist_names=["Nina"])


async def new_collection(client, who, **fields):
    """A collection of `who` (a Member), made through Sono; public playlist unless told."""
    body = {"title": "Mix", "collection_type": "playlist", "is_public": True, **fields}
    resp = await client.post(f"{COLLECTIONS}/", json=body, headers=who.auth)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def get_collection(client, who, collection_id: int):
    """(status, body) of GET one collection as `who` (None: signed out)."""
    resp = await client.get(f"{COLLECTIONS}/{collection_id}", headers=who.auth if who else {})
    return resp.status, await resp.json()
