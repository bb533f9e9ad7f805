"""Openwhyd's post object (string ids, uId/uNm, eId, nbP/nbR, lov, pl, src, repost) and a
user's playlist as `/api/user` and `/u/<id>/playlists` list it."""

from __future__ import annotations

from typing import Any

from handlers.social.collections import CollectionView
from handlers.social.posts_view import PostView
from store.records import Comment, User

__all__ = ["post_json", "comment_json", "playlist_entry"]


def playlist_entry(view: CollectionView) -> dict[str, Any]:
    """`{id, name, url, nbTracks, img}`: id is the playlist's number for its owner."""
    c = view.collection
    return {"id": c.number, "name": c.title, "url": f"/u/{c.owner_id}/playlist/{c.number}",
            "nbTracks": view.track_count, "img": c.image or f"/img/playlist/{c.owner_id}_{c.number}"}


def comment_json(comment: Comment, users: dict[int, User] | None = None) -> dict[str, Any]:
    author = (users or {}).get(comment.user_id)
    return {"_id": str(comment.id), "pId": str(comment.post_id), "uId": str(comment.user_id),
            "uNm": (author.name or author.username or "") if author else "",
            "text": comment.text, "time": int(comment.created_at * 1000)}


def post_json(view: PostView) -> dict[str, Any]:
    post = view.post
    data: dict[str, Any] = {
        "_id": str(post.id), "uId": str(post.user_id), "uNm": view.author_name,
        "text": post.text, "name": post.name, "eId": post.eid, "img": post.image,
        "nbP": post.play_count, "nbR": post.repost_count, "lov": [str(u) for u in view.lovers],
    }
    if post.ctx:
        data["ctx"] = post.ctx
    if post.src_id or post.src_name:
        data["src"] = {"id": post.src_id or "", "name": post.src_name or ""}
    if view.collection is not None:
        data["pl"] = {"id": view.collection.number, "name": view.collection.title}
    if view.repost_of is not None:
        data["repost"] = {"pId": str(view.repost_of.post_id), "uId": str(view.repost_of.user_id),
                          "uNm": view.repost_of.user_name}
    if view.comments:
        users = {view.post.user_id: view.author} if view.author else {}
        data["comments"] = [comment_json(c, users) for c in view.comments]
    return data
