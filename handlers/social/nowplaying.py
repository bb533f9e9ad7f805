"""Listening: what users play now, live on `nowplaying:<uid>` and `nearby:<geohash5>`.

`nearby:` is open to anyone, anonymous included: it names the player and their exact position
only when the player's now-playing is public (`nowplaying_is_public`, the rule of
`nowplaying:<uid>`); anyone else's play reaches it without identity, placed at the cell's
centre."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlparse

import msgspec

from handlers.context import Context
from handlers.errors import FieldError, Invalid
from handlers.geo import bounding_box, cell_centre, geohash, haversine_km
from handlers.identity.auth import Principal
from handlers.social.channels import nowplaying_is_public
from store.records import NowPlaying

__all__ = ["set_now_playing", "clear_now_playing", "most_listened_nearby", "describe_link",
           "check_link", "NEARBY_WINDOW_DAYS", "MAX_RADIUS_KM"]

NEARBY_WINDOW_DAYS = 30
MAX_RADIUS_KM = 500.0
MAX_LINK_LENGTH = 2048


def check_link(link: object, field: str = "link") -> str:
    """An http(s) URL or a `spotify:` URI; Invalid otherwise."""
    if not isinstance(link, str) or not link.strip():
        raise Invalid(f"{field} is required", code="link_missing",
                      fields=[FieldError(("body", field), "Field required", "missing")])
    link = link.strip()
    parsed = urlparse(link)
    ok = (parsed.scheme in ("http", "https") and bool(parsed.netloc)) or link.startswith("spotify:")
    if not ok or len(link) > MAX_LINK_LENGTH:
        raise Invalid(f"{field} must be an http(s) URL or a spotify: URI", code="invalid_link",
                      fields=[FieldError(("body", field), "invalid link")])
    return link


def describe_link(link: str) -> str:
    """A short description from the link alone (the catalog and oEmbed refine it later)."""
    if link.startswith("spotify:"):
        parts = link.split(":")
        return f"Spotify {parts[1]} {parts[2]}" if len(parts) >= 3 else "Spotify"
    parsed = urlparse(link)
    host = parsed.netloc.lower().removeprefix("www.").removeprefix("open.")
    path = [p for p in parsed.path.split("/") if p]
    if host == "spotify.com" and len(path) >= 2:
        return f"Spotify {path[-2]} {path[-1]}"
    return f"{host}/{'/'.join(path)}" if path else host


class NowPlayingPush(msgspec.Struct, kw_only=True):
    """What the user plays now, as `nowplaying:<uid>` hears it (and `nearby:<cell>` when the
    user made their now-playing public)."""

    type: str = "nowplaying"
    id: int
    user_id: int
    user: str
    link: str
    description: str
    latitude: float | None
    longitude: float | None
    geohash: str | None
    started_at: float


class AnonymousPlay(msgspec.Struct, kw_only=True):
    """Someone's now-playing as `nearby:<cell>` hears it when it is not public: what is played
    in which cell, not who plays it nor where in the cell (the position is the cell's centre,
    and there is no id to match it with a later clearing)."""

    type: str = "nowplaying"
    link: str
    description: str
    latitude: float
    longitude: float
    geohash: str
    started_at: float


class ClearedPush(msgspec.Struct, kw_only=True):
    type: str = "nowplaying.cleared"
    user_id: int
    id: int


async def _is_public(ctx: Context, principal: Principal) -> bool:
    """The user's current setting (a connection's principal may predate a change of it)."""
    account = await ctx.store.users.get(principal.user.id)
    return nowplaying_is_public(account or principal.user)


def _anonymous(entry: NowPlaying, cell: str) -> AnonymousPlay:
    latitude, longitude = cell_centre(cell)
    return AnonymousPlay(link=entry.link, description=entry.description, latitude=latitude,
                         longitude=longitude, geohash=cell, started_at=entry.created_at)


async def set_now_playing(ctx: Context, principal: Principal, link: object,
                          coordinates: tuple[float, float] | None = None, *,
                          description: str | None = None) -> NowPlaying:
    """Store what the user plays now and push it to whoever may follow the user's now-playing
    and, when located, to everyone watching that ~5 km cell: in full when the user's
    now-playing is public, otherwise anonymous and placed at the cell's centre.

    `description` says what is played in words (a scrobbler's "Artist – Title"), instead of
    the one made from the link; with it, the link may be None (stored as "")."""
    link = "" if link is None and description else check_link(link)
    lat, lon = coordinates if coordinates else (None, None)
    cell = geohash(lat, lon, 5) if lat is not None and lon is not None else None
    entry = await ctx.store.listening.add_now_playing(
        principal.user.id, link, description or describe_link(link), lat, lon, cell)
    push = NowPlayingPush(id=entry.id, user_id=entry.user_id,
                          user=principal.user.username or principal.user.name, link=entry.link,
                          description=entry.description, latitude=entry.latitude,
                          longitude=entry.longitude, geohash=entry.geohash,
                          started_at=entry.created_at)
    await ctx.publisher.publish(f"nowplaying:{principal.user.id}", push)
    if cell is not None:
        public = await _is_public(ctx, principal)
        await ctx.publisher.publish(f"nearby:{cell}", push if public else _anonymous(entry, cell))
    return entry


async def clear_now_playing(ctx: Context, principal: Principal) -> bool:
    """Stop the user's now-playing; True if something was playing. The cell hears of it only
    when the user's now-playing is public (an anonymous play has nothing to clear it by)."""
    cleared = await ctx.store.listening.clear_now_playing(principal.user.id)
    if cleared is None:
        return False
    event = ClearedPush(user_id=principal.user.id, id=cleared.id)
    await ctx.publisher.publish(f"nowplaying:{principal.user.id}", event)
    if cleared.geohash and await _is_public(ctx, principal):
        await ctx.publisher.publish(f"nearby:{cleared.geohash}", event)
    return True


class NearbyTrack(msgspec.Struct):
    link: str
    description: str
    count: int


async def most_listened_nearby(ctx: Context, latitude: float, longitude: float,
                               radius_km: float, limit: int = 50) -> list[NearbyTrack]:
    """Links played within `radius_km` in the last 30 days, most played first."""
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise Invalid(f"radius must be between 0 and {MAX_RADIUS_KM:g} km",
                      code="invalid_radius")
    since = ctx.clock() - NEARBY_WINDOW_DAYS * 86400
    candidates = await ctx.store.listening.in_box(*bounding_box(latitude, longitude, radius_km),
                                                  since=since)
    counts: Counter[str] = Counter()
    descriptions: dict[str, str] = {}
    for entry in candidates:
        assert entry.latitude is not None and entry.longitude is not None
        if haversine_km(latitude, longitude, entry.latitude, entry.longitude) <= radius_km:
            counts[entry.link] += 1
            descriptions.setdefault(entry.link, entry.description)
    return [NearbyTrack(link=link, description=descriptions[link], count=count)
            for link, count in counts.most_common(limit)]
