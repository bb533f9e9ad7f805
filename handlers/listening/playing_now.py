"""ListenBrainz's playing-now: what a scrobbler says the user plays, through Chorus's own
now-playing (`handlers.social.nowplaying`: stored, pushed on `nowplaying:<uid>`), and read back
in ListenBrainz's shape.

ListenBrainz keeps a playing-now for the track's duration (else PLAYING_NOW_MAX_DURATION) and
ignores a repeat of the current track; the track_metadata a scrobbler sent is kept in memory
(`ctx.scrobbles`) beside the stored now-playing it became.
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import NotFound
from handlers.identity.auth import Principal
from handlers.social.channels import may_see_nowplaying
from handlers.social.nowplaying import set_now_playing
from handlers.state import ScrobbledNowPlaying
from store.records import NowPlaying

__all__ = ["PLAYING_NOW_MAX_DURATION", "PlayingNowListen", "set_from_listen", "playing_now_of"]

PLAYING_NOW_MAX_DURATION = 10 * 60  # seconds, when the track's duration is not known


class PlayingNowListen(msgspec.Struct, frozen=True):
    """A playing-now as `GET /1/user/<name>/playing-now` lists it (no listened_at)."""

    track_metadata: dict[str, Any]
    user_name: str
    playing_now: bool = True


def _time_to_live(track_metadata: dict[str, Any]) -> int:
    info = track_metadata.get("additional_info") or {}
    if "duration" in info:
        return int(info["duration"])
    if "duration_ms" in info:
        return int(info["duration_ms"]) // 1000
    return PLAYING_NOW_MAX_DURATION


def _scrobbled(ctx: Context, current: NowPlaying | None) -> ScrobbledNowPlaying | None:
    """The scrobbled playing-now the user's current now-playing is, while it plays."""
    if current is None:
        return None
    entry = ctx.scrobbles.playing_now.get(current.user_id)
    if entry is None or entry.now_playing_id != current.id or entry.expires_at <= ctx.clock():
        return None
    return entry


async def set_from_listen(ctx: Context, principal: Principal, track_metadata: dict[str, Any],
                          link: str | None, description: str, *,
                          until: float | None = None) -> None:
    """Make a checked `playing_now` listen the user's now-playing, unless it repeats the
    track and artist playing now; it plays until `until` (ctx.clock time), else for the
    track's duration."""
    user_id = principal.user.id
    playing = _scrobbled(ctx, await ctx.store.listening.current(user_id))
    if playing is not None and all(playing.track_metadata.get(key) == track_metadata[key]
                                   for key in ("track_name", "artist_name")):
        return
    entry = await set_now_playing(ctx, principal, link, description=description)
    ctx.scrobbles.playing_now[user_id] = ScrobbledNowPlaying(
        now_playing_id=entry.id, track_metadata=track_metadata,
        expires_at=until if until is not None else ctx.clock() + _time_to_live(track_metadata))


def _as_track_metadata(entry: NowPlaying) -> dict[str, Any]:
    """Another client's now-playing (a link and its description), in ListenBrainz's words."""
    metadata: dict[str, Any] = {"artist_name": "", "track_name": entry.description}
    if entry.link:
        metadata["additional_info"] = {"origin_url": entry.link}
    return metadata


async def playing_now_of(ctx: Context, viewer_id: int | None, user_name: str
                         ) -> list[PlayingNowListen]:
    """What `user_name` plays now (at most one), as far as `viewer_id` may know it (the rule
    of `nowplaying:<uid>`); NotFound for an unknown user."""
    owner = await ctx.store.users.by_username(user_name)
    if owner is None or owner.state != "active":
        raise NotFound(f"Cannot find user: {user_name}", code="user_not_found")
    if not await may_see_nowplaying(ctx, viewer_id, owner):
        return []
    current = await ctx.store.listening.current(owner.id)
    if current is None:
        return []
    name = owner.username or user_name
    scrobbled = _scrobbled(ctx, current)
    if scrobbled is not None:
        return [PlayingNowListen(track_metadata=scrobbled.track_metadata, user_name=name)]
    if (ctx.scrobbles.playing_now.get(owner.id) is not None
            and ctx.scrobbles.playing_now[owner.id].now_playing_id == current.id):
        return []  # a scrobbled playing-now past its time
    if current.created_at + PLAYING_NOW_MAX_DURATION <= ctx.clock():
        return []
    return [PlayingNowListen(track_metadata=_as_track_metadata(current), user_name=name)]
