"""The import graph of the five packages: no cycle (imports inside functions and under
TYPE_CHECKING count too) and nothing below the composition root imports it.

A small ast walk rather than grimp: it needs no extra dependency, reads every import
statement wherever it stands, and is a few dozen lines. `python -m tests.test_import_graph`
prints the folder-level graph.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "handlers", "workers", "store", "providers")
# hub.routes_doc prints the route table of the app hub.app builds: a tool on the roof;
# hub.import_cli is the command line's `chorus import` (a Context on the store, as hub.app builds it),
# hub.charts_cli its `chorus charts import` and hub.lyrics_cli its `chorus lyrics import` (the same way)
COMPOSITION_ROOT = {"hub.app", "hub.cli", "hub.import_cli", "hub.charts_cli", "hub.lyrics_cli",
                    "hub.routes_doc"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the five packages, by dotted name."""
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is, or the closest package holding it (None: not ours)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in its text)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        targets = {_resolve(n, modules) for n in _imported_names(tree, name, path.name == "__init__.py")}
        graph[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
        # importing a package's submodule runs the package's __init__ first: parents are not edges
        # of their own here, since __init__ modules of the project hold no imports of siblings
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        # the process's limit is also how deep a JSON msgspec decodes: other tests rely on it
        sys.setrecursionlimit(limit)
    return cycles


def folder(module: str) -> str:
    """The room a module lives in: its folder, down to handlers/<area>, handlers/api/<dialect>
    and hub/<part>; store/, providers/ and workers/ are one room each."""
    path = project_modules()[module]
    parts = path.parent.relative_to(ROOT).parts
    depth = {"handlers": 3 if parts[1:2] == ("api",) else 2, "hub": 2}.get(parts[0], 1)
    return ".".join(parts[:depth])


def test_no_import_cycle() -> None:
    assert find_cycles(import_graph()) == []


def test_nothing_below_the_composition_root_imports_it() -> None:
    offenders = sorted(f"{src} -> {dst}" for src, dsts in import_graph().items()
                       for dst in dsts if dst in COMPOSITION_ROOT and src not in COMPOSITION_ROOT)
    assert offenders == []


def test_store_and_providers_import_nothing_of_the_project() -> None:
    offenders = sorted(f"{src} -> {dst}" for src, dsts in import_graph().items()
                       if src.split(".")[0] in ("store", "providers")
                       for dst in dsts if dst.split(".")[0] != src.split(".")[0])
    assert offenders == []


def test_workers_import_neither_the_hub_nor_handlers() -> None:
    """Workers sit below both: the job runner pushes through a protocol of its own."""
    offenders = sorted(f"{src} -> {dst}" for src, dsts in import_graph().items()
                       if src.split(".")[0] == "workers"
                       for dst in dsts if dst.split(".")[0] in ("hub", "handlers"))
    assert offenders == []


def test_the_realtime_core_never_imports_handlers() -> None:
    offenders = sorted(f"{src} -> {dst}" for src, dsts in import_graph().items()
                       if src.startswith("hub.realtime")
                       for dst in dsts if dst.split(".")[0] == "handlers")
    assert offenders == []


def test_handlers_take_from_the_hub_only_its_core() -> None:
    """hub/ is the roof (app, cli, routes_doc, middleware) over the core (config, keys, metrics,
    token buckets, realtime): handlers may use the core, never the roof."""
    offenders = sorted(f"{src} -> {dst}" for src, dsts in import_graph().items()
                       if src.startswith("handlers")
                       for dst in dsts if dst in COMPOSITION_ROOT or dst.startswith("hub.middleware"))
    assert offenders == []


def test_the_hubs_core_imports_nothing_of_handlers() -> None:
    """Only the roof (the composition root and the middleware) reaches down into handlers."""
    offenders = sorted(f"{src} -> {dst}" for src, dsts in import_graph().items()
                       if src.startswith("hub") and src not in COMPOSITION_ROOT
                       and not src.startswith("hub.middleware")
                       for dst in dsts if dst.split(".")[0] == "handlers")
    assert offenders == []


def test_only_dialects_and_the_hub_speak_aiohttp_web() -> None:
    """No module outside handlers/api/ and hub/ imports aiohttp.web (DESIGN §1); the domain
    areas, workers, store and providers never see a request."""
    offenders = []
    for name, path in project_modules().items():
        if name.startswith(("handlers.api", "hub")):
            continue
        names = _imported_names(ast.parse(path.read_text()), name, path.name == "__init__.py")
        if names & {"aiohttp.web", "aiohttp.web_request", "aiohttp.web_response"}:
            offenders.append(name)
    assert offenders == []


def test_the_graph_sees_imports_inside_functions() -> None:
    """The walk reads every import statement, not only the module's top lines."""
    tree = ast.parse("def f():\n    from store import open_store\n")
    assert "store.open_store" in _imported_names(tree, "hub.x", False)


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_area_says_what_lives_there() -> None:
    """Each package under handlers/ opens with a docstring and is named in ARCHITECTURE.md."""
    doc = (ROOT / "ARCHITECTURE.md").read_text()
    areas = sorted(p.parent for p in (ROOT / "handlers").glob("*/__init__.py"))
    undocumented = [a.name for a in areas
                    if ast.get_docstring(ast.parse((a / "__init__.py").read_text())) is None]
    assert undocumented == []
    assert [a.name for a in areas if f"`{a.name}/`" not in doc] == []


def main() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for src, dsts in import_graph().items():
        for dst in dsts:
            if folder(src) != folder(dst):
                edges[folder(src)].add(folder(dst))
    for src in sorted(edges):
        print(f"{src} -> {', '.join(sorted(edges[src]))}")
    for cycle in find_cycles(import_graph()):
        print("cycle:", " <-> ".join(cycle))


if __name__ == "__main__":
    main()
