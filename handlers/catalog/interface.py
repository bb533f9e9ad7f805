"""The catalog interface: search and track/album/playlist/artist info, and the records it
answers with. Two implementations (DESIGN §6): `SpotifyCatalog` (handlers.catalog.spotify), whose
ids are Spotify ids and whose answers are also upserted into the local catalog, and
`LocalCatalog` (handlers.catalog.local), serving every item Chorus has seen (posts, imports,
earlier Spotify answers); handlers.catalog.factory picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

import msgspec

__all__ = ["Catalog", "Image", "ArtistRef", "AlbumRef", "Track", "Album", "Artist",
           "PlaylistInfo", "Page", "SearchResult", "SEARCH_TYPES", "ALBUM_TYPES",
           "DEFAULT_ALBUM_TYPES", "MAX_LIMIT"]

T = TypeVar("T")

SEARCH_TYPES = ("track", "album", "artist", "playlist")
ALBUM_TYPES = ("album", "single", "compilation", "appears_on")
DEFAULT_ALBUM_TYPES = ("album", "single", "compilation")
MAX_LIMIT = 50


class Image(msgspec.Struct, frozen=True):
    url: str
    height: int | None = None
    width: int | None = None


class ArtistRef(msgspec.Struct, frozen=True, kw_only=True):
    """An artist as tracks and albums name them ("" id when the catalog does not know it)."""

    id: str
    name: str
    external_url: str = ""


class AlbumRef(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    album_type: str = ""
    release_date: str = ""
    images: list[Image] = []
    external_url: str = ""


class Track(msgspec.Struct, kw_only=True):
    id: str
    name: str
    artists: list[ArtistRef] = []
    album: AlbumRef | None = None
    duration_ms: int | None = None
    explicit: bool = False
    track_number: int | None = None
    disc_number: int | None = None
    preview_url: str | None = None
    external_url: str = ""
    images: list[Image] = []
    popularity: int | None = None
    isrc: str | None = None
    provider: str = "spotify"


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a longer list: `total` items in all, these from `offset`."""

    items: list[T]
    total: int
    limit: int
    offset: int = 0


class Album(msgspec.Struct, kw_only=True):
    id: str
    name: str
    artists: list[ArtistRef] = []
    album_type: str = "album"
    release_date: str = ""
    total_tracks: int = 0
    images: list[Image] = []
    external_url: str = ""
    genres: list[str] = []
    label: str = ""
    popularity: int | None = None
    tracks: Page[Track] | None = None
    provider: str = "spotify"


class Artist(msgspec.Struct, kw_only=True):
    id: str
    name: str
    genres: list[str] = []
    images: list[Image] = []
    external_url: str = ""
    popularity: int | None = None
    followers: int | None = None
    provider: str = "spotify"


class PlaylistInfo(msgspec.Struct, kw_only=True):
    """A playlist; `tracks` is None unless asked for."""

    id: str
    name: str
    description: str = ""
    owner: str = ""
    owner_id: str = ""
    images: list[Image] = []
    external_url: str = ""
    public: bool | None = None
    collaborative: bool = False
    snapshot_id: str = ""
    total_tracks: int = 0
    tracks: list[Track] | None = None
    provider: str = "spotify"


class SearchResult(msgspec.Struct, kw_only=True):
    """One page per type searched; None for the types not asked for."""

    tracks: Page[Track] | None = None
    albums: Page[Album] | None = None
    artists: Page[Artist] | None = None
    playlists: Page[PlaylistInfo] | None = None


class Catalog(Protocol):
    """Music metadata by id and by search. Unknown ids raise handlers.errors.NotFound;
    a provider that fails raises BadGateway, RateLimited (with retry_after) or Unavailable."""

    name: str

    async def search(self, query: str, types: Sequence[str] = ("track",), limit: int = 20,
                     offset: int = 0) -> SearchResult:
        """Items of each of `types` (SEARCH_TYPES) matching `query`, best first."""
    async def track(self, track_id: str) -> Track: ...
    async def album(self, album_id: str, limit: int = 50, offset: int = 0) -> Album:
        """The album with one page of its tracks."""
    async def playlist(self, playlist_id: str, include_tracks: bool = False) -> PlaylistInfo: ...
    async def playlist_tracks(self, playlist_id: str) -> list[Track]:
        """Every track of the playlist, in order."""
    async def artist(self, artist_id: str) -> Artist: ...
    async def artist_albums(self, artist_id: str,
                            album_types: Sequence[str] = DEFAULT_ALBUM_TYPES, limit: int = 20,
                            offset: int = 0) -> Page[Album]:
        """The artist's albums of `album_types` (ALBUM_TYPES)."""
    async def sample_tracks(self, limit: int = 10, *, query: str = "", genre: str = ""
                            ) -> list[Track]:
        """Up to `limit` tracks picked at random, among those matching `query` and `genre`."""
