"""EchoStats' shapes of catalog things: tracks, artists, albums as its documents show them
(ids as strings, Spotify ids where the catalog item is Spotify's, else null)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.listening.tops import TopAlbum, TopArtist, TopTrack
from handlers.listening.tracks import local_id
from store.records import CatalogItem, RollupCount

__all__ = ["spotify_id", "external_url", "track_body", "artist_body", "album_body", "ranked",
           "local_key"]


def spotify_id(item: CatalogItem | None) -> str | None:
    return item.provider_id if item is not None and item.provider == "spotify" else None


def external_url(item: CatalogItem | None) -> str | None:
    return item.url or None if item is not None and item.provider == "spotify" else None


def local_key(kind: str, *names: str) -> str:
    """An id for an artist or album the catalog has no item of."""
    return f"{kind}:{local_id(*names)}"


def track_body(t: TopTrack) -> dict[str, Any]:
    album = t.album
    return {
        "id": str(t.track.id), "spotify_id": spotify_id(t.track), "name": t.track.name,
        "artists": [{"spotify_id": spotify_id(a.item), "name": a.name} for a in t.artists],
        "album": None if album is None else {
            "spotify_id": spotify_id(album.item), "name": album.name,
            "image_url": (album.item.image if album.item else "") or t.track.image or None},
        "duration_ms": t.track.duration_ms, "popularity": None,
        "external_url": external_url(t.track), "audio_features": None}


def artist_body(a: TopArtist) -> dict[str, Any]:
    item = a.item
    return {"id": str(item.id) if item else local_key("artist", a.name),
            "spotify_id": spotify_id(item), "name": a.name,
            "image_url": item.image or None if item else None,
            "genres": item.genres if item else [], "popularity": None, "followers": None,
            "external_url": external_url(item)}


def album_body(a: TopAlbum) -> dict[str, Any]:
    item = a.item
    return {"id": str(item.id) if item else local_key("album", a.artist, a.name),
            "spotify_id": spotify_id(item), "name": a.name,
            "artists": [a.artist] if a.artist else [],
            "image_url": item.image or None if item else None, "release_date": None,
            "total_tracks": None, "type": "album", "external_url": external_url(item)}


def ranked(rows: Sequence[TopArtist | TopTrack | TopAlbum | RollupCount]) -> list[dict[str, Any]]:
    """The overview's top lists: name, play_count, rank (and spotify_id, image_url)."""
    out: list[dict[str, Any]] = []
    for rank, row in enumerate(rows, start=1):
        if isinstance(row, RollupCount):
            out.append({"name": row.key, "play_count": row.plays, "rank": rank})
        elif isinstance(row, TopTrack):
            out.append({"name": row.track.name, "play_count": row.plays,
                        "spotify_id": spotify_id(row.track), "rank": rank})
        elif isinstance(row, TopAlbum):
            out.append({"name": row.name, "play_count": row.plays,
                        "spotify_id": spotify_id(row.item), "rank": rank})
        else:
            out.append({"name": row.name, "play_count": row.plays,
                        "spotify_id": spotify_id(row.item),
                        "image_url": row.item.image or None if row.item else None, "rank": rank})
    return out
