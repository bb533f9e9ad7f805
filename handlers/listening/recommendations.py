"""Chorus's own track recommendations (Spotify closed its recommendations endpoint to new
apps, so nothing here asks Spotify), seeded by the user's rollups.

Two sources, each one bounded SQL read (store.interface.RecommendationRepo):
- "tracks": item-to-item co-occurrence — the tracks played or posted by the people who most
  played or posted the user's SEED_TRACKS top tracks (reason "Listened by people who play
  <track>");
- "artists": the catalog tracks of the user's SEED_ARTISTS top artists (reason "Because you
  listen to <artist>").
"genres" keeps the candidates of both whose genres include one of the user's SEED_GENRES top
genres (reason "Because you like <genre>"); "mixed" alternates the two sources. Both leave
out the tracks the user already played PLAYED_CAP times or more.

Cost per request: three rollup top reads (the user's days), the two recommender reads —
O(seeds x HOLDERS + HOLDERS x their rollup rows) and O(the seed artists' catalog tracks) —
and one catalog read of at most POOL items.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from handlers.context import Context
from store.records import Candidate, CatalogItem

__all__ = ["SEED_TYPES", "Recommendation", "Recommendations", "recommend"]

SEED_TYPES = ("artists", "tracks", "genres", "mixed")
SEED_TRACKS, SEED_ARTISTS, SEED_GENRES = 10, 5, 3
HOLDERS = 100  # the people most like the user looked at
PLAYED_CAP = 3  # a track the user played this often is not news to them
POOL = 100  # candidates read from each source


class Recommendation(msgspec.Struct, frozen=True):
    track: CatalogItem
    reason: str


class Recommendations(msgspec.Struct, frozen=True, kw_only=True):
    """`seeded` false when the user has no listening history (nothing to recommend from)."""

    items: list[Recommendation]
    seed_type: str
    seeded: bool
    top_artist: str | None = None
    top_genre: str | None = None


def _alternate(co: Sequence[Candidate], by_artist: Sequence[Candidate]
               ) -> list[tuple[bool, Candidate]]:
    """Both sources taking turns, each candidate with whether it came by artist."""
    first, second = [(False, c) for c in co], [(True, c) for c in by_artist]
    mixed = [c for pair in zip(first, second, strict=False) for c in pair]
    shorter = min(len(first), len(second))
    return mixed + first[shorter:] + second[shorter:]


async def recommend(ctx: Context, user_id: int, *, limit: int, seed_type: str = "mixed"
                    ) -> Recommendations:
    """Up to `limit` tracks for the user, each with why (`seed_type` one of SEED_TYPES)."""
    listens = ctx.store.listens
    tracks, _ = await listens.top(user_id, "track", limit=SEED_TRACKS)
    if not tracks:
        return Recommendations(items=[], seed_type=seed_type, seeded=False)
    artists, _ = await listens.top(user_id, "artist", limit=SEED_ARTISTS)
    genres, _ = await listens.top(user_id, "genre", limit=SEED_GENRES)
    repo = ctx.store.recommendations
    co = [] if seed_type == "artists" else await repo.co_listened(
        user_id, [int(t.key) for t in tracks], holders=HOLDERS, played_cap=PLAYED_CAP,
        limit=POOL)
    by_artist = [] if seed_type == "tracks" else await repo.artist_tracks(
        user_id, [a.key for a in artists], played_cap=PLAYED_CAP, limit=POOL)
    pool = _alternate(co, by_artist)
    items = await ctx.store.catalog.many(sorted({c.track_id for _, c in pool}
                                                | {int(t.key) for t in tracks}))
    top_genres = [g.key for g in genres]
    chosen: list[Recommendation] = []
    seen: set[int] = set()
    for from_artist, candidate in pool:
        track = items.get(candidate.track_id)
        if track is None or candidate.track_id in seen:
            continue
        if seed_type == "genres":
            liked = next((g for g in top_genres if g in track.genres), None)
            if liked is None:
                continue
            reason = f"Because you like {liked}"
        elif from_artist:
            reason = f"Because you listen to {candidate.because}"
        else:
            seed = items.get(int(candidate.because))
            reason = f"Listened by people who play {seed.name if seed else 'your top tracks'}"
        seen.add(candidate.track_id)
        chosen.append(Recommendation(track, reason))
        if len(chosen) == limit:
            break
    return Recommendations(items=chosen, seed_type=seed_type, seeded=True,
                           top_artist=artists[0].key if artists else None,
                           top_genre=top_genres[0] if top_genres else None)
