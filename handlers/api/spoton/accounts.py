"""Spot On accounts: register, login (session cookie), forgot/reset password, get_user, logout."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import (
    clear_session_cookie,
    client_address,
    get_principal,
    require_principal,
    set_session_cookie,
)
from handlers.api._input import read_struct
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.errors import Invalid
from handlers.identity import accounts, auth, reset
from store.records import User

__all__ = ["setup_routes", "user_fields"]


class LoginBody(msgspec.Struct):
    username: str
    password: str


class RegisterBody(msgspec.Struct):
    username: str
    email: str
    password: str
    name: str = ""
    surname: str = ""
    labels: str | list[str] = ""


class ForgetBody(msgspec.Struct):
    email: str


class ResetBody(msgspec.Struct):
    token: str
    new_password: str
    confirm_password: str


def user_fields(user: User) -> dict[str, Any]:
    return {"username": user.username or "", "user_id": user.id, "name": user.name,
            "surname": user.surname, "email": user.email or "", "labels": user.labels}


async def login(request: web.Request) -> web.Response:
    body = await read_struct(request, LoginBody)
    ctx = context(request)
    user = await auth.authenticate(ctx, body.username, password=body.password,
                                   source=client_address(request))
    response = json_response({"message": "Login successful", **user_fields(user)})
    set_session_cookie(request, response, await auth.start_cookie_session(ctx, user))
    return response


async def register(request: web.Request) -> web.Response:
    body = await read_struct(request, RegisterBody)
    labels = ",".join(body.labels) if isinstance(body.labels, list) else body.labels
    user = await accounts.register(
        context(request), username=body.username, email=body.email, password=body.password,
        name=body.name, surname=body.surname, labels=labels, password_rules="spoton")
    return json_response({"message": "Registration successful", **user_fields(user)}, status=201)


async def forget_password(request: web.Request) -> web.Response:
    body = await read_struct(request, ForgetBody)
    await reset.forgot_password(context(request), body.email)
    return json_response({"success": "We have sent you a link to reset your password"})


async def reset_password(request: web.Request) -> web.Response:
    body = await read_struct(request, ResetBody)
    if body.new_password != body.confirm_password:
        raise Invalid("Passwords do not match", code="password_mismatch")
    await reset.reset_password(context(request), body.token, body.new_password,
                               password_rules="spoton")
    return json_response({"success": "Password updated"})


async def get_user(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response({"message": "User details retrieved", **user_fields(principal.user)})


async def logout(request: web.Request) -> web.Response:
    principal = await get_principal(request)
    if principal is not None:
        await auth.end_session(context(request), principal.session_id)
    response = json_response({"message": "Logout successful"})
    clear_session_cookie(response)
    return response


def setup_routes(app: web.Application) -> None:
    r = app.router
    spoton.add(r, "POST", "/api/login", login)
    spoton.add(r, "POST", "/api/register", register)
    spoton.add(r, "POST", "/api/forget-password", forget_password)
    spoton.add(r, "POST", "/api/reset-password", reset_password)
    spoton.add(r, "GET", "/api/get_user", get_user)
    spoton.add(r, "POST", "/api/logout", logout)
