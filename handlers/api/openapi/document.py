"""The OpenAPI 3.1 document of a router's routes: paths and operations from the router, schemas
from the msgspec Structs each handler decodes into and answers with (handlers.api.openapi.
discover), components written by `msgspec.json.schema_components`. Nothing is written by hand:
a route without a known Struct still appears, with its path parameters and an open schema."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import msgspec

from handlers.api.dialect import STREAMING_ATTR, dialect_of
from handlers.api.openapi.discover import Found, discover
from handlers.api.openapi.routes import ANY_METHOD, ServedRoute
from handlers.errors import DomainError

__all__ = ["build_document", "OPENAPI_VERSION", "operations_of"]

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{name}"
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
ANY_JSON: dict[str, Any] = {}  # JSON Schema's "anything": the answer of a route with no Struct
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def operations_of(routes: list[ServedRoute]) -> list[tuple[str, str, ServedRoute]]:
    """(method, path, route) of every operation; a `*` route answers every method."""
    return [(method, route.path, route)
            for route in routes
            for method in (ANY_METHOD if route.method == "*" else (route.method,))]


def _types(found: Found) -> list[Any]:
    return [t for t in (found.body, found.params, found.query, *found.responses) if t is not None]


def _components(types: list[Any]) -> tuple[dict[int, Any], dict[str, Any]]:
    """A schema (usually a `$ref`) for each type, by id, and the components they refer to; a
    type msgspec cannot describe gets the open schema."""
    unique = list({id(t): t for t in types}.values())
    try:
        schemas, components = msgspec.json.schema_components(unique, ref_template=REF_TEMPLATE)
        return {id(t): s for t, s in zip(unique, schemas, strict=True)}, components
    except (TypeError, ValueError):
        pass
    by_id: dict[int, Any] = {}
    components = {}
    for t in unique:
        try:
            (schema,), found = msgspec.json.schema_components([t], ref_template=REF_TEMPLATE)
        except (TypeError, ValueError):
            schema, found = ANY_JSON, {}
        by_id[id(t)] = schema
        components.update(found)
    return by_id, components


def _field_parameters(struct: Any) -> list[dict[str, Any]]:
    """A parameters Struct's fields as query parameters."""
    parameters = []
    for field in msgspec.structs.fields(struct):
        try:
            schema = msgspec.json.schema(field.type)
        except (TypeError, ValueError):
            schema = ANY_JSON
        if "$defs" in schema:
            schema = ANY_JSON  # a nested object: not a query parameter's shape
        parameters.append({"name": field.encode_name, "in": "query",
                           "required": field.required, "schema": schema})
    return parameters


def _parameters(method: str, path: str, found: Found) -> list[dict[str, Any]]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _PATH_PARAM.findall(path)]
    if found.query is not None:
        parameters += _field_parameters(found.query)
    if found.params is not None and method not in BODY_METHODS:
        parameters += _field_parameters(found.params)
    taken = {p["name"] for p in parameters}
    parameters += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                   for name in found.query_names if name not in taken]
    return parameters


def _request_body(method: str, found: Found, schemas: dict[int, Any]) -> dict[str, Any] | None:
    if found.body is not None:
        return {"required": True,
                "content": {"application/json": {"schema": schemas[id(found.body)]}}}
    if found.params is not None and method in BODY_METHODS:
        schema = schemas[id(found.params)]
        return {"required": False, "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema}}}
    return None


def _error_schema(route: ServedRoute) -> dict[str, Any]:
    """The dialect's error shape, read off the body it renders for an error."""
    dialect = dialect_of(route.handler)
    if dialect is None:
        return {"type": "object"}
    sample = dialect.error_body(DomainError("message", code="example"))
    if not isinstance(sample, dict):
        return ANY_JSON
    kinds = {str: "string", int: "integer", bool: "boolean", float: "number", list: "array",
             dict: "object"}
    return {"type": "object", "required": sorted(sample),
            "properties": {key: {"type": kinds.get(type(value), "string")}
                           for key, value in sample.items()}}


def _responses(route: ServedRoute, found: Found, schemas: dict[int, Any]) -> dict[str, Any]:
    if route.redirect:
        return {"307": {"description": "Moved to the path with a trailing slash",
                        "headers": {"Location": {"schema": {"type": "string"}}}}}
    if getattr(route.handler, STREAMING_ATTR, False):
        success: dict[str, Any] = {
            "description": "A stream: Server-Sent Events, newline-delimited JSON or a websocket",
            "content": {"text/event-stream": {"schema": {"type": "string"}}}}
    else:
        answers = [schemas[id(t)] for t in found.responses]
        schema = answers[0] if len(answers) == 1 else {"anyOf": answers} if answers else ANY_JSON
        success = {"description": "Success", "content": {"application/json": {"schema": schema}}}
    return {str(found.status): success,
            "default": {"description": "An error, in this dialect's shape",
                        "content": {"application/json": {"schema": _error_schema(route)}}}}


def _operation_id(method: str, path: str, seen: Counter[str]) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
    base = f"{method.lower()}_{slug}"
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}_{seen[base]}"


def _summary(route: ServedRoute, found: Found) -> str:
    doc = (found.summary or (route.handler.__doc__ or "")).strip()
    return doc.splitlines()[0] if doc else f"{route.method} {route.path}"


def build_document(routes: list[ServedRoute], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI document of `routes`."""
    found = {id(route.handler): discover(route.handler) for route in routes}
    schemas, components = _components([t for f in found.values() for t in _types(f)])
    paths: dict[str, dict[str, Any]] = {}
    seen: Counter[str] = Counter()
    for method, path, route in operations_of(routes):
        if method.lower() in paths.get(path, {}):
            continue  # a path two dialects share is described by its default branch
        shape = found[id(route.handler)]
        operation: dict[str, Any] = {
            "operationId": _operation_id(method, path, seen),
            "tags": [route.dialect],
            "summary": _summary(route, shape),
            "parameters": _parameters(method, path, shape),
            "responses": _responses(route, shape, schemas),
        }
        body = _request_body(method, shape, schemas)
        if body is not None:
            operation["requestBody"] = body
        paths.setdefault(path, {})[method.lower()] = operation
    tags = sorted({route.dialect for route in routes})
    return {"openapi": OPENAPI_VERSION,
            "info": {"title": title, "version": version,
                     "description": "Every route Chorus serves, in each service's own dialect."},
            "tags": [{"name": tag} for tag in tags],
            "paths": paths,
            "components": {"schemas": components}}
