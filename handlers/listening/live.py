"""A scrobbled listen heard live: a `single` listen that ended within RECENT_SECONDS (its start
plus the track's duration, else what was played) becomes the user's now-playing, published on
`nowplaying:<uid>` through `handlers.listening.playing_now` (so whoever may follow the user's
now-playing hears it: the user, followers, anyone when public), and shown by
`/1/user/<name>/playing-now` until the track's end. Bulk imports never do this; every stored
listen is also announced by `record_plays`' `listens.added` on the user's own channel."""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.identity.auth import Principal
from handlers.listening import playing_now
from handlers.listening.plays import PlayIn

__all__ = ["RECENT_SECONDS", "ends_at", "announce_recent"]

RECENT_SECONDS = 5 * 60


def ends_at(play: PlayIn) -> float:
    """When the play's track ended (or ends): its start plus the track's duration, else plus
    what was played."""
    return play.played_at + (play.track.duration_ms or play.ms_played) / 1000


async def announce_recent(ctx: Context, principal: Principal, play: PlayIn,
                          track_metadata: dict[str, Any], link: str | None,
                          description: str) -> bool:
    """Make a just-stored `single` play the user's now-playing when it is recent and nothing
    that started after it is playing now; whether it did."""
    end = ends_at(play)
    if end < ctx.clock() - RECENT_SECONDS:
        return False
    current = await ctx.store.listening.current(principal.user.id)
    if current is not None and current.created_at > play.played_at:
        return False
    await playing_now.set_from_listen(ctx, principal, track_metadata, link, description,
                                      until=end)
    return True
