"""Songs with lyrics in a real store, and members with tokens, for the quiz and lyrics tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from store.records import CatalogItem, Lyrics, UserPatch
from tests.conftest import ctx_of
from tests.handlers.social.helpers import Member, register_member
from tests.waiting import TIMEOUT

__all__ = ["SONGS", "seed_song", "seed_songs", "spotify_url", "member", "admin",
           "next_sse_publication"]

# (spotify id, title, artist, genre, lyrics)
SONGS: list[tuple[str, str, str, str, str]] = [
    ("0000000000000000000001", "Yellow Submarine", "The Beatles", "rock",
     "In the town where I was born\nLived a man who sailed to sea\n"
     "And he told us of his life\nIn the land of submarines\n"
     "So we sailed up to the sun\nTill we found a sea of green"),
    ("0000000000000000000002", "Wonderwall", "Oasis", "rock",
     "Today is gonna be the day\nThat they're gonna throw it back to you\n"
     "By now you should've somehow\nRealised what you gotta do\n"
     "I don't believe that anybody\nFeels the way I do about you now"),
    ("0000000000000000000003", "Imagine", "John Lennon", "rock",
     "There's no heaven above us\nIt's easy if you try\nNo hell below us\n"
     "Above us only sky\nAll the people living for today"),
    ("0000000000000000000004", "Hey Jude", "The Beatles Revival", "rock",
     "Don't make it bad\nTake a sad song and make it better\n"
     "Remember to let her into your heart\nThen you can start to make it better"),
    ("0000000000000000000005", "Creep", "Radiohead", "alternative",
     "When you were here before\nCouldn't look you in the eye\n"
     "You're just like an angel\nYour skin makes me cry"),
]


def spotify_url(spotify_id: str) -> str:
    return f"https://open.spotify.com/track/{spotify_id}"


async def seed_song(ctx: Any, spotify_id: str, title: str, artist: str, genre: str = "",
                    lyrics: str | None = None) -> CatalogItem:
    """A catalog track (already described, so no provider is asked), with `lyrics` if given."""
    item = await ctx.store.catalog.upsert(
        "spotify", "track", spotify_id, url=spotify_url(spotify_id), eid=f"/sp/{spotify_id}",
        name=title, artist_names=[artist], genres=[genre] if genre else [],
        description=f"{title} by {artist}")
    if lyrics is not None:
        await ctx.store.lyrics.put(Lyrics(catalog_id=item.id, plain=lyrics, source="import",
                                          fetched_at=1.0))
    return item


async def seed_songs(client: Any, songs: list[tuple[str, str, str, str, str]] | None = None
                     ) -> list[CatalogItem]:
    ctx = ctx_of(client)
    return [await seed_song(ctx, *song) for song in (SONGS if songs is None else songs)]


async def member(client: Any, username: str) -> Member:
    return await register_member(client, username)


async def admin(client: Any, username: str = "boss") -> Member:
    who = await register_member(client, username)
    await ctx_of(client).store.users.update(who.id, UserPatch(role="admin"))
    return who


async def next_sse_publication(resp: Any) -> dict[str, Any]:
    """The next `data:` event of an SSE stream that is a publication."""
    while True:
        line = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
        assert line, "stream ended"
        if line.startswith(b"data: "):
            push = json.loads(line[len(b"data: "):])
            if "pub" in push:
                return push
