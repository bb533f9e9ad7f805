"""The OpenAPI 3.1 description of every served route, made from the router and the msgspec
Structs the dialects decode into and answer with: `/api/openapi.json`, and FastAPI's
`/openapi.json` and `/docs` where no dialect route claims the path.

`routes` walks the router (also for the README's endpoint table), `discover` finds what a
handler reads and answers, `document` writes the description, `page` the docs page.
"""

from __future__ import annotations

from handlers.api.openapi.page import setup_openapi_routes

__all__ = ["setup_openapi_routes"]
