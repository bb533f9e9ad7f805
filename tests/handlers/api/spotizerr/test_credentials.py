"""Spotizerr's credentials: admin-only writes, masked reads, encrypted at rest."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, make_spotify_app, spotify_settings
from tests.fakes.spotify_data import GET_LUCKY
from tests.handlers.api.spotizerr.helpers import admin_and_user, login

SECRET = "s3cr3t-client-secret-value-1234"


async def setup(make_client):
    return await admin_and_user(make_client)


async def test_create_read_masked_update_delete(make_client):
    client, admin, user = await setup(make_client)
    resp = await client.post("/api/credentials/spotify/main", headers=admin,
                             json={"client_id": "abc123", "client_secret": SECRET})
    body = await resp.json()
    assert resp.status == 201 and body["client_secret"].endswith("1234")
    assert SECRET not in await resp.text() and "*" in body["client_secret"]
    assert await (await client.get("/api/credentials/spotify", headers=user)).json() == ["main"]
    one = await (await client.get("/api/credentials/spotify/main", headers=admin)).json()
    assert one["name"] == "main" and SECRET not in str(one)
    everything = await (await client.get("/api/credentials/all/spotify", headers=admin)).json()
    assert [c["name"] for c in everything] == ["main"]
    resp = await client.put("/api/credentials/spotify/main", headers=admin,
                            json={"client_secret": "another-secret-value-9999"})
    assert (await resp.json())["client_secret"].endswith("9999")
    resp = await client.delete("/api/credentials/spotify/main", headers=admin)
    assert resp.status == 200
    assert await (await client.get("/api/credentials/spotify", headers=user)).json() == []


async def store_dump(ctx: Any) -> str:
    """Every row the store holds, as text: SQLite's file dumped, or each table of the
    PostgreSQL schema."""
    if ctx.store.db.dialect.name != "postgresql":
        db = sqlite3.connect(ctx.config.data_path / "chorus.db")
        try:
            return "\n".join(db.iterdump())
        finally:
            db.close()
    tables = await ctx.store.db.fetch_all(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
    rows = [row[0] for (name,) in tables
            for row in await ctx.store.db.fetch_all(f'SELECT CAST(t AS TEXT) FROM "{name}" t')]
    return "\n".join(rows)


async def test_secrets_are_encrypted_at_rest(make_client):
    client, admin, _ = await setup(make_client)
    await client.post("/api/credentials/deezer/home", headers=admin, json={"arl": SECRET})
    dump = await store_dump(ctx_of(client))
    assert SECRET not in dump and "credentials.deezer" in dump


async def test_refusals(make_client):
    client, admin, user = await setup(make_client)
    resp = await client.post("/api/credentials/spotify/main", headers=user,
                             json={"client_id": "x", "client_secret": "y"})
    assert resp.status == 403 and set(await resp.json()) == {"error", "details", "detail"}
    assert (await client.get("/api/credentials/spotify/main", headers=user)).status == 403
    assert (await client.get("/api/credentials/spotify")).status == 401
    resp = await client.get("/api/credentials/myspace", headers=user)
    assert resp.status == 404
    await client.post("/api/credentials/spotify/main", headers=admin,
                      json={"client_id": "x", "client_secret": "y"})
    resp = await client.post("/api/credentials/spotify/main", headers=admin,
                             json={"client_id": "x", "client_secret": "y"})
    assert resp.status == 409
    resp = await client.put("/api/credentials/spotify/missing", headers=admin,
                            json={"client_id": "x"})
    assert resp.status == 404
    resp = await client.post("/api/credentials/spotify/other", headers=admin,
                             json={"client_id": 5})
    assert resp.status == 400
    resp = await client.post("/api/credentials/spotify/empty", headers=admin,
                             json={"region": ""})
    assert resp.status == 400


async def test_the_web_ui_s_account_form_with_no_region_is_kept(make_client):
    """Spotizerr's Accounts tab posts `region: ""` when none is typed: it is not given."""
    client, admin, _ = await setup(make_client)
    resp = await client.post("/api/credentials/spotify/main", headers=admin,
                             json={"blob_content": '{"username": "u"}', "region": ""})
    assert resp.status in (200, 201), await resp.text()
    assert "main" in await (await client.get("/api/credentials/spotify", headers=admin)).json()
    one = await (await client.get("/api/credentials/spotify/main", headers=admin)).json()
    assert "blob_content" in one and "region" not in one


async def test_spotify_api_config_and_markets(make_client):
    client, admin, user = await setup(make_client)
    empty = await (await client.get("/api/credentials/spotify_api_config",
                                    headers=admin)).json()
    assert empty == {"client_id": "", "client_secret": ""}
    for _ in range(2):  # creates, then updates
        resp = await client.put("/api/credentials/spotify_api_config", headers=admin,
                                json={"client_id": "appid", "client_secret": SECRET})
        assert resp.status == 200, await resp.text()
    got = await (await client.get("/api/credentials/spotify_api_config",
                                  headers=admin)).json()
    assert got["client_secret"].endswith("1234") and SECRET not in str(got)
    markets = await (await client.get("/api/credentials/markets", headers=user)).json()
    assert "FR" in markets["markets"] and "US" in markets["markets"]


async def test_a_saved_spotify_api_config_serves_the_catalog_now_and_after_a_restart(
        make_client, aiohttp_server, tmp_path):
    fake = await aiohttp_server(make_spotify_app())
    urls = {k: v for k, v in spotify_settings(fake.make_url("")).items() if k.endswith("_url")}
    options = {"data_dir": tmp_path / "data", "admin_username": "root",
               "admin_password": STRONG_PASSWORD, **urls}
    client = await make_client(**options)  # no Spotify app configured: the local catalog
    admin = await login(client, "root")
    search = {"q": "get lucky", "search_type": "track"}

    async def found(c) -> list[str]:
        resp = await c.get("/api/search/", params=search, headers=admin)
        assert resp.status == 200, await resp.text()
        return [i["id"] for i in (await resp.json())["items"]]

    assert GET_LUCKY not in await found(client)
    resp = await client.put("/api/credentials/spotify_api_config", headers=admin,
                            json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert resp.status == 200
    assert GET_LUCKY in await found(client)  # at once, no restart
    again = await make_client(**options)
    assert GET_LUCKY in await found(again)  # and read back at start
    resp = await client.delete("/api/credentials/spotify_api/default", headers=admin)
    assert resp.status == 200
    calls = ctx_of(client).store.api_calls

    async def spotify_calls() -> int:
        return (await calls.page(provider="spotify", limit=1))[1]

    before = await spotify_calls()
    assert GET_LUCKY in await found(client)  # what Spotify answered stays in the local catalog
    assert await spotify_calls() == before  # but Spotify is no longer asked
