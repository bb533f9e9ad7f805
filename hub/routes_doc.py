"""Print the served routes as a Markdown table (dialect, method, path): `python -m hub.routes_doc`.

The README's endpoint table is made from this output, so it lists what really is served. The
walk over the router is handlers.api.openapi.routes', the one the OpenAPI description uses.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from handlers.api.openapi.routes import served_routes as routes_of
from hub.app import create_app
from hub.config import load_config

__all__ = ["served_routes", "main"]


async def served_routes() -> list[tuple[str, str, str]]:
    """(dialect, method, path) of every route, in registration order, HEAD and FastAPI's
    trailing-slash redirects left out."""
    with tempfile.TemporaryDirectory() as tmp:
        app = await create_app(load_config(env={}, data_dir=str(Path(tmp))))
        return [(route.dialect, route.method, route.path)
                for route in routes_of(app.router) if not route.redirect]


def main() -> None:
    print("| dialect | method | path | status |")
    print("|---|---|---|---|")
    for dialect, method, path in asyncio.run(served_routes()):
        print(f"| {dialect} | {method} | `{path}` | served |")


if __name__ == "__main__":
    main()
