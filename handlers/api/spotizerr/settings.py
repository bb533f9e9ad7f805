"""Spotizerr's configuration routes: /api/config/ and /api/config/watch with check and
validate. Anyone signed in reads them; only admins change them (they are system-wide)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_json
from handlers.api.dialect import Handler, json_response
from handlers.api.keys import context
from handlers.api.spotizerr.base import spotizerr
from handlers.downloads.paths import download_root
from handlers.downloads.settings import (
    check_download_settings,
    download_config,
    download_settings,
    save_download_settings,
    save_watch_settings,
    watch_config,
)
from handlers.errors import DomainError
from handlers.identity.accounts import require_admin

__all__ = ["setup_settings_routes"]


def _reader(load: Callable[[Any], Awaitable[Any]]) -> Handler:
    """GET: anyone signed in reads the settings."""

    async def read(request: web.Request) -> web.Response:
        await require_principal(request)
        return json_response(msgspec.to_builtins(await load(context(request))))

    return read


def _writer(save: Callable[..., Awaitable[Any]]) -> Handler:
    """POST/PUT: an admin changes the fields sent; the rest stay."""

    async def write(request: web.Request) -> web.Response:
        require_admin(await require_principal(request))
        saved = await save(context(request), await read_json(request))
        return json_response(msgspec.to_builtins(saved))

    return write


def _report(problems: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {"valid": not problems, "errors": [f"{name} {why}" for name, why in problems],
            **extra}


def _validator(save: Callable[..., Awaitable[Any]]) -> Handler:
    """POST .../validate: would the posted settings be accepted? Nothing is stored."""

    async def validate(request: web.Request) -> web.Response:
        await require_principal(request)
        try:
            await save(context(request), await read_json(request), dry_run=True)
        except DomainError as err:
            if err.code != "invalid_config":
                raise
            return json_response(_report([(".".join(f.loc[1:]), f.msg) for f in err.fields]
                                         or [("config", err.message)]))
        return json_response(_report([]))

    return validate


async def check_config(request: web.Request) -> web.Response:
    """The stored configuration's problems, and whether the download folder is writable."""
    await require_principal(request)
    ctx = context(request)
    settings = await download_settings(ctx)
    root = download_root(ctx, settings)
    parent = root if root.exists() else root.parent
    writable = parent.exists() and os.access(parent, os.W_OK)
    problems = check_download_settings(settings)
    if not writable:
        problems.append(("downloadPath", f"{root} is not writable"))
    return json_response(_report(problems, download_path=str(root)))


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/api/config/", _reader(download_config)),
    ("POST", "/api/config/", _writer(save_download_settings)),
    ("PUT", "/api/config/", _writer(save_download_settings)),
    ("GET", "/api/config/check", check_config),
    ("POST", "/api/config/validate", _validator(save_download_settings)),
    ("GET", "/api/config/watch", _reader(watch_config)),
    ("POST", "/api/config/watch", _writer(save_watch_settings)),
    ("PUT", "/api/config/watch", _writer(save_watch_settings)),
    ("POST", "/api/config/watch/validate", _validator(save_watch_settings)),
)

def setup_settings_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        spotizerr.add(app.router, method, path, handler)
