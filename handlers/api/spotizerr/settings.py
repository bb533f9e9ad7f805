"""Spotizerr's configuration routes: /api/config/ and /api/config/watch with check and
validate. Anyone signed in reads them; only admins change them (they are system-wide)."""

from __future__ import annotations

import os
from typing import Any

import msgspec
from aiohttp import web

from handlers.accounts import require_admin
from handlers.api._auth import require_principal
from handlers.api._input import read_json
from handlers.api.dialect import Handler, json_response
from handlers.api.spotizerr.base import spotizerr
from handlers.download_settings import (
    check_download_settings,
    download_root,
    download_settings,
    save_download_settings,
    save_watch_settings,
    watch_settings,
)
from handlers.errors import DomainError
from hub.keys import ctx_key

__all__ = ["setup_settings_routes"]


async def get_config(request: web.Request) -> web.Response:
    await require_principal(request)
    return json_response(msgspec.to_builtins(await download_settings(request.app[ctx_key])))


async def set_config(request: web.Request) -> web.Response:
    require_admin(await require_principal(request))
    saved = await save_download_settings(request.app[ctx_key], await read_json(request))
    return json_response(msgspec.to_builtins(saved))


def _report(problems: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {"valid": not problems, "errors": [f"{name} {why}" for name, why in problems],
            **extra}


async def check_config(request: web.Request) -> web.Response:
    """The stored configuration's problems, and whether the download folder is writable."""
    await require_principal(request)
    ctx = request.app[ctx_key]
    settings = await download_settings(ctx)
    root = download_root(ctx, settings)
    parent = root if root.exists() else root.parent
    writable = parent.exists() and os.access(parent, os.W_OK)
    problems = check_download_settings(settings)
    if not writable:
        problems.append(("downloadPath", f"{root} is not writable"))
    return json_response(_report(problems, download_path=str(root)))


async def validate_config(request: web.Request) -> web.Response:
    """Whether the posted configuration would be accepted; nothing is stored."""
    await require_principal(request)
    try:
        await save_download_settings(request.app[ctx_key], await read_json(request),
                                     dry_run=True)
    except DomainError as err:
        if err.code != "invalid_config":
            raise
        return json_response(_report([(".".join(f.loc[1:]), f.msg) for f in err.fields]
                                     or [("config", err.message)]))
    return json_response(_report([]))


async def get_watch(request: web.Request) -> web.Response:
    await require_principal(request)
    return json_response(msgspec.to_builtins(await watch_settings(request.app[ctx_key])))


async def set_watch(request: web.Request) -> web.Response:
    require_admin(await require_principal(request))
    saved = await save_watch_settings(request.app[ctx_key], await read_json(request))
    return json_response(msgspec.to_builtins(saved))


async def validate_watch(request: web.Request) -> web.Response:
    await require_principal(request)
    try:
        await save_watch_settings(request.app[ctx_key], await read_json(request), dry_run=True)
    except DomainError as err:
        if err.code != "invalid_config":
            raise
        return json_response(_report([("watch", err.message)]))
    return json_response(_report([]))


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/api/config/", get_config),
    ("POST", "/api/config/", set_config),
    ("PUT", "/api/config/", set_config),
    ("GET", "/api/config/check", check_config),
    ("POST", "/api/config/validate", validate_config),
    ("GET", "/api/config/watch", get_watch),
    ("POST", "/api/config/watch", set_watch),
    ("PUT", "/api/config/watch", set_watch),
    ("POST", "/api/config/watch/validate", validate_watch),
)

def setup_settings_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        spotizerr.add(app.router, method, path, handler)
