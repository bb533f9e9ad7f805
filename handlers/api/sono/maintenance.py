"""Sono's maintenance switch: public status, admin-only enable / disable / toggle. While it is
on, the platform middleware answers every other route 503 in the route's dialect."""

from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import invalid_field, read_struct
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.sono._dialect import sono
from handlers.media.maintenance import MaintenanceState, current_maintenance, set_maintenance

__all__ = ["setup_routes"]

PREFIX = "/api/v1/admin/maintenance"
MESSAGE_MAX = 200


class ToggleBody(msgspec.Struct):
    enabled: bool
    message: Annotated[str, msgspec.Meta(max_length=MESSAGE_MAX)] | None = None


def state_out(state: MaintenanceState) -> dict[str, object]:
    return {"enabled": state.enabled, "message": state.message}


async def _switch(request: web.Request, enabled: bool, message: str | None) -> web.Response:
    principal = await require_principal(request)
    state = await set_maintenance(context(request), is_admin=principal.user.is_admin,
                                  enabled=enabled, message=message)
    return json_response(state_out(state))


async def get_status(request: web.Request) -> web.Response:
    return json_response(state_out(current_maintenance(context(request))))


async def enable(request: web.Request) -> web.Response:
    message = request.query.get("message") or None
    if message is not None and len(message) > MESSAGE_MAX:
        raise invalid_field(("query", "message"),
                            f"String should have at most {MESSAGE_MAX} characters",
                            "string_too_long")
    return await _switch(request, True, message)


async def disable(request: web.Request) -> web.Response:
    return await _switch(request, False, None)


async def toggle(request: web.Request) -> web.Response:
    await require_principal(request)  # 401 before a body error, as FastAPI's dependencies do
    body = await read_struct(request, ToggleBody)
    return await _switch(request, body.enabled, body.message if body.enabled else None)


def setup_routes(app: web.Application) -> None:
    r = app.router
    sono.add(r, "GET", f"{PREFIX}/status", get_status)
    sono.add(r, "POST", f"{PREFIX}/enable", enable)
    sono.add(r, "POST", f"{PREFIX}/disable", disable)
    sono.add(r, "POST", f"{PREFIX}/toggle", toggle)
