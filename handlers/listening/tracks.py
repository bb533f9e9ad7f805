"""Which catalog track a play names, batched and cached.

A `spotify:track:<id>` URI is the catalog item of provider spotify, kind track and that id,
created with the play's names when unknown. A play with names only (artist, title) is the
catalog track of that title whose first artist is that artist (case-insensitively) when one
exists, else a track of provider "local" whose id is made from the names: the first 20 hex
digits of SHA-1 over the case-folded artist, U+001F and the case-folded title — so the same
names always land on the same local track. A play naming neither has no track.

Lookups are one query per batch of names; what was found is kept in ctx.listening_state
(at most CACHE_SIZE entries, oldest dropped first).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from handlers.catalog.links import parse_link
from handlers.context import Context
from handlers.listening.plays import TrackRef

__all__ = ["resolve_tracks", "local_id", "CACHE_SIZE"]

CACHE_SIZE = 50_000
_SPOTIFY_URI = re.compile(r"^spotify:track:([0-9A-Za-z]{1,64})$")


def local_id(*names: str) -> str:
    """The provider id of a "local" item known only by its names."""
    text = "\x1f".join(n.casefold() for n in names)
    return hashlib.sha1(text.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=CACHE_SIZE)
def _spotify_key(uri: str) -> str | None:
    """"sp:<id>" for a `spotify:track:<id>` URI (remembered: an export repeats its URIs)."""
    match = _SPOTIFY_URI.match(uri.strip())
    return f"sp:{match.group(1)}" if match else None


def _key(ref: TrackRef) -> str | None:
    if ref.catalog_id:
        return f"id:{ref.catalog_id}"
    spotify_key = _spotify_key(ref.spotify_uri) if ref.spotify_uri else None
    if spotify_key:
        return spotify_key
    if ref.name.strip():
        return f"nm:{ref.artist.strip().casefold()}\x1f{ref.name.strip().casefold()}"
    return None


def _fields(ref: TrackRef) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": ref.name.strip(), "album_name": ref.album.strip(),
                              "artist_names": [ref.artist.strip()] if ref.artist.strip() else []}
    if ref.duration_ms:
        fields["duration_ms"] = ref.duration_ms
    return fields


async def _spotify_tracks(ctx: Context, refs: dict[str, TrackRef]) -> dict[str, int]:
    """Catalog ids of Spotify tracks by key "sp:<id>", creating the unknown ones."""
    ids = {key[3:]: ref for key, ref in refs.items()}
    found = await ctx.store.catalog_batch.find_many("spotify", "track", list(ids))
    missing = [i for i in ids if i not in found]
    if missing:
        items = []
        for spotify_id in missing:
            parsed = parse_link(f"spotify:track:{spotify_id}")
            items.append(("track", spotify_id,
                          {"url": parsed.url, "eid": parsed.eid, **_fields(ids[spotify_id])}))
        await ctx.store.catalog_batch.upsert_many("spotify", items)
        found.update(await ctx.store.catalog_batch.find_many("spotify", "track", missing))
    return {f"sp:{i}": item.id for i, item in found.items()}


async def _named_tracks(ctx: Context, refs: dict[str, TrackRef]) -> dict[str, int]:
    """Catalog ids of tracks known by names, by key "nm:<artist>\\x1f<title>"."""
    resolved: dict[str, int] = {}
    for item in await ctx.store.catalog_batch.named("track", [r.name.strip() for r in refs.values()]):
        artist = item.artist_names[0].casefold() if item.artist_names else ""
        key = f"nm:{artist}\x1f{item.name.casefold()}"
        if key in refs and key not in resolved:
            resolved[key] = item.id
    local = {local_id(r.artist.strip(), r.name.strip()): (key, r)
             for key, r in refs.items() if key not in resolved}
    if local:
        await ctx.store.catalog_batch.upsert_many(
            "local", [("track", pid, {"url": "", "eid": "", **_fields(ref)})
                      for pid, (_, ref) in local.items()])
        found = await ctx.store.catalog_batch.find_many("local", "track", list(local))
        resolved.update({local[pid][0]: item.id for pid, item in found.items()})
    return resolved


async def resolve_tracks(ctx: Context, refs: Sequence[TrackRef]) -> list[int | None]:
    """The catalog track id of each ref (None when it names no track), in order."""
    cache = ctx.listening_state.track_ids
    keys = [_key(ref) for ref in refs]
    resolved: dict[str, int] = {}
    wanted: dict[str, TrackRef] = {}
    for key, ref in zip(keys, refs, strict=True):
        if key is None:
            continue
        if key in cache:
            resolved[key] = cache[key]
        else:
            wanted.setdefault(key, ref)
    if wanted:
        found = await _spotify_tracks(ctx, {k: r for k, r in wanted.items() if k[:3] == "sp:"})
        found.update(await _named_tracks(ctx, {k: r for k, r in wanted.items() if k[:3] == "nm:"}))
        found.update({k: r.catalog_id for k, r in wanted.items() if k[:3] == "id:" and r.catalog_id})
        resolved.update(found)
        cache.update(found)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return [resolved.get(key) if key is not None else None for key in keys]
