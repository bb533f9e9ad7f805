"""Openwhyd's `/img/<kind>/<id>`: the picture of a user, a user's cover, a post or a playlist.
A picture stored here is served, a remote one redirected to (307, the query kept, as
Openwhyd does), and when there is none Openwhyd's default image is served with 200:
`blank_user.gif` (a silhouette) for users, a transparent pixel for covers, `no_image.png` otherwise."""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path

import msgspec
from PIL import Image

from handlers.context import Context
from handlers.media.images import media_file
from handlers.paging import parse_whole_number

__all__ = ["Picture", "DEFAULTS", "default_image", "user_picture", "cover_picture",
           "post_picture", "playlist_picture"]


class Picture(msgspec.Struct, frozen=True, kw_only=True):
    """One of: a stored file to serve, a remote URL to redirect to, or a default's name."""

    path: Path | None = None
    redirect: str | None = None
    default: str | None = None


# default name -> (PIL format, content type)
DEFAULTS = {"blank_user.gif": ("GIF", "image/gif"), "1x1-pixel.png": ("PNG", "image/png"),
            "no_image.png": ("PNG", "image/png")}


# a 64x64 grey silhouette (GIF, 262 bytes), Openwhyd's blank_user.gif in spirit; also what
# /uAvatarImg answers for a user without an avatar
BLANK_USER_GIF = base64.b64decode(
    "R0lGODdhQABAAIEAAN3d3aCgoAAAAAAAACwAAAAAQABAAEAI3wABCBxIsKDBgwgTKlzIsKHDhxAdBphIsaLFixEz"
    "GrzIsWNFjSALesQYsqTAkShNKkTJsqVFkC5jypyosqbNkjFvRpzZUWdDnhR9Ch26EKjLmkaTfoSotOlSolCjStXJ"
    "cepDoFY3Ks160ilXAE2/DsQqNmHVsj97ogXr9CnVtilNwp2pca5RpnbvSsxLdq3fv4ADCx4sd+RgumuTlg3LtW1j"
    "r1kdR4Y8WbFYy2gRB45LuLNnmDIzU4bKN8DQ0m4Lo36pejXruq4NZ4wtGy9tj7Zv496re3fa3mp/AydZMCAAOw==")


@cache
def default_image(name: str) -> bytes:
    """Openwhyd's placeholder images: the user silhouette, else drawn once (a grey square, a
    transparent pixel)."""
    if name == "blank_user.gif":
        return BLANK_USER_GIF
    fmt, _ = DEFAULTS[name]
    out = io.BytesIO()
    if name == "1x1-pixel.png":
        Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(out, fmt)
    else:
        Image.new("RGB", (100, 100), (204, 204, 204)).save(out, fmt)
    return out.getvalue()


def _picture(ctx: Context, url: str, default: str) -> Picture:
    if "//" in url:
        return Picture(redirect=url.replace("http:", "", 1) if url.startswith("http:") else url)
    path = media_file(ctx, url) if url else None
    return Picture(path=path) if path is not None else Picture(default=default)


def _number(value: str) -> int | None:
    return parse_whole_number(value.split(".", 1)[0], low=1)


async def user_picture(ctx: Context, user_id: str) -> Picture:
    number = _number(user_id)
    user = await ctx.store.users.get(number) if number is not None else None
    url = user.avatar_url if user is not None and user.state != "deleted" else ""
    return _picture(ctx, url, "blank_user.gif")


async def cover_picture(ctx: Context, user_id: str) -> Picture:
    number = _number(user_id)
    user = await ctx.store.users.get(number) if number is not None else None
    url = user.cover_url if user is not None and user.state != "deleted" else ""
    return _picture(ctx, url, "1x1-pixel.png")


async def post_picture(ctx: Context, post_id: str) -> Picture:
    number = _number(post_id)
    post = await ctx.store.posts.get(number) if number is not None else None
    return _picture(ctx, post.image if post is not None else "", "no_image.png")


async def playlist_picture(ctx: Context, playlist_id: str, *, local_only: bool = False
                           ) -> Picture:
    """`<uid>_<n>`: the playlist's own image; else (unless `local_only`) the image of its
    latest track that has one; else the default (a transparent pixel with `local_only`)."""
    owner, _, number = playlist_id.partition("_")
    uid, pl = _number(owner), parse_whole_number(number, low=0)
    collection = (await ctx.store.collections.by_number(uid, pl)
                  if uid is not None and pl is not None else None)
    if collection is None or not collection.is_public:
        return Picture(default="1x1-pixel.png" if local_only else "no_image.png")
    if collection.image:
        return _picture(ctx, collection.image, "no_image.png")
    if local_only:
        return Picture(default="1x1-pixel.png")
    for post in await ctx.store.posts.page(collection_id=collection.id, limit=20):
        if post.image:
            return _picture(ctx, post.image, "no_image.png")
    return Picture(default="no_image.png")
