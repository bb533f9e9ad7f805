"""Print the served routes as a Markdown table (dialect, method, path): `python -m hub.routes_doc`.

The README's endpoint table is made from this output, so it lists what really is served.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from handlers.api.dialect import dialect_of
from handlers.api.spotizerr import SLASH_REDIRECT
from hub.app import create_app
from hub.config import load_config

__all__ = ["served_routes", "main"]

NAMES = {"spoton": "Spot On", "spotizerr": "Spotizerr", "echostats": "EchoStats", "sono": "Sono",
         "openwhyd": "Openwhyd", "health": "all (health)", "chorus": "Chorus",
         "listenbrainz": "ListenBrainz", "quiz": "Chorus (quiz)"}


async def served_routes() -> list[tuple[str, str, str]]:
    """(dialect, method, path) of every route, in registration order, HEAD left out."""
    with tempfile.TemporaryDirectory() as tmp:
        app = await create_app(load_config(env={}, data_dir=str(Path(tmp))))
        rows = []
        for route in app.router.routes():
            if route.method == "HEAD" or getattr(route.handler, SLASH_REDIRECT, False):
                continue
            dialect = dialect_of(route.handler)
            name = NAMES.get(dialect.name, dialect.name) if dialect else "Chorus (realtime)"
            rows.append((name, route.method, route.resource.canonical if route.resource else ""))
        return rows


def main() -> None:
    print("| dialect | method | path | status |")
    print("|---|---|---|---|")
    for dialect, method, path in asyncio.run(served_routes()):
        print(f"| {dialect} | {method} | `{path}` | served |")


if __name__ == "__main__":
    main()
