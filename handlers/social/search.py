"""Finding things: full-text search (SQLite FTS5, every word a prefix, best match first) over
the catalog, people, posts and playlists, and the links shared most around a place.

Nobody whose account is deleted or disabled is found, nor their posts and playlists; posts filed
in a private collection are found only by its owner and collaborators; private
playlists are found by their owner only. Where a viewer is known, their own posts come first,
then those of the people they follow, then everyone else's.
"""

from __future__ import annotations

import math
from collections import Counter

import msgspec

from handlers.context import Context
from handlers.errors import Invalid
from handlers.geo import bounding_box, haversine_km
from handlers.identity.auth import Principal
from handlers.social.collection_access import viewer_id
from handlers.social.collections import CollectionView, collection_views
from handlers.social.nowplaying import MAX_RADIUS_KM
from handlers.social.posts_view import PostView, post_views
from store.records import CatalogItem, Post, User

__all__ = ["SearchResults", "TrackHit", "UserHit", "PlaylistHit", "QuickResults",
           "PageResults", "SharedThing", "NearbyPage", "check_page", "search_contents",
           "tracks_to_add", "quick_search", "search_page", "most_shared_nearby",
           "MAX_PAGE_SIZE", "ADD_TRACK_RESULTS", "PAGE_RESULTS"]

MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
ADD_TRACK_RESULTS = 5  # Openwhyd's MAX_IN_ADD_RESULTS
PAGE_RESULTS = 50
PROFILE_PREVIEWS = 20


class SearchResults(msgspec.Struct, kw_only=True):
    """One page of catalog items and of profiles, with how many match in all."""

    contents: list[CatalogItem]
    content_total: int
    profiles: list[User]
    profile_total: int
    page: int
    page_size: int


class TrackHit(msgspec.Struct, kw_only=True):
    """A post found, and whether the viewer follows its author."""

    view: PostView
    followed: bool = False


class UserHit(msgspec.Struct, kw_only=True):
    user: User
    followed: bool = False
    last_post: PostView | None = None


class PlaylistHit(msgspec.Struct, kw_only=True):
    view: CollectionView
    followed: bool = False


class QuickResults(msgspec.Struct, kw_only=True):
    """The viewer's own matching tracks, then other people's."""

    mine: list[TrackHit]
    theirs: list[TrackHit]


class PageResults(msgspec.Struct, kw_only=True):
    tracks: list[TrackHit]
    users: list[UserHit]
    playlists: list[PlaylistHit]


class SharedThing(msgspec.Struct, kw_only=True):
    """A link shared around a place: its latest post there and how many posts shared it."""

    view: PostView
    shares: int


class NearbyPage(msgspec.Struct, kw_only=True):
    things: list[SharedThing]
    page: int
    size: int
    total_pages: int
    total: int


def check_page(page: int, size: int) -> tuple[int, int]:
    """A 1-based page number and a page size of 1..MAX_PAGE_SIZE; Invalid otherwise."""
    if not 1 <= page <= MAX_PAGE:
        raise Invalid(f"page must be a whole number from 1 to {MAX_PAGE}", code="invalid_page")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid(f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}",
                      code="invalid_page_size")
    return page, size


async def search_contents(ctx: Context, text: str, page: int, page_size: int
                          ) -> SearchResults:
    """Catalog items and profiles matching `text`, the same page of each (Spot On)."""
    page, page_size = check_page(page, page_size)
    if not text.strip():
        raise Invalid("search is required", code="search_missing")
    offset = (page - 1) * page_size
    contents, content_total = await ctx.store.search.catalog(text, offset=offset,
                                                             limit=page_size)
    profiles, profile_total = await ctx.store.search.users(text, offset=offset, limit=page_size)
    return SearchResults(contents=contents, content_total=content_total, profiles=profiles,
                         profile_total=profile_total, page=page, page_size=page_size)


async def _followed(ctx: Context, viewer: Principal | None, user_ids: list[int]) -> set[int]:
    if viewer is None or not user_ids:
        return set()
    return await ctx.store.follows.following_among(viewer.user.id, list(set(user_ids)))


async def _track_hits(ctx: Context, viewer: Principal | None, posts: list[Post]
                      ) -> list[TrackHit]:
    followed = await _followed(ctx, viewer, [p.user_id for p in posts])
    return [TrackHit(view=v, followed=v.post.user_id in followed)
            for v in await post_views(ctx, posts)]


async def tracks_to_add(ctx: Context, viewer: Principal | None, text: str,
                        limit: int = ADD_TRACK_RESULTS) -> list[TrackHit]:
    """Tracks other people posted (one post per track), those of people the viewer follows
    first: what Openwhyd's "add track" dialog offers to re-add."""
    viewer_id = viewer.user.id if viewer else None
    posts, _ = await ctx.store.search.posts(text, viewer_id=viewer_id, exclude_user_id=viewer_id,
                                            distinct_eid=True, limit=limit)
    return await _track_hits(ctx, viewer, posts)


async def quick_search(ctx: Context, principal: Principal, text: str,
                       limit: int = ADD_TRACK_RESULTS) -> QuickResults:
    """The principal's own matching tracks, and other people's (one post per track each)."""
    mine, _ = await ctx.store.search.posts(text, user_id=principal.user.id, distinct_eid=True,
                                           viewer_id=principal.user.id, limit=limit)
    return QuickResults(mine=await _track_hits(ctx, principal, mine),
                        theirs=await tracks_to_add(ctx, principal, text, limit))


async def _user_hits(ctx: Context, viewer: Principal | None, users: list[User]
                     ) -> list[UserHit]:
    followed = await _followed(ctx, viewer, [u.id for u in users])
    hits = []
    for user in users:
        last = await ctx.store.posts.page(user_ids=[user.id], limit=1,
                                          viewer_id=viewer.user.id if viewer else None)
        views = await post_views(ctx, last) if last else []
        hits.append(UserHit(user=user, followed=user.id in followed,
                            last_post=views[0] if views else None))
    return hits


async def search_page(ctx: Context, viewer: Principal | None, text: str,
                      limit: int = PAGE_RESULTS) -> PageResults:
    """Tracks (the viewer's, then followed people's, then others'), people and non-empty
    playlists matching `text`: Openwhyd's search page."""
    viewer_id = viewer.user.id if viewer else None
    posts, _ = await ctx.store.search.posts(text, viewer_id=viewer_id, limit=limit)
    users, _ = await ctx.store.search.users(text, viewer_id=viewer_id,
                                            limit=min(limit, PROFILE_PREVIEWS))
    found, _ = await ctx.store.search.collections(text, viewer_id=viewer_id, non_empty=True,
                                                  limit=limit)
    playlists = await collection_views(ctx, found)
    followed = await _followed(ctx, viewer, [p.collection.owner_id for p in playlists])
    return PageResults(
        tracks=await _track_hits(ctx, viewer, posts), users=await _user_hits(ctx, viewer, users),
        playlists=[PlaylistHit(view=p, followed=p.collection.owner_id in followed)
                   for p in playlists])


def _boxes(latitude: float, longitude: float, radius_km: float
           ) -> list[tuple[float, float, float, float]]:
    """Boxes enclosing the circle, split in two where it crosses the antimeridian."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, 0.0, radius_km)
    west, east = longitude + min_lon, longitude + max_lon
    if max_lon >= 180.0:
        return [(min_lat, max_lat, -180.0, 180.0)]
    if west < -180.0:
        return [(min_lat, max_lat, west + 360.0, 180.0), (min_lat, max_lat, -180.0, east)]
    if east > 180.0:
        return [(min_lat, max_lat, west, 180.0), (min_lat, max_lat, -180.0, east - 360.0)]
    return [(min_lat, max_lat, west, east)]


async def _posts_within(ctx: Context, viewer: Principal | None, latitude: float,
                        longitude: float, radius_km: float) -> list[Post]:
    """Located posts within the radius that the viewer may see: the spatial index's boxes,
    then exact distances."""
    found: dict[int, Post] = {}
    for box in _boxes(latitude, longitude, radius_km):
        for post in await ctx.store.posts.in_box(*box, viewer_id=viewer_id(viewer)):
            assert post.latitude is not None and post.longitude is not None
            if haversine_km(latitude, longitude, post.latitude, post.longitude) <= radius_km:
                found[post.id] = post
    return list(found.values())


def _check_place(latitude: float, longitude: float, radius_km: float) -> None:
    if not all(math.isfinite(v) for v in (latitude, longitude, radius_km)):
        raise Invalid("latitude, longitude and radius must be numbers", code="invalid_place")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Invalid("latitude must be within [-90, 90] and longitude within [-180, 180]",
                      code="invalid_coordinates")
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise Invalid(f"radius must be more than 0 and at most {MAX_RADIUS_KM:g} km",
                      code="invalid_radius")


async def most_shared_nearby(ctx: Context, viewer: Principal | None, latitude: float,
                             longitude: float, radius_km: float, page: int = 1, size: int = 10
                             ) -> NearbyPage:
    """Links posted within `radius_km` of the place, most shared (posted) first, ties to the
    most recently shared; each shown by its latest post there (posts the viewer may see)."""
    _check_place(latitude, longitude, radius_km)
    page, size = check_page(page, size)
    posts = await _posts_within(ctx, viewer, latitude, longitude, radius_km)
    shares: Counter[str] = Counter(p.link for p in posts)
    latest: dict[str, Post] = {}
    for post in posts:
        if post.link not in latest or post.id > latest[post.link].id:
            latest[post.link] = post
    ranked = sorted(latest.values(), key=lambda p: (-shares[p.link], -p.id))
    chosen = ranked[(page - 1) * size:page * size]
    views = await post_views(ctx, chosen)
    return NearbyPage(things=[SharedThing(view=v, shares=shares[v.post.link]) for v in views],
                      page=page, size=size, total_pages=math.ceil(len(ranked) / size),
                      total=len(ranked))
