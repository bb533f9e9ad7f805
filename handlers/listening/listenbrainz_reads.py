"""A user's stored listens as ListenBrainz shows them (`GET /1/user/<name>/listens` and
`/listen-count`), as far as the reader may see them.

ListenBrainz makes every user's listens public; Chorus shows them with the rule of the user's
now-playing (`handlers.social.channels.may_see_nowplaying`): the user, anyone when the user made
their now-playing public, otherwise the user's followers. To anyone else the user's listens
are answered as an unknown user's are (NotFound, "Cannot find user: <name>"), so these reads
do not tell whether a hidden user exists.

A listen's `recording_msid` (MessyBrainz's id for a text combination in ListenBrainz) is here
UUID5(RECORDING_NAMESPACE, "<provider>:<provider id>") of the listen's catalog track: the same
track always has the same id, whichever way its plays came in.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import Invalid, NotFound
from handlers.social.channels import may_see_nowplaying
from store.records import CatalogItem, Listen, User

__all__ = ["DEFAULT_COUNT", "MAX_COUNT", "RECORDING_NAMESPACE", "LbListen", "ListensPage",
           "recording_msid", "listens_of", "listen_count_of"]

DEFAULT_COUNT = 25
MAX_COUNT = 1000
RECORDING_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://chorus.invalid/listenbrainz/recording")


class LbListen(msgspec.Struct, frozen=True):
    listened_at: int
    inserted_at: int
    recording_msid: str
    user_name: str
    track_metadata: dict[str, Any]


class ListensPage(msgspec.Struct, frozen=True):
    """What `/listens` answers in `payload` (ListenBrainz's keys)."""

    count: int
    user_id: str
    listens: list[LbListen]
    latest_listen_ts: int
    oldest_listen_ts: int


def recording_msid(track: CatalogItem) -> str:
    return str(uuid.uuid5(RECORDING_NAMESPACE, f"{track.provider}:{track.provider_id}"))


def _track_metadata(listen: Listen, track: CatalogItem, msid: str) -> dict[str, Any]:
    info: dict[str, Any] = {"recording_msid": msid, "ms_played": listen.ms_played,
                            "listening_from": listen.source}
    if track.duration_ms:
        info["duration_ms"] = track.duration_ms
    if track.provider == "spotify":
        info["spotify_id"] = f"https://open.spotify.com/track/{track.provider_id}"
    if listen.platform:
        info["media_player"] = listen.platform
    metadata: dict[str, Any] = {"artist_name": ", ".join(track.artist_names),
                                "track_name": track.name}
    if track.album_name:
        metadata["release_name"] = track.album_name
    metadata["additional_info"] = info
    return metadata


def _as_lb(listen: Listen, track: CatalogItem, user_name: str) -> LbListen:
    msid = recording_msid(track)
    return LbListen(listened_at=int(listen.played_at), inserted_at=int(listen.created_at),
                    recording_msid=msid, user_name=user_name,
                    track_metadata=_track_metadata(listen, track, msid))


async def _visible_owner(ctx: Context, viewer_id: int | None, user_name: str) -> User:
    owner = await ctx.store.users.by_username(user_name)
    if owner is None or owner.state != "active" or not await may_see_nowplaying(
            ctx, viewer_id, owner):
        raise NotFound(f"Cannot find user: {user_name}", code="user_not_found")
    return owner


async def listens_of(ctx: Context, viewer_id: int | None, user_name: str, *,
                     min_ts: int | None = None, max_ts: int | None = None,
                     count: int = DEFAULT_COUNT) -> ListensPage:
    """Up to `count` (at most MAX_COUNT) of the user's listens newest first: listened after
    `min_ts` (the ones just after it) or before `max_ts` (exclusive bounds, whole seconds;
    not both), else the newest. Invalid for both bounds or a negative count."""
    if min_ts is not None and max_ts is not None:
        raise Invalid("You may only specify max_ts or min_ts, not both.", code="lb_both_bounds")
    if count < 0:
        raise Invalid("'count' should be a non-negative integer", code="lb_bad_count")
    owner = await _visible_owner(ctx, viewer_id, user_name)
    # listened_at is played_at's whole second: listened_at > min_ts <=> played_at >= min_ts + 1
    listens = await ctx.store.listens.between(
        owner.id, since=None if min_ts is None else min_ts + 1, before=max_ts,
        limit=min(count, MAX_COUNT))
    tracks = await ctx.store.catalog.many(sorted({x.track_id for x in listens}))
    name = owner.username or user_name
    shown = [_as_lb(x, tracks[x.track_id], name) for x in listens if x.track_id in tracks]
    span = await ctx.store.listens.span(owner.id)
    oldest, latest = (int(span[0]), int(span[1])) if span else (0, 0)
    return ListensPage(count=len(shown), user_id=name, listens=shown, latest_listen_ts=latest,
                       oldest_listen_ts=oldest)


async def listen_count_of(ctx: Context, viewer_id: int | None, user_name: str) -> int:
    """How many listens the user has stored."""
    owner = await _visible_owner(ctx, viewer_id, user_name)
    return await ctx.store.listens.count(owner.id)
