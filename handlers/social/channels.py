"""Who may subscribe to the channels whose rule depends on the domain (DESIGN §3 table).

`channel_hooks(ctx)` is registered into the realtime node's ChannelRules by hub.app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import paging
from handlers.context import Context
from handlers.quiz.rooms import may_follow_room
from hub.realtime.types import APP_USER_PREFIX
from store.records import User

__all__ = ["channel_hooks", "NOWPLAYING_VISIBILITY", "nowplaying_is_public", "may_see_nowplaying"]

# user.extra key: "public" lets anyone follow what the user plays; otherwise followers only
NOWPLAYING_VISIBILITY = "nowplaying_visibility"


def nowplaying_is_public(user: User) -> bool:
    """Whether anyone, anonymous included, may know what `user` plays now."""
    return user.extra.get(NOWPLAYING_VISIBILITY) == "public"


def _user_id(text: str) -> int | None:
    """`text` as a user id (decimal digits, 1 to paging.MAX_ID); None when no user can have it."""
    return paging.parse_whole_number(text, low=1) if text.isascii() and text.isdigit() else None


def _owner_id(channel: str) -> int | None:
    """The user id a channel name ends with."""
    return _user_id(channel.partition(":")[2])


async def _may_see_posts(ctx: Context, user: str, channel: str) -> bool:
    """Posts are public in Chorus (as on Spot On and Openwhyd): anyone, if the owner exists."""
    owner = _owner_id(channel)
    if owner is None:
        return False
    account = await ctx.store.users.get(owner)
    return account is not None and account.state == "active"


async def may_see_nowplaying(ctx: Context, viewer_id: int | None, owner: User) -> bool:
    """Whether `viewer_id` (None: anonymous) may know what `owner` plays now: the owner
    always; anyone when the owner made it public; otherwise the owner's followers."""
    if viewer_id == owner.id:
        return True
    if owner.state != "active":
        return False
    if nowplaying_is_public(owner):
        return True
    return viewer_id is not None and await ctx.store.follows.get(viewer_id, owner.id) is not None


async def _may_see_nowplaying(ctx: Context, user: str, channel: str) -> bool:
    """`nowplaying:<uid>`: see may_see_nowplaying."""
    owner = _owner_id(channel)
    if owner is None:
        return False
    if user == str(owner):
        return True
    account = await ctx.store.users.get(owner)
    return account is not None and await may_see_nowplaying(ctx, _user_id(user), account)


async def _may_join_quiz(ctx: Context, user: str, channel: str) -> bool:
    """`quiz:<room>`: the room's players (handlers.quiz.rooms.may_follow_room), Chorus users
    or apps' users (`user` "app:<sub>", see hub.realtime.types.hook_user)."""
    player: int | str | None = user if user.startswith(APP_USER_PREFIX) and len(user) > 4 \
        else _user_id(user)
    room = channel.partition(":")[2]
    return player is not None and bool(room) and await may_follow_room(ctx, player, room)


def channel_hooks(ctx: Context) -> dict[str, Callable[[str, str], Awaitable[bool]]]:
    return {
        "posts": lambda user, channel: _may_see_posts(ctx, user, channel),
        "nowplaying": lambda user, channel: _may_see_nowplaying(ctx, user, channel),
        "quiz": lambda user, channel: _may_join_quiz(ctx, user, channel),
    }
