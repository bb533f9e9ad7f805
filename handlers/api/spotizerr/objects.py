"""Catalog records in the Spotify Web API object shapes Spotizerr's web UI reads, every field
present: a value the catalog does not know is the empty value of its type ("" , 0, [], {},
false), never null where Spotify has an object (a track's `album`, a playlist's `followers`),
so that no page of the UI meets a missing object."""

from __future__ import annotations

from typing import Any

from handlers.catalog.interface import Album, AlbumRef, Artist, ArtistRef, Image, PlaylistInfo, Track

__all__ = ["track_json", "album_json", "artist_json", "playlist_json", "playlist_item",
           "precision"]

API = "https://api.spotify.com/v1"


def _images(images: list[Image]) -> list[dict[str, Any]]:
    return [{"url": i.url, "height": i.height or 0, "width": i.width or 0} for i in images]


def _links(provider: str, kind: str, item_id: str, url: str) -> dict[str, Any]:
    """`external_urls`, `href` and `uri`: Spotify's for a Spotify item; the source URL under the
    provider's name (and "spotify" empty) for one from elsewhere."""
    if provider == "spotify" and item_id:
        return {"external_urls": {"spotify": url or f"https://open.spotify.com/{kind}/{item_id}"},
                "href": f"{API}/{kind}s/{item_id}", "uri": f"spotify:{kind}:{item_id}"}
    urls = {"spotify": ""}
    if url:
        urls[provider] = url
    return {"external_urls": urls, "href": "", "uri": ""}


def precision(release_date: str) -> str:
    """Spotify's `release_date_precision` of a date written as YYYY, YYYY-MM or YYYY-MM-DD."""
    return {4: "year", 7: "month"}.get(len(release_date), "day")


def _artist_ref(artist: ArtistRef, provider: str) -> dict[str, Any]:
    return {"id": artist.id, "name": artist.name, "type": "artist",
            **_links(provider, "artist", artist.id, artist.external_url)}


def _album_ref(album: AlbumRef | None, track: Track) -> dict[str, Any]:
    """The track's album; a track the catalog knows no album of gets an empty one carrying the
    track's own images (the track page shows the album's cover)."""
    ref = album or AlbumRef(id="", name="")
    images = ref.images or track.images
    return {"id": ref.id, "name": ref.name, "type": "album",
            "album_type": ref.album_type or "album", "total_tracks": 0,
            "artists": [_artist_ref(a, track.provider) for a in track.artists],
            "release_date": ref.release_date, "release_date_precision": precision(ref.release_date),
            "images": _images(images), "available_markets": [],
            **_links(track.provider, "album", ref.id, ref.external_url)}


def track_json(track: Track) -> dict[str, Any]:
    return {"id": track.id, "name": track.name, "type": "track",
            "artists": [_artist_ref(a, track.provider) for a in track.artists],
            "album": _album_ref(track.album, track),
            "duration_ms": track.duration_ms or 0, "explicit": track.explicit,
            "track_number": track.track_number or 0, "disc_number": track.disc_number or 0,
            "preview_url": track.preview_url, "popularity": track.popularity or 0,
            "is_local": track.provider != "spotify", "is_playable": True,
            "available_markets": [], "external_ids": {"isrc": track.isrc} if track.isrc else {},
            **_links(track.provider, "track", track.id, track.external_url)}


def album_json(album: Album) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": album.id, "name": album.name, "type": "album", "album_type": album.album_type,
        "album_group": album.album_type,
        "artists": [_artist_ref(a, album.provider) for a in album.artists],
        "release_date": album.release_date,
        "release_date_precision": precision(album.release_date),
        "total_tracks": album.total_tracks, "images": _images(album.images),
        "genres": album.genres, "label": album.label, "popularity": album.popularity or 0,
        "copyrights": [], "explicit": False, "external_ids": {}, "available_markets": [],
        **_links(album.provider, "album", album.id, album.external_url)}
    page = album.tracks
    data["tracks"] = {"items": [track_json(t) for t in page.items] if page else [],
                      "total": page.total if page else album.total_tracks,
                      "limit": page.limit if page else 0, "offset": page.offset if page else 0,
                      "href": "", "next": None, "previous": None}
    return data


def artist_json(artist: Artist) -> dict[str, Any]:
    return {"id": artist.id, "name": artist.name, "type": "artist", "genres": artist.genres,
            "images": _images(artist.images), "popularity": artist.popularity or 0,
            "followers": {"href": None, "total": artist.followers or 0},
            **_links(artist.provider, "artist", artist.id, artist.external_url)}


def playlist_item(track: Track) -> dict[str, Any]:
    """One entry of a playlist's `tracks.items`."""
    return {"track": track_json(track), "added_at": "", "added_by": None,
            "is_local": track.provider != "spotify"}


def playlist_json(playlist: PlaylistInfo) -> dict[str, Any]:
    tracks: dict[str, Any] = {"total": playlist.total_tracks, "href": ""}
    if playlist.tracks is not None:
        tracks["items"] = [playlist_item(t) for t in playlist.tracks]
    owner_links = _links(playlist.provider, "user", playlist.owner_id, "")
    return {"id": playlist.id, "name": playlist.name, "type": "playlist",
            "description": playlist.description,
            "owner": {"id": playlist.owner_id, "display_name": playlist.owner, "type": "user",
                      **owner_links},
            "followers": {"href": None, "total": 0},
            "images": _images(playlist.images), "public": bool(playlist.public),
            "collaborative": playlist.collaborative, "snapshot_id": playlist.snapshot_id,
            "primary_color": None, **_links(playlist.provider, "playlist", playlist.id,
                                            playlist.external_url),
            "tracks": tracks}
