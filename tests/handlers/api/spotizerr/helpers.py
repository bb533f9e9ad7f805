"""Shared by the Spotizerr tests: users (and an admin) with bearer tokens, waiting for a task's
status, and Chorus on the fake Spotify with a local media server as its operator download
source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from handlers.downloads.expand import CollectionExpander
from handlers.downloads.settings import save_download_settings
from handlers.downloads.start import COLLECTION_CONCURRENCY, DOWNLOAD_KIND_COLLECTION
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.media_server import make_media_app
from tests.fakes.spotify import make_spotify_app, spotify_settings
from tests.waiting import until
from workers.download_parent import make_parent_handler

__all__ = ["login", "admin_and_user", "token_of", "wait_status", "spotify_world", "fast_parents"]


async def login(client: Any, username: str) -> dict[str, str]:
    """Sign `username` in: the Authorization header."""
    resp = await client.post("/api/auth/login",
                             json={"username": username, "password": STRONG_PASSWORD})
    return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


async def admin_and_user(make_client: Any) -> tuple[Any, dict[str, str], dict[str, str]]:
    """Chorus with the admin `root` and the user `ada`: (client, root's header, ada's header)."""
    client = await make_client(admin_username="root", admin_password=STRONG_PASSWORD)
    await client.post("/api/auth/register", json={
        "username": "ada", "password": STRONG_PASSWORD, "email": "ada@example.com"})
    return client, await login(client, "root"), await login(client, "ada")


async def token_of(client: Any, username: str) -> dict[str, str]:
    """Register `username` (if new) and sign in: the Authorization header."""
    await client.post("/api/auth/register", json={
        "username": username, "password": STRONG_PASSWORD, "email": f"{username}@example.com"})
    return await login(client, username)


async def wait_status(client: Any, auth: dict[str, str], task_id: str, *statuses: str
                      ) -> dict[str, Any]:
    """The task (GET /api/prgs/<id>) once its status is one of `statuses`."""
    seen: list[dict[str, Any]] = []

    async def reached() -> dict[str, Any] | None:
        seen[:] = [await (await client.get(f"/api/prgs/{task_id}", headers=auth)).json()]
        return seen[0] if seen[0]["status"] in statuses else None

    return await until(reached, failure=lambda: seen[0])


def fast_parents(ctx: Any) -> None:
    """Collection jobs that look at their children every 20 ms instead of 0.5 s."""
    ctx.jobs.register(DOWNLOAD_KIND_COLLECTION,
                      make_parent_handler(ctx.jobs, ctx.store.jobs, CollectionExpander(ctx),
                                          poll_interval=0.02),
                      concurrency=COLLECTION_CONCURRENCY)


async def spotify_world(aiohttp_server: Any, make_client: Any, root: Path, *,
                        route: str = "", **settings: Any) -> tuple[Any, Any, Any]:
    """(client, fake Spotify server, media server): the catalog is the fake Spotify and the
    media server is the operator's download source (`/<route>/<provider>/<id>.mp3`); files go
    under `root`."""
    fake = await aiohttp_server(make_spotify_app())
    media = await aiohttp_server(make_media_app())
    base = str(media.make_url("")).rstrip("/") + route
    client = await make_client(allow_private_urls=True, prgs_poll_interval=0.02,
                               download_sources=json.dumps([base + "/{provider}/{id}.mp3"]),
                               **spotify_settings(fake.make_url("")))
    ctx = ctx_of(client)
    fast_parents(ctx)
    await save_download_settings(ctx, {"downloadPath": str(root), **settings})
    return client, fake, media
