"""RPC methods for websocket clients and bots: each calls the same domain operation as REST.

Domain modules register with `@rpc_method("name")`; errors become protocol errors whose code
is the HTTP status of the domain error (application codes 400+).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from handlers import listening
from handlers.auth import Principal
from handlers.context import Context
from handlers.errors import DomainError, Invalid, Unauthorized
from handlers.geo import parse_coordinates
from hub.realtime.node import Identity, RPCError, RPCHook
from hub.realtime.protocol import encode_json

__all__ = ["RPC_METHODS", "rpc_method", "make_rpc_hook", "RpcMethod"]

RpcMethod = Callable[[Context, Principal, Any], Awaitable[Any]]
RPC_METHODS: dict[str, RpcMethod] = {}


def rpc_method(name: str) -> Callable[[RpcMethod], RpcMethod]:
    def register(fn: RpcMethod) -> RpcMethod:
        RPC_METHODS[name] = fn
        return fn

    return register


async def _principal(ctx: Context, identity: Identity) -> Principal:
    if not identity.user:
        raise Unauthorized("Sign in to call this method", code="not_authenticated")
    user = await ctx.store.users.get(int(identity.user))
    if user is None or user.state not in ("active", "pending_deletion"):
        raise Unauthorized("Account is not active", code="account_inactive")
    return Principal(user=user, session_id="")


def make_rpc_hook(ctx: Context) -> RPCHook:
    async def on_rpc(identity: Identity, method: str, data: bytes) -> bytes:
        fn = RPC_METHODS[method]  # KeyError: method not found (104)
        try:
            params = msgspec.json.decode(data) if data else None
            result = await fn(ctx, await _principal(ctx, identity), params)
        except DomainError as err:
            raise RPCError(err.status, err.message) from err
        except (msgspec.DecodeError, msgspec.ValidationError, TypeError, ValueError) as exc:
            raise RPCError(400, f"invalid params: {exc}") from exc
        return encode_json(result)

    return on_rpc


def _params(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid("params must be a JSON object", code="invalid_params")
    return data


@rpc_method("nowplaying.set")
async def nowplaying_set(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    """{link, latitude?, longitude?} -> {id, geohash}"""
    params = _params(data)
    entry = await listening.set_now_playing(
        ctx, principal, params.get("link"),
        parse_coordinates(params.get("latitude"), params.get("longitude")))
    return {"id": entry.id, "geohash": entry.geohash}


@rpc_method("nowplaying.clear")
async def nowplaying_clear(ctx: Context, principal: Principal, data: Any) -> dict[str, Any]:
    return {"cleared": await listening.clear_now_playing(ctx, principal)}
