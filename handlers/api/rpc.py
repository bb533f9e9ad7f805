"""RPC methods for websocket clients and bots: each calls the same domain operation as REST.

Domain modules register with `@rpc_method("name")`; errors become protocol errors whose code
is the HTTP status of the domain error (application codes 400+), or the code a method family
documents for it (RPC_ERROR_CODES).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from handlers import paging
from handlers.api._input import decode_json
from handlers.context import Context
from handlers.errors import DomainError, Invalid, Unauthorized
from handlers.geo import parse_coordinates
from handlers.identity.app_users import Caller, app_user
from handlers.identity.auth import Principal, principal_of_user
from handlers.social import feeds, follows, nowplaying, post_live, posts, reactions
from hub.realtime.node import RPCHook
from hub.realtime.protocol import encode_json
from hub.realtime.types import Identity, RPCError

__all__ = ["RPC_METHODS", "RPC_ERROR_CODES", "rpc_method", "rpc_params", "make_rpc_hook", "RpcMethod",
           "CallerRpcMethod", "CALLER_RPC_METHODS", "rpc_method_for_apps"]

RpcMethod = Callable[[Context, Principal, Any], Awaitable[Any]]
RPC_METHODS: dict[str, RpcMethod] = {}
# Methods an app's user (a Centrifugo-compatible connection token) may call too
CallerRpcMethod = Callable[[Context, Caller, Any], Awaitable[Any]]
CALLER_RPC_METHODS: dict[str, CallerRpcMethod] = {}
# domain error code -> the protocol error code a method family documents (e.g. the quiz's
# 1001-1015, handlers/api/quiz.py); other errors answer with their HTTP status
RPC_ERROR_CODES: dict[str, int] = {}


def rpc_method(name: str) -> Callable[[RpcMethod], RpcMethod]:
    def register(fn: RpcMethod) -> RpcMethod:
        RPC_METHODS[name] = fn
        return fn

    return register


def rpc_method_for_apps(name: str) -> Callable[[CallerRpcMethod], CallerRpcMethod]:
    """Register a method that Chorus users and apps' users (as an AppUser) may call."""
    def register(fn: CallerRpcMethod) -> CallerRpcMethod:
        CALLER_RPC_METHODS[name] = fn
        return fn

    return register


async def _caller(ctx: Context, identity: Identity) -> Caller:
    if identity.external and identity.user:
        return app_user(identity.user, identity.info)
    return await _principal(ctx, identity)


async def _principal(ctx: Context, identity: Identity) -> Principal:
    if not identity.user or identity.external:  # an app's user is never a Chorus account
        raise Unauthorized("Sign in to call this method", code="not_authenticated")
    return await principal_of_user(ctx, int(identity.user))


def make_rpc_hook(ctx: Context) -> RPCHook:
    async def on_rpc(identity: Identity, method: str, data: bytes) -> bytes:
        for_apps = CALLER_RPC_METHODS.get(method)
        fn = RPC_METHODS[method] if for_apps is None else None  # KeyError: not found (104)
        try:
            params = decode_json(data) if data else None
            if for_apps is not None:
                result = await for_apps(ctx, await _caller(ctx, identity), params)
            else:
                assert fn is not None
                result = await fn(ctx, await _principal(ctx, identity), params)
        except DomainError as err:
            raise RPCError(RPC_ERROR_CODES.get(err.code, err.status), err.message) from err
        except (msgspec.DecodeError, msgspec.ValidationError, TypeError, ValueError) as exc:
            raise RPCError(400, f"invalid params: {exc}") from exc
        return encode_json(result)

    return on_rpc


def _id(params: dict[str, Any], name: str) -> int:
    """The id parameter `name`: a JSON integer an id can be (1 to paging.MAX_ID)."""
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= paging.MAX_ID:
        raise Invalid(f"{name} must be an id (a positive integer)", code="invalid_params")
    return value


def _text(params: dict[str, Any], name: str) -> str | None:
    """The string parameter `name`, None when absent."""
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{name} must be a string", code="invalid_params")
    return value


def rpc_params(data: Any) -> dict[str, Any]:
    """An RPC call's params as a JSON object (none: empty), else `invalid_params`."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid("params must be a JSON object", code="invalid_params")
    return data


@rpc_method("nowplaying.set")
async def nowplaying_set(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    """{link, latitude?, longitude?} -> {id, geohash}"""
    params = rpc_params(data)
    entry = await nowplaying.set_now_playing(
        ctx, principal, _text(params, "link"),
        parse_coordinates(params.get("latitude"), params.get("longitude")))
    return {"id": entry.id, "geohash": entry.geohash}


@rpc_method("nowplaying.clear")
async def nowplaying_clear(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    return {"cleared": await nowplaying.clear_now_playing(ctx, principal)}


@rpc_method("posts.create")
async def posts_create(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    """{link or eId, name?, text?, image?, latitude?, longitude?, tags?} -> the post"""
    params = rpc_params(data)
    tags = params.get("tags") or []
    view = await posts.create_post(ctx, principal, posts.NewPost(
        link=_text(params, "link"), eid=_text(params, "eId") or _text(params, "eid"),
        name=str(params.get("name") or ""), text=str(params.get("text") or ""),
        image=str(params.get("image") or ""),
        coordinates=parse_coordinates(params.get("latitude"), params.get("longitude")),
        labels=[str(t) for t in tags] if isinstance(tags, list) else []))
    return post_live.post_payload(view)


@rpc_method("posts.like")
async def posts_like(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    """{post_id, kind: like | dislike | unlike} -> {post_id, kind, outcome, counts}"""
    params = rpc_params(data)
    post_id, kind = _id(params, "post_id"), params.get("kind", "like")
    if kind == "unlike":
        removed = await reactions.unreact(ctx, principal, post_id)
        outcome = "removed" if removed else "none"
    elif kind in ("like", "dislike"):
        outcome = await reactions.react(ctx, principal, post_id, kind)
    else:
        raise Invalid("kind must be like, dislike or unlike", code="invalid_params")
    post = await posts.get_post(ctx, post_id, principal)
    return {"post_id": post.id, "kind": kind, "outcome": outcome,
            "like_count": post.like_count, "dislike_count": post.dislike_count}


@rpc_method("feed.page")
async def feed_page(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    """{after?, before?, limit?} -> {posts: [...]}: the caller's stream, newest first"""
    params = rpc_params(data)
    page = paging.cursor(params.get("limit"), params.get("after"), params.get("before"))
    views = await feeds.stream(ctx, principal, page)
    return {"posts": [post_live.post_payload(v) for v in views]}


@rpc_method("follow.set")
async def follow_set(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    """{user_id, follow: bool} -> {user_id, following}"""
    params = rpc_params(data)
    user_id, follow = _id(params, "user_id"), params.get("follow", True)
    if not isinstance(follow, bool):
        raise Invalid("follow must be true or false", code="invalid_params")
    user = await follows.set_following(ctx, principal, user_id, follow)
    return {"user_id": user.id, "following": follow}
