"""The fake Spotify's seeded catalog (three artists' albums, a single, a playlist), the
Spotify JSON objects built from it, and the fake's search matching."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["seed", "links", "images", "artist_simple", "artist_full", "album_simple",
           "track_simple", "track_full", "playlist_item", "playlist_simple", "search_items",
           "parse_query", "DAFT_PUNK", "QUEEN", "PHARRELL", "DISCOVERY", "RAM", "GET_LUCKY_SINGLE",
           "OPERA", "ONE_MORE_TIME", "DIGITAL_LOVE", "HARDER", "GET_LUCKY", "INSTANT_CRUSH",
           "GET_LUCKY_EDIT", "BOHEMIAN", "LOVE_OF_MY_LIFE", "PICKS"]

DAFT_PUNK = "4tZwfgrHOc3mvqYlEYSvVi"
QUEEN = "1dfeR4HaWDbWqFHLkxsg1d"
PHARRELL = "2RdwBSPQiwcmiDo9kixcl8"

DISCOVERY = "2noRn2Aes5aoNVsU6iWThc"
RAM = "4m2880jivSbbyEGAKfITCa"
GET_LUCKY_SINGLE = "5lKlFlReHOLShQKyRv6AL9"
OPERA = "1GbtB4zTqAsyfZEsm1RZfx"

ONE_MORE_TIME = "0DiWol3AO6WpXZgp0goxAV"
DIGITAL_LOVE = "2VEZx7NWsZ1D0eJ4uv5Fym"
HARDER = "5W3cjX2J3tjhG8zb6u0qHn"
GET_LUCKY = "69kOkLUCkxIZYexIgSG8rq"
INSTANT_CRUSH = "2cGxRwrMyEAp8dEbuZaVv6"
GET_LUCKY_EDIT = "2Foc5Q5nqNiosCNqttzHof"
BOHEMIAN = "4u7EnebtmKWzUH433cf5Qv"
LOVE_OF_MY_LIFE = "7jy3rLJdDQY21OgRLCZ9sD"

PICKS = "3cEYpjA9oz9GiPac4AsH4n"

ARTISTS: dict[str, dict[str, Any]] = {
    DAFT_PUNK: {"name": "Daft Punk", "genres": ["french house", "electro"], "popularity": 79,
                "followers": 9_000_000},
    QUEEN: {"name": "Queen", "genres": ["classic rock", "glam rock", "rock"], "popularity": 85,
            "followers": 50_000_000},
    PHARRELL: {"name": "Pharrell Williams", "genres": ["dance pop", "pop"], "popularity": 80,
               "followers": 6_000_000},
}

ALBUMS: dict[str, dict[str, Any]] = {
    DISCOVERY: {"name": "Discovery", "artists": [DAFT_PUNK], "album_type": "album",
                "release_date": "2001-03-12", "label": "Parlophone (France)", "popularity": 77},
    RAM: {"name": "Random Access Memories", "artists": [DAFT_PUNK], "album_type": "album",
          "release_date": "2013-05-17", "label": "Columbia", "popularity": 80},
    GET_LUCKY_SINGLE: {"name": "Get Lucky", "artists": [DAFT_PUNK, PHARRELL],
                       "album_type": "single", "release_date": "2013-04-19",
                       "label": "Columbia", "popularity": 70},
    OPERA: {"name": "A Night At The Opera", "artists": [QUEEN], "album_type": "album",
            "release_date": "1975-11-21", "label": "EMI", "popularity": 78},
}

# id: (name, album, artists, duration_ms, explicit)
TRACKS: dict[str, tuple[str, str, list[str], int, bool]] = {
    ONE_MORE_TIME: ("One More Time", DISCOVERY, [DAFT_PUNK], 320357, False),
    DIGITAL_LOVE: ("Digital Love", DISCOVERY, [DAFT_PUNK], 301373, False),
    HARDER: ("Harder, Better, Faster, Stronger", DISCOVERY, [DAFT_PUNK], 224693, False),
    GET_LUCKY: ("Get Lucky (feat. Pharrell Williams and Nile Rodgers)", RAM,
                [DAFT_PUNK, PHARRELL], 369626, False),
    INSTANT_CRUSH: ("Instant Crush (feat. Julian Casablancas)", RAM, [DAFT_PUNK], 337560,
                    False),
    GET_LUCKY_EDIT: ("Get Lucky (Radio Edit)", GET_LUCKY_SINGLE, [DAFT_PUNK, PHARRELL],
                     248413, False),
    BOHEMIAN: ("Bohemian Rhapsody", OPERA, [QUEEN], 354320, False),
    LOVE_OF_MY_LIFE: ("Love Of My Life", OPERA, [QUEEN], 217800, False),
}


def seed(state: Any) -> None:
    """Fill a FakeSpotify with the catalog above."""
    state.artists.update({k: dict(v) for k, v in ARTISTS.items()})
    state.albums.update({k: {**v, "tracks": []} for k, v in ALBUMS.items()})
    for track_id, (name, album, artists, duration, explicit) in TRACKS.items():
        state.albums[album]["tracks"].append(track_id)
        state.tracks[track_id] = {
            "name": name, "album": album, "artists": artists, "duration_ms": duration,
            "explicit": explicit, "popularity": 60, "disc_number": 1,
            "track_number": len(state.albums[album]["tracks"]),
            "isrc": f"FRZ{sum(map(ord, track_id)):09d}",
            "preview_url": f"https://p.scdn.co/mp3-preview/{track_id}"}
    state.playlists[PICKS] = {
        "name": "Chorus Picks", "description": "Songs Chorus likes", "public": True,
        "collaborative": False, "owner": {"id": "chorus", "display_name": "Chorus"},
        "tracks": [ONE_MORE_TIME, BOHEMIAN, GET_LUCKY, DIGITAL_LOVE]}


# -- object shapes (Spotify's) -----------------------------------------------------------------


def links(base: str, kind: str, item_id: str) -> dict[str, Any]:
    return {"external_urls": {"spotify": f"https://open.spotify.com/{kind}/{item_id}"},
            "href": f"{base}/{kind}s/{item_id}", "id": item_id, "type": kind,
            "uri": f"spotify:{kind}:{item_id}"}


def images(item_id: str) -> list[dict[str, Any]]:
    return [{"url": f"https://i.scdn.co/image/{item_id}-{size}", "height": size, "width": size}
            for size in (640, 300, 64)]


def artist_simple(state: Any, base: str, artist_id: str) -> dict[str, Any]:
    return {**links(base, "artist", artist_id), "name": state.artists[artist_id]["name"]}


def artist_full(state: Any, base: str, artist_id: str) -> dict[str, Any]:
    a = state.artists[artist_id]
    return {**artist_simple(state, base, artist_id), "followers": {"href": None,
            "total": a["followers"]}, "genres": a["genres"], "images": images(artist_id),
            "popularity": a["popularity"]}


def album_simple(state: Any, base: str, album_id: str) -> dict[str, Any]:
    a = state.albums[album_id]
    return {**links(base, "album", album_id), "album_type": a["album_type"],
            "total_tracks": len(a["tracks"]), "available_markets": ["FR", "US"],
            "images": images(album_id), "name": a["name"], "release_date": a["release_date"],
            "release_date_precision": "day",
            "artists": [artist_simple(state, base, i) for i in a["artists"]]}


def track_simple(state: Any, base: str, track_id: str) -> dict[str, Any]:
    t = state.tracks[track_id]
    return {**links(base, "track", track_id), "artists": [artist_simple(state, base, i)
            for i in t["artists"]], "available_markets": ["FR", "US"],
            "disc_number": t["disc_number"], "duration_ms": t["duration_ms"],
            "explicit": t["explicit"], "is_local": False, "name": t["name"],
            "preview_url": t.get("preview_url"), "track_number": t["track_number"]}


def track_full(state: Any, base: str, track_id: str) -> dict[str, Any]:
    t = state.tracks[track_id]
    return {**track_simple(state, base, track_id),
            "album": album_simple(state, base, t["album"]),
            "external_ids": {"isrc": t["isrc"]}, "popularity": t["popularity"]}


def playlist_item(state: Any, base: str, track_id: str) -> dict[str, Any]:
    return {"added_at": "2024-05-01T12:00:00Z",
            "added_by": {**links(base, "user", "chorus")}, "is_local": False,
            "track": track_full(state, base, track_id)}


def playlist_simple(state: Any, base: str, playlist_id: str) -> dict[str, Any]:
    p = state.playlists[playlist_id]
    return {**links(base, "playlist", playlist_id), "collaborative": p["collaborative"],
            "description": p["description"], "images": images(playlist_id), "name": p["name"],
            "owner": {**links(base, "user", p["owner"]["id"]),
                      "display_name": p["owner"]["display_name"]},
            "public": p["public"], "snapshot_id": f"snap-{len(p['tracks'])}",
            "tracks": {"href": f"{base}/playlists/{playlist_id}/tracks",
                       "total": len(p["tracks"])}}


# -- search ---------------------------------------------------------------------------------


def matches(words: list[str], genres: list[str], haystack: str, item_genres: list[str]) -> bool:
    text = haystack.lower()
    joined = " ".join(item_genres).lower()
    return all(w in text for w in words) and all(g in joined for g in genres)


def parse_query(q: str) -> tuple[list[str], list[str]]:
    """Plain words and `genre:"..."` / `genre:word` filters."""
    genres = [a or b for a, b in re.findall(r'genre:"([^"]*)"|genre:(\S+)', q)]
    rest = re.sub(r'genre:"[^"]*"|genre:\S+', " ", q)
    return [w.lower() for w in rest.split()], [g.lower() for g in genres]


def search_items(state: Any, base: str, kind: str, words: list[str],
                 genres: list[str]) -> list[dict[str, Any]]:
    def artist_genres(ids: list[str]) -> list[str]:
        return [g for i in ids for g in state.artists[i]["genres"]]

    def names(ids: list[str]) -> str:
        return " ".join(state.artists[i]["name"] for i in ids)

    if kind == "track":
        return [track_full(state, base, i) for i, t in state.tracks.items()
                if matches(words, genres, f"{t['name']} {names(t['artists'])} "
                           f"{state.albums[t['album']]['name']}", artist_genres(t["artists"]))]
    if kind == "album":
        return [album_simple(state, base, i) for i, a in state.albums.items()
                if matches(words, genres, f"{a['name']} {names(a['artists'])}",
                           artist_genres(a["artists"]))]
    if kind == "artist":
        return [artist_full(state, base, i) for i, a in state.artists.items()
                if matches(words, genres, a["name"], a["genres"])]
    return [playlist_simple(state, base, i) for i, p in state.playlists.items()
            if not genres and matches(words, [], f"{p['name']} {p['description']}", [])]
