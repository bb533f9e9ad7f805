"""`GET /uAvatarImg/<id>`: a user's avatar, as Openwhyd's pages and apps load it.

A user with an avatar is sent to it (307, the image's own URL); a user without one, an unknown
user or an id that is not one answer Openwhyd's default avatar with a 404, so an `<img>` shows
a silhouette and a client can still tell that there was none.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import context
from handlers.api.openwhyd.common import MAX_ID, openwhyd
from handlers.errors import NotFound
from handlers.identity import accounts
from handlers.media.pictures import default_image

__all__ = ["setup_routes"]

def _default_avatar() -> web.Response:
    return web.Response(body=default_image("blank_user.gif"), status=404, content_type="image/gif",
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
