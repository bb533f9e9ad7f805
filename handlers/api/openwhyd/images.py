"""`GET /uAvatarImg/<id>`: a user's avatar, as Openwhyd's pages and apps load it.

A user with an avatar is sent to it (307, the image's own URL); a user without one, an unknown
user or an id that is not one answer Openwhyd's default avatar with a 404, so an `<img>` shows
a silhouette and a client can still tell that there was none.
"""

from __future__ import annotations

import base64

from aiohttp import web

from handlers.api.keys import context
from handlers.api.openwhyd.common import MAX_ID, openwhyd
from handlers.errors import NotFound
from handlers.identity import accounts

__all__ = ["setup_routes", "DEFAULT_AVATAR"]

# a 64x64 grey silhouette (GIF, 262 bytes), Openwhyd's blank_user.gif in spirit
DEFAULT_AVATAR = base64.b64decode(
    "R0lGODdhQABAAIEAAN3d3aCgoAAAAAAAACwAAAAAQABAAEAI3wABCBxIsKDBgwgTKlzIsKHDhxAdBphIsaLFixEz"
    "GrzIsWNFjSALesQYsqTAkShNKkTJsqVFkC5jypyosqbNkjFvRpzZUWdDnhR9Ch26EKjLmkaTfoSotOlSolCjStXJ"
    "cepDoFY3Ks160ilXAE2/DsQqNmHVsj97ogXr9CnVtilNwp2pca5RpnbvSsxLdq3fv4ADCx4sd+RgumuTlg3LtW1j"
    "r1kdR4Y8WbFYy2gRB45LuLNnmDIzU4bKN8DQ0m4Lo36pejXruq4NZ4wtGy9tj7Zv496re3fa3mp/AydZMCAAOw==")


def _default_avatar() -> web.Response:
    return web.Response(body=DEFAULT_AVATAR, status=404, content_type="image/gif",
                        headers={"Cache-Control": "public, max-age=3600"})


async def avatar(request: web.Request) -> web.Response:
    """The avatar of user `<id>`: 307 to it, or the default image with a 404."""
    user_id = request.match_info["id"].strip()
    if not user_id.isdigit() or int(user_id) > MAX_ID:
        return _default_avatar()
    try:
        user = await accounts.get_user(context(request), int(user_id))
    except NotFound:
        return _default_avatar()
    if not user.avatar_url:
        return _default_avatar()
    return web.Response(status=307, headers={"Location": user.avatar_url,
                                             "Cache-Control": "no-cache"})


def setup_routes(app: web.Application) -> None:
    openwhyd.add(app.router, "GET", "/uAvatarImg/{id}", avatar)
