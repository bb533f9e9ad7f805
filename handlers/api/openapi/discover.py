"""What a route handler reads and answers, found in its code: the Struct it decodes its body or
parameters into (`read_struct`, `read_request`, `read_fields`), the Struct it answers with
(`json_response(SomeStruct(...))`, or a function annotated to return one; each of them when
it answers with several), the query
parameters it reads by name, and the status it answers. A `describe(...)` on the handler
(handlers.api.dialect) wins over what is found. Helpers the handler calls from its own
dialect's package are read too, one call deep.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any

import msgspec

from handlers.api.dialect import described

__all__ = ["Found", "discover"]

BODY_READERS = {"read_struct"}  # a JSON body
PARAM_READERS = {"read_request", "read_fields"}  # query, form or JSON parameters
# readers of one named query parameter: `query_flag(request, "x")`, `bounded_param(request, "x",
# ...)`, and the methods of a query reader object (`query.whole("x")`, `query.choice("x", ...)`)
QUERY_FUNCTIONS = {"query_flag"}
QUERY_METHODS = {"whole", "text", "choice", "flag", "date"}
# methods of a query reader named `query` that read the parameter of their own name
# (EchoStats' `query.limit(...)`, `query.page()`, `query.period()`)
QUERY_NAMED_METHODS = {"limit", "page", "period"}


@dataclass
class Found:
    """A handler's request types (None: unknown), the types it may answer with (one of them)
    and the query names it reads."""

    body: Any = None
    params: Any = None
    query: Any = None
    responses: list[Any] = field(default_factory=list)
    status: int = 200
    summary: str = ""
    query_names: list[str] = field(default_factory=list)


def _source_tree(fn: Callable[..., Any]) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None


def _namespace(fn: Callable[..., Any]) -> dict[str, Any]:
    """The names a function's code can see: its module's globals and its closure."""
    names = dict(getattr(fn, "__globals__", {}))
    try:
        names.update(inspect.getclosurevars(fn).nonlocals)
    except (TypeError, ValueError):
        pass
    return names


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_struct(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, msgspec.Struct)


def _resolve(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def _returned_struct(fn: Any) -> Any:
    """The Struct (or list of Structs) a function is annotated to return, else None."""
    try:
        hint = typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation that cannot be evaluated here: unknown
        return None
    if _is_struct(hint):
        return hint
    if typing.get_origin(hint) is list and all(_is_struct(a) for a in typing.get_args(hint)):
        return hint
    return None


def _answer(node: ast.expr, names: dict[str, Any]) -> Any:
    """The type `json_response(node)` answers with, when the code shows it."""
    if isinstance(node, ast.Call):
        target = _resolve(node.func, names)
        if _is_struct(target):
            return target
        if isinstance(target, FunctionType):
            return _returned_struct(target)
    if isinstance(node, ast.ListComp) and isinstance(node.elt, ast.Call):
        item = _answer(node.elt, names)
        return list[item] if item is not None else None  # type: ignore[valid-type]
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _query_name(node: ast.Call) -> str | None:
    """`request.query.get("x")`, `request.query.getone("x")`, `query_flag(request, "x")`."""
    func = node.func
    if (isinstance(func, ast.Attribute) and func.attr in ("get", "getone", "getall")
            and isinstance(func.value, ast.Attribute) and func.value.attr == "query" and node.args):
        return _literal(node.args[0])
    callee = _callee(node)
    if (callee in QUERY_FUNCTIONS or callee.endswith("_param")) and len(node.args) >= 2:
        return _literal(node.args[1])
    if isinstance(func, ast.Attribute) and callee in QUERY_METHODS and node.args:
        return _literal(node.args[0])
    if (isinstance(func, ast.Attribute) and callee in QUERY_NAMED_METHODS
            and isinstance(func.value, ast.Name) and func.value.id == "query"):
        return callee
    return None


def _subscript_query(node: ast.Subscript) -> str | None:
    """`request.query["x"]`."""
    if isinstance(node.value, ast.Attribute) and node.value.attr == "query":
        return _literal(node.slice) if isinstance(node.slice, ast.expr) else None
    return None


def _scan(fn: Callable[..., Any], found: Found, depth: int) -> None:
    tree = _source_tree(fn)
    if tree is None:
        return
    names = _namespace(fn)
    package = _package(getattr(fn, "__module__", None) or "")
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and (name := _subscript_query(node)):
            _add_name(found, name)
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node)
        if callee in BODY_READERS and len(node.args) >= 2 and found.body is None:
            found.body = _struct_or_none(_resolve(node.args[1], names))
        elif callee in PARAM_READERS and len(node.args) >= 2 and found.params is None:
            found.params = _struct_or_none(_resolve(node.args[1], names))
        elif callee == "json_response" and node.args:
            answer = _answer(node.args[0], names)
            if answer is not None and answer not in found.responses:
                found.responses.append(answer)
                found.status = _status(node) or found.status
        elif (name := _query_name(node)) is not None:
            _add_name(found, name)
        elif depth > 0:
            helper = _resolve(node.func, names)
            if isinstance(helper, FunctionType) and _package(helper.__module__) == package:
                _scan(helper, found, depth - 1)


def _package(module: str) -> str:
    """Where a handler's helpers live: its dialect's package (`handlers.api.echostats`)."""
    return module.rsplit(".", 1)[0] if module.count(".") > 2 else module


def _status(node: ast.Call) -> int | None:
    for keyword in node.keywords:
        if keyword.arg == "status" and isinstance(keyword.value, ast.Constant) and \
                isinstance(keyword.value.value, int):
            return keyword.value.value
    return None


def _struct_or_none(value: Any) -> Any:
    return value if _is_struct(value) else None


def _add_name(found: Found, name: str) -> None:
    if name not in found.query_names:
        found.query_names.append(name)


def discover(handler: Callable[..., Any]) -> Found:
    """What `handler` reads and answers: its `describe(...)` first, then its code."""
    found = Found()
    _scan(inspect.unwrap(handler), found, depth=1)
    declared = described(handler)
    if declared is not None:
        found.body = declared.body if declared.body is not None else found.body
        found.query = declared.query if declared.query is not None else found.query
        if declared.response is not None:
            found.responses, found.status = [declared.response], declared.status
        found.summary = declared.summary
    return found
