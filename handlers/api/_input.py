"""Reading request input: JSON bodies into Structs, forms, merged parameters, whole numbers, and
the 422 about one field."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from handlers.errors import DomainError, FieldError, Invalid
from handlers.paging import MAX_ID, parse_whole_number

__all__ = ["decode_json", "read_json", "read_struct", "read_params", "read_form", "read_post",
           "int_param", "invalid_field"]

T = TypeVar("T")


def decode_json(raw: bytes | str) -> Any:
    """JSON text as Python values; msgspec.DecodeError for malformed JSON, nesting too deep to
    decode included (msgspec raises RecursionError from about 1,000 levels)."""
    try:
        return msgspec.json.decode(raw)
    except RecursionError as exc:
        raise msgspec.DecodeError("JSON is nested too deeply") from exc


async def read_json(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        if required:
            raise Invalid("Request body is required", code="body_missing",
                          fields=[FieldError(("body",), "field required", "missing")])
        return {}
    try:
        data = decode_json(raw)
    except msgspec.DecodeError as exc:
        raise Invalid("Malformed JSON body", code="bad_json",
                      fields=[FieldError(("body",), "Invalid JSON", "json_invalid")]) from exc
    if not isinstance(data, dict):
        raise Invalid("JSON body must be an object", code="bad_json",
                      fields=[FieldError(("body",), "Input should be an object", "dict_type")])
    return data


def _validation_error(exc: msgspec.ValidationError) -> Invalid:
    text = str(exc)
    loc: tuple[str, ...] = ("body",)
    if "at `$." in text:
        path = text.split("at `$.", 1)[1].rstrip("`")
        loc = ("body", *path.split("."))
    elif "missing required field `" in text:
        loc = ("body", text.split("`")[1])
    kind = "missing" if "missing required" in text.lower() else "value_error"
    msg = "Field required" if kind == "missing" else text.split(" - at ")[0]
    return Invalid(text, code="validation", fields=[FieldError(loc, msg, kind)])


async def read_struct(request: web.Request, cls: type[T]) -> T:
    """Decode a JSON body into `cls`; Invalid with the failing field otherwise."""
    data = await read_json(request)
    try:
        return msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc) from exc


async def read_post(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The form body (urlencoded or multipart); Invalid when it cannot be parsed (a multipart
    body without a boundary, or cut short: aiohttp raises ValueError)."""
    try:
        return await request.post()
    except ValueError as exc:
        raise Invalid("Malformed form body", code="bad_form",
                      fields=[FieldError(("body",), "Invalid form data", "form_invalid")]) from exc


async def read_form(request: web.Request) -> dict[str, str]:
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await read_post(request)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return {}


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query, then form or JSON body, merged (later wins): clients send either."""
    params: dict[str, Any] = dict(request.query)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.can_read_body:
        if request.content_type == "application/json":
            params.update(await read_json(request, required=False))
        else:
            params.update(await read_form(request))
    return params


def int_param(value: Any, error: DomainError, *, default: int | None = None, low: int = 0,
              high: int = MAX_ID) -> int:
    """`value` as a whole number from `low` to `high`, `default` when absent or blank; any other
    value (or a missing one without a default) raises `error`, worded as the dialect words it."""
    if value is None or isinstance(value, str) and not value.strip():
        if default is None:
            raise error
        return default
    number = parse_whole_number(value, low=low, high=high)
    if number is None:
        raise error
    return number


def invalid_field(loc: tuple[str, ...], msg: str, kind: str = "value_error") -> Invalid:
    """A 422 about one input field (FastAPI's dialects answer `{"detail": [{loc, msg, type}]}`)."""
    return Invalid(msg, code="validation", fields=[FieldError(loc, msg, kind)])
