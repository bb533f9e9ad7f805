"""What every Openwhyd route shares: the dialect, parameter reading, ajax errors, redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from handlers.api._auth import signed_out_messages
from handlers.api._input import decode_json, read_params, read_post
from handlers.api.dialect import Dialect, json_response
from handlers.api.keys import context
from handlers.context import Context
from handlers.crypto import safe_redirect
from handlers.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthorized
from handlers.identity.auth import Principal
from handlers.social import counts
from store.records import User

__all__ = [
    "AJAX_ERRORS",
    "MAX_ID",
    "OpenwhydDialect",
    "openwhyd",
    "absolute_url",
    "ajax_error",
    "flag",
    "nested",
    "read_fields",
    "read_list",
    "read_request",
    "redirect_target",
    "user_counts",
]

LOGIN_FIRST = "Please login first"
UNSAFE_REDIRECT = "Unsafe redirect target"
MAX_ID = 10**18 - 1  # ids of up to eighteen digits; larger ones cannot be SQLite integers
# Outcomes Openwhyd's ajax clients read from a 200 `{"error": ...}` body (jQuery success callback)
AJAX_ERRORS = (Invalid, Unauthorized, Forbidden, Conflict, NotFound)
T = TypeVar("T")


class OpenwhydDialect(Dialect):
    """`{"error": "..."}`, worded as Openwhyd words it."""

    name = "openwhyd"
    messages = {
        **signed_out_messages(LOGIN_FIRST),
        "bad_credentials": "Your email or password seems wrong... Try again!",
        "unknown_account": "Are you sure? We don't recognize your email address!",
        "unknown_email": "Are you sure? We don't recognize your email address!",
        "wrong_password": "Your password seems wrong... Try again!",
        "password_missing": "Please enter your password below:",
        "user_not_found": "user not found",
        "reserved_username": "This username is reserved",
        "username_taken": "This username is taken by another user",
        "invalid_email": "This email address is invalid",
        "email_taken": "This email already belongs to another user",
        "facebook_invalid": "facebook session token does not match user id",
        "unsafe_redirect": UNSAFE_REDIRECT,
    }


openwhyd = OpenwhydDialect()


def ajax_error(err: DomainError, overrides: Mapping[str, str] | None = None,
               **extra: Any) -> web.Response:
    """An ajax outcome: HTTP 200 and `{"error": ...}` (plus `extra`), as Openwhyd answers."""
    message = (overrides or {}).get(err.code) or openwhyd.message(err)
    return json_response({**extra, "error": message})


def _scalar(value: Any) -> Any:
    """Query strings, forms and JSON spell the same parameter differently: bring scalars to str."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def read_fields(params: Mapping[str, Any], cls: type[T]) -> T:
    """The known parameters as `cls` (every field `str | None`); Invalid names a bad one."""
    try:
        return msgspec.convert({k: _scalar(v) for k, v in params.items()}, cls, strict=False)
    except msgspec.ValidationError as exc:
        field = str(exc).split("$.", 1)[-1].rstrip("`") if "$." in str(exc) else "parameters"
        raise Invalid(f"invalid parameter: {field}", code="invalid_parameter") from exc


async def read_request(request: web.Request, cls: type[T]) -> T:
    return read_fields(await read_params(request), cls)


def nested(params: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """An object parameter however the client spelt it: a JSON object (or JSON string), or
    jQuery's bracket notation (`pl[id]=0&pl[name]=x`); None when absent."""
    value = params.get(name)
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            decoded = decode_json(value)
        except msgspec.DecodeError:
            decoded = None
        if isinstance(decoded, dict):
            return decoded
    prefix = f"{name}["
    found = {k[len(prefix):-1]: v for k, v in params.items()
             if k.startswith(prefix) and k.endswith("]") and "[" not in k[len(prefix):-1]}
    return found or None


async def read_list(request: web.Request, params: Mapping[str, Any], name: str) -> list[str]:
    """An array parameter: a JSON array, repeated `name=` / `name[]=` / `name[0]=` fields in the
    query or form, or a JSON array or comma-separated list in one string."""
    value = params.get(name)
    if isinstance(value, list):
        return [str(_scalar(v)) for v in value]
    sources: list[Mapping[str, Any]] = [request.query]
    if request.method != "GET" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(await read_post(request))
    values: list[str] = []
    for source in sources:
        getall = getattr(source, "getall", None)
        if getall is not None:
            values += [v for v in (*getall(name, ()), *getall(f"{name}[]", ()))
                       if isinstance(v, str)]
        indexed = [(int(k[len(name) + 1:-1]), v) for k, v in source.items()
                   if k.startswith(f"{name}[") and k.endswith("]")
                   and k[len(name) + 1:-1].isdigit()]
        values += [v for _, v in sorted(indexed, key=lambda kv: kv[0]) if isinstance(v, str)]
    if values:
        return values
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.startswith("["):
            try:
                decoded = decode_json(text)
            except msgspec.DecodeError as exc:
                raise Invalid(f"invalid parameter: {name}", code="invalid_parameter") from exc
            if isinstance(decoded, list):
                return [str(_scalar(v)) for v in decoded]
        return [part.strip() for part in text.split(",") if part.strip()]
    return []


def flag(value: str | None) -> bool:
    """Openwhyd's booleans: "true", "1", "iframe"... are on; absent, "", "0", "false" are off."""
    return value is not None and value.strip().lower() not in (
        "", "0", "false", "no", "off", "null", "undefined")


def redirect_target(request: web.Request, raw: str | None, default: str = "/") -> str:
    """The `redirect` parameter if it stays on this site (a `/path`, or an http(s) URL on the
    public URL, the frontend URL or the origin asked), else Invalid "Unsafe redirect target"."""
    if not raw:
        return default
    config = context(request).config
    origins = {config.base_url, f"{request.scheme}://{request.host}"}
    if config.frontend_url:
        origins.add(config.frontend_url)
    target = safe_redirect(raw, origins)
    if target is None:
        raise Invalid(UNSAFE_REDIRECT, code="unsafe_redirect")
    return target


async def user_counts(ctx: Context, viewer: Principal | None, user: User) -> dict[str, int]:
    """nbLikes, nbPosts, nbSubscribers and nbSubscriptions of a user, as the viewer sees them."""
    found = await counts.user_counts(ctx, viewer, user.id)
    return {"nbLikes": found.likes, "nbPosts": found.posts, "nbSubscribers": found.followers,
            "nbSubscriptions": found.following}


def absolute_url(request: web.Request, target: str) -> str:
    """A checked redirect target as an absolute URL: a path is put on the public URL (or, when
    none is configured, on the origin the request came to)."""
    if not target.startswith("/"):
        return target
    config = context(request).config
    base = config.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    return base + target
