"""Service credentials Spotizerr keeps (Spotify client id/secret, Deezer ARL, ...): system-wide,
encrypted at rest field by field, never shown in full; only admins write or read them."""

from __future__ import annotations

import re
from typing import Any

from handlers.catalog.factory import use_saved_spotify_app
from handlers.context import Context
from handlers.errors import Conflict, FieldError, Invalid, NotFound
from handlers.identity.accounts import require_admin
from handlers.identity.auth import Principal

__all__ = ["SERVICES", "mask", "list_names", "get_credential", "all_credentials",
           "save_credential", "delete_credential", "API_CONFIG_SERVICE", "apply_api_config"]

SERVICES = ("spotify", "deezer")
API_CONFIG_SERVICE = "spotify_api"  # the app credentials Spotizerr's catalog calls use
NAME_RE = re.compile(r"^[\w.\- ]{1,64}$")
MAX_FIELDS, MAX_VALUE = 10, 4096


def _key(service: str) -> str:
    if service not in (*SERVICES, API_CONFIG_SERVICE):
        raise NotFound(f"Unknown service '{service}': use {', '.join(SERVICES)}",
                       code="unknown_service")
    return f"credentials.{service}"


def mask(value: str) -> str:
    """All but the last 4 characters hidden (all of a value of 8 or fewer)."""
    return "*" * len(value) if len(value) <= 8 else "*" * (len(value) - 4) + value[-4:]


async def _stored(ctx: Context, service: str) -> dict[str, dict[str, str]]:
    return await ctx.store.settings.get(_key(service)) or {}


def _masked(ctx: Context, fields: dict[str, str]) -> dict[str, str]:
    return {k: mask(ctx.vault.decrypt(v) or "") for k, v in fields.items()}


async def list_names(ctx: Context, service: str) -> list[str]:
    return sorted(await _stored(ctx, service))


async def get_credential(ctx: Context, principal: Principal, service: str, name: str
                         ) -> dict[str, Any]:
    require_admin(principal)
    stored = await _stored(ctx, service)
    if name not in stored:
        raise NotFound(f"Credential '{name}' not found for {service}", code="unknown_credential")
    return {"name": name, "service": service, **_masked(ctx, stored[name])}


async def all_credentials(ctx: Context, principal: Principal, service: str
                          ) -> list[dict[str, Any]]:
    require_admin(principal)
    stored = await _stored(ctx, service)
    return [{"name": n, "service": service, **_masked(ctx, stored[n])} for n in sorted(stored)]


def _check_fields(fields: Any) -> dict[str, str]:
    """The fields to store: strings, at least one; an empty one (the web UI sends
    `region: ""` when none is typed) is left out, as not given."""
    if isinstance(fields, dict):
        fields = {k: v for k, v in fields.items() if v != ""}
    if (not isinstance(fields, dict) or not fields or len(fields) > MAX_FIELDS
            or not all(isinstance(k, str) and isinstance(v, str) and v and len(v) <= MAX_VALUE
                       for k, v in fields.items())):
        raise Invalid("Credential fields must be non-empty strings (e.g. client_id, "
                      "client_secret)", code="invalid_credential",
                      fields=[FieldError(("body",), "expected an object of strings")])
    return fields


async def save_credential(ctx: Context, principal: Principal, service: str, name: str,
                          fields: Any, *, create: bool) -> dict[str, Any]:
    """Create (Conflict if the name exists) or update (NotFound if it does not) a credential;
    every field is encrypted before it is stored."""
    require_admin(principal)
    if not NAME_RE.match(name):
        raise Invalid("Credential names are 1-64 letters, digits, spaces, '.', '-' or '_'",
                      code="invalid_name")
    stored = await _stored(ctx, service)
    if create and name in stored:
        raise Conflict(f"Credential '{name}' already exists for {service}",
                       code="credential_exists")
    if not create and name not in stored:
        raise NotFound(f"Credential '{name}' not found for {service}", code="unknown_credential")
    encrypted = {k: ctx.vault.encrypt(v) or "" for k, v in _check_fields(fields).items()}
    stored[name] = {**(stored.get(name) or {}), **encrypted}
    await ctx.store.settings.set(_key(service), stored)
    if service == API_CONFIG_SERVICE:
        await apply_api_config(ctx)
    return {"name": name, "service": service, **_masked(ctx, stored[name])}


async def delete_credential(ctx: Context, principal: Principal, service: str, name: str) -> None:
    require_admin(principal)
    stored = await _stored(ctx, service)
    if stored.pop(name, None) is None:
        raise NotFound(f"Credential '{name}' not found for {service}", code="unknown_credential")
    await ctx.store.settings.set(_key(service), stored)
    if service == API_CONFIG_SERVICE:
        await apply_api_config(ctx)


async def apply_api_config(ctx: Context) -> None:
    """Point the catalog at the saved spotify_api_config (at start and after each change)."""
    saved = (await _stored(ctx, API_CONFIG_SERVICE)).get("default") or {}
    fields = {k: ctx.vault.decrypt(v) or "" for k, v in saved.items()}
    use_saved_spotify_app(ctx, fields.get("client_id", ""), fields.get("client_secret", ""))
