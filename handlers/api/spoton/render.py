"""Spot On's post object, with its `content` (the catalog item the link points at)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.social.posts_view import PostView

__all__ = ["post_json", "iso"]


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_json(view: PostView) -> dict[str, Any] | None:
    item = view.catalog
    if item is None:
        return None
    return {"id": item.id, "link": item.url, "description": item.description or item.name,
            "content_type": item.kind}


def post_json(view: PostView, *, with_content: bool = True) -> dict[str, Any]:
    post = view.post
    data: dict[str, Any] = {
        "id": post.id, "user_id": post.user_id, "comment": post.text, "image": post.image,
        "link": post.link, "created_at": iso(post.created_at),
        "total_likes": post.like_count, "total_dislikes": post.dislike_count,
        "tags": view.tags,
    }
    if with_content:
        data["content"] = content_json(view)
    if post.latitude is not None:
        data["latitude"], data["longitude"] = post.latitude, post.longitude
    return data
