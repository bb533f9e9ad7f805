"""/api/openapi.json: valid OpenAPI 3.1, every route of the router and nothing else, schemas
made from the Structs the dialects decode into and answer with; /openapi.json and /docs."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from aiohttp import web
from openapi_spec_validator import validate

from handlers.api.dialect import Dialect, describe
from handlers.api.echostats.player import NowPlaying
from handlers.api.openapi import setup_openapi_routes
from handlers.api.spoton.accounts import LoginBody
from hub.app import create_app
from tests.conftest import make_config

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Widget(msgspec.Struct):
    name: str
    size: int = 0


async def plain_extra(request: web.Request) -> web.Response:
    return web.Response(text=request.match_info["thing"])


@describe(response=Widget)
async def described_extra(request: web.Request) -> web.Response:
    return web.Response(text="{}")


@pytest.fixture
async def served(aiohttp_client: Any, tmp_path: Any) -> Any:
    """Chorus, plus two routes of no dialect added the way any new route is: one plain, one
    described."""
    app = await create_app(make_config(tmp_path / "data"))
    app.router.add_get("/extra/{thing}/plain", plain_extra)
    app.router.add_post("/extra/described", described_extra)
    client = await aiohttp_client(app)
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200 and resp.content_type == "application/json"
    return client, await resp.json()


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def router_operations(app: web.Application) -> set[tuple[str, str]]:
    """What the router serves, read here on its own: HEAD twins aside, `*` as every method."""
    found = set()
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        methods = METHODS if route.method == "*" else (route.method,)
        found |= {(method, route.resource.canonical) for method in methods}
    return found


async def test_the_description_is_valid_openapi_3_1(served):
    _, document = served
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any error


async def test_every_route_of_the_router_is_described_and_none_invented(served):
    client, document = served
    expected = router_operations(client.server.app)
    assert operations(document) == expected
    assert ("POST", "/api/v1/users/token") in expected  # the router really was read
    assert ("GET", "/api/openapi.json") in expected


async def test_a_route_without_a_known_struct_has_its_path_parameters_and_an_open_schema(served):
    _, document = served
    operation = document["paths"]["/extra/{thing}/plain"]["get"]
    assert operation["parameters"] == [
        {"name": "thing", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {}


async def test_described_routes_answer_with_their_declared_struct(served):
    _, document = served
    operation = document["paths"]["/extra/described"]["post"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["properties"]) == {"name", "size"} and component["required"] == ["name"]


def component_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def msgspec_schema(struct: type) -> dict[str, Any]:
    (ref,), components = msgspec.json.schema_components([struct])
    return dict(components[ref["$ref"].rsplit("/", 1)[1]])


async def test_request_bodies_come_from_the_struct_the_dialect_decodes_into(served):
    _, document = served
    body = document["paths"]["/api/login"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert component_of(document, schema) == msgspec_schema(LoginBody)


async def test_responses_come_from_the_struct_the_dialect_answers_with(served):
    _, document = served
    responses = document["paths"]["/api/v1/player/current"]["get"]["responses"]
    schema = responses["200"]["content"]["application/json"]["schema"]
    answers = [component_of(document, s) for s in schema["anyOf"]]  # or NothingPlaying
    assert msgspec_schema(NowPlaying) in answers


async def test_query_parameters_read_by_name_are_listed(served):
    _, document = served

    def query(path: str, method: str = "get") -> set[str]:
        return {p["name"] for p in document["paths"][path][method]["parameters"]
                if p["in"] == "query"}

    assert "active_only" in query("/api/prgs/list")  # Spotizerr, query_flag(request, ...)
    assert "period" in query("/api/v1/analytics/overview")  # EchoStats, in a helper
    assert {"email", "password"} <= query("/login")  # Openwhyd, its parameters Struct


async def test_errors_are_described_in_each_dialects_shape(served):
    _, document = served

    def error_keys(path: str, method: str) -> list[str]:
        default = document["paths"][path][method]["responses"]["default"]
        return default["content"]["application/json"]["schema"]["required"]

    assert error_keys("/api/v1/users/me", "get") == ["detail"]  # Sono
    assert error_keys("/api/auth/login", "post") == ["detail", "details", "error"]  # Spotizerr
    assert error_keys("/api/login", "post") == ["error"]  # Spot On


async def test_fastapi_paths_serve_the_same_description_and_a_docs_page(served):
    client, document = served
    assert await (await client.get("/openapi.json")).json() == document
    resp = await client.get("/docs")
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    assert "<code>/api/v1/users/token</code>" in page and 'href="/api/openapi.json"' in page
    # self-contained: nothing loaded from elsewhere
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_a_path_a_dialect_serves_is_left_to_it():
    app = web.Application()
    sono_like = Dialect()

    async def own_docs(request: web.Request) -> web.Response:
        return web.Response(text="ours")

    sono_like.add(app.router, "GET", "/docs", own_docs)
    setup_openapi_routes(app)
    docs = [r for r in app.router.routes() if r.resource and r.resource.canonical == "/docs"
            and r.method == "GET"]
    assert [r.handler for r in docs] == [own_docs]
    assert any(r.resource and r.resource.canonical == "/api/openapi.json"
               for r in app.router.routes())


async def test_a_route_answering_with_several_structs_lists_each(served):
    _, document = served
    schema = document["paths"]["/api/v1/auth/status"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in schema["anyOf"]} == {"SignedIn", "SignedOut"}


async def test_a_query_struct_declared_with_describe_lists_its_fields(served):
    _, document = served
    parameters = document["paths"]["/api/v1/auth/callback"]["get"]["parameters"]
    assert {p["name"] for p in parameters if p["in"] == "query"} == {"code", "state", "error"}
