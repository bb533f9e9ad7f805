"""Storing plays as listens: the one way in for every ingest path (imports, Spotify sync,
ListenBrainz, now-playing, manual), and the live push that tells the user.

A play shorter than MIN_PLAY_MS is not a play; a play naming no track is not stored; a play
repeating (user, played_at, track) is one listen. Listens and their rollups are written in one
transaction; after it commits, one "listens.added" push per call goes on the user's
`user:#<id>` channel with how many listens were new and the user's newest listen, and when
recent plays make the listening streak reach a milestone, one "listening.streak" push
(handlers.listening.streaks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.context import Context
from handlers.listening.periods import detail_since
from handlers.listening.plays import MIN_PLAY_MS, SOURCES, PlayIn, RecordResult
from handlers.listening.streaks import RECENT, announce_streak
from handlers.listening.tracks import resolve_tracks
from store.records import CatalogItem, Listen, NewListen

__all__ = ["record_plays", "listen_payload", "LISTENS_ADDED"]

LISTENS_ADDED = "listens.added"


def listen_payload(listen: Listen, track: CatalogItem | None) -> dict[str, Any]:
    """A listen as live clients see it."""
    return {
        "id": listen.id, "played_at": listen.played_at, "ms_played": listen.ms_played,
        "source": listen.source,
        "track": None if track is None else {
            "id": track.id, "name": track.name, "artists": track.artist_names,
            "album": track.album_name, "image": track.image,
            "spotify_id": track.provider_id if track.provider == "spotify" else None},
    }


def _new_listen(user_id: int, play: PlayIn, track_id: int) -> NewListen:
    return NewListen(
        user_id=user_id, played_at=play.played_at, ms_played=play.ms_played, track_id=track_id,
        source=play.source, context_type=play.context_type, context_uri=play.context_uri,
        platform=play.platform, reason_start=play.reason_start, reason_end=play.reason_end,
        shuffle=play.shuffle, skipped=play.skipped, offline=play.offline)


async def record_plays(ctx: Context, user_id: int, plays: Sequence[PlayIn]) -> RecordResult:
    """Store the user's plays as listens (see the module's rules); what was new, repeated and
    dropped."""
    kept = [p for p in plays if p.ms_played >= MIN_PLAY_MS]
    assert all(p.source in SOURCES for p in kept), "a play's source is one of SOURCES"
    track_ids = await resolve_tracks(ctx, [p.track for p in kept])
    rows = [_new_listen(user_id, play, track_id)
            for play, track_id in zip(kept, track_ids, strict=True) if track_id is not None]
    if not rows:
        return RecordResult(inserted=0, duplicates=0, dropped=len(plays))
    async with ctx.store.transaction():
        inserted = await ctx.store.listens.add_many(rows, detail_since(ctx.clock()))
        if inserted:
            newest = await ctx.store.listens.between(user_id, limit=1)  # no COUNT, unlike page()
            await ctx.store.after_commit(lambda: _push(ctx, user_id, inserted, newest[0]))
            if newest[0].played_at >= ctx.clock() - RECENT:  # only recent plays make a streak
                await ctx.store.after_commit(lambda: announce_streak(ctx, user_id))
    return RecordResult(inserted=inserted, duplicates=len(rows) - inserted,
                        dropped=len(plays) - len(rows))


async def _push(ctx: Context, user_id: int, count: int, newest: Listen) -> None:
    track = await ctx.store.catalog.get(newest.track_id)
    await ctx.publisher.publish_to_user(user_id, {
        "type": LISTENS_ADDED, "count": count, "newest": listen_payload(newest, track)})
