"""Bodies are read before anyone is signed in, so the app reads at most CHORUS_MAX_BODY_BYTES
(1 MiB by default) of one: a larger body answers 413 in the route's own shape."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

TWO_MIB = 2 * 1024 * 1024
TOO_LARGE = "Request body too large"


def padded_login(**fields: str) -> io.BytesIO:
    """A JSON login body padded past 2 MiB (streamed, as aiohttp's client wants large ones)."""
    return io.BytesIO(json.dumps({**fields, "padding": "x" * TWO_MIB}).encode())


def big_form(**fields: str) -> io.BytesIO:
    return io.BytesIO(urlencode(fields).encode())


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_a_2_mib_login_body_is_refused_in_each_dialects_shape(client):
    for path, expected in (
            ("/api/login", {"error": TOO_LARGE}),  # Spot On
            ("/api/auth/login", {"error": TOO_LARGE, "details": TOO_LARGE,
                                "detail": TOO_LARGE}),  # Spotizerr
            ("/api/v1/users/", {"detail": TOO_LARGE})):  # Sono (sign-up)
        resp = await client.post(path, data=padded_login(username="ada", password="whatever"),
                                 headers={"Content-Type": "application/json"})
        assert (resp.status, await resp.json()) == (413, expected), path


async def test_a_2_mib_form_login_is_refused_too(client):
    resp = await client.post("/api/v1/users/token", headers=FORM,  # Sono
                             data=big_form(username="ada", password="x" * TWO_MIB))
    assert (resp.status, await resp.json()) == (413, {"detail": TOO_LARGE})
    resp = await client.post("/login", headers=FORM, data=big_form(  # Openwhyd
        action="login", email="ada@example.com", password="x" * TWO_MIB))
    assert (resp.status, await resp.json()) == (413, {"error": TOO_LARGE})


async def test_the_limit_is_a_setting(make_client):
    client = await make_client(max_body_bytes=4 * 1024 * 1024)
    resp = await client.post("/api/login", data=padded_login(username="ada", password="x"),
                             headers={"Content-Type": "application/json"})
    assert resp.status == 401  # read whole, then the credentials were wrong
