"""The catalog: search and track/album/playlist/artist info behind one interface.

Two implementations (DESIGN §6): `SpotifyCatalog` (handlers.catalog.spotify) when a
Spotify app is configured, whose ids are Spotify ids and whose answers are also upserted into
the local catalog; `LocalCatalog` (handlers.catalog.local) otherwise, serving every item
Chorus has seen (posts, imports, earlier Spotify answers), whose ids are the provider ids
stored there. `catalog_for(ctx)` picks one.

The Spotify app is the one an admin saved through Spotizerr's spotify_api_config, else
CHORUS_SPOTIFY_CLIENT_ID/_SECRET, or, when both are empty, the Spotify sign-in app
(CHORUS_OAUTH_SPOTIFY_CLIENT_ID/_SECRET): one Spotify app usually serves both.
Every call Chorus makes to Spotify is written to the API log (store.api_calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

import msgspec

from handlers.context import Context
from handlers.errors import FieldError, Invalid, Unauthorized
from handlers.identity.sso import refresh_provider_token
from hub.config import Config
from providers.spotify import CallLogger, CallRecord, SpotifyClient, SpotifyConfig, UserAuth

__all__ = ["Catalog", "Image", "ArtistRef", "AlbumRef", "Track", "Album", "Artist",
           "PlaylistInfo", "Page", "SearchResult", "SEARCH_TYPES", "ALBUM_TYPES",
           "DEFAULT_ALBUM_TYPES", "MAX_LIMIT", "catalog_for", "spotify_config",
           "catalog_spotify_config", "use_saved_spotify_app",
           "spotify_client", "spotify_user", "search_catalog", "random_tracks"]

T = TypeVar("T")

SEARCH_TYPES = ("track", "album", "artist", "playlist")
ALBUM_TYPES = ("album", "single", "compilation", "appears_on")
DEFAULT_ALBUM_TYPES = ("album", "single", "compilation")
MAX_LIMIT = 50
TOKEN_MARGIN = 60.0  # a user token this close to expiry is refreshed before use
_CLIENT_KEY = "music_catalog.spotify_client"
_SAVED_APP_KEY = "music_catalog.saved_spotify_app"  # (client id, secret) an admin saved


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


# -- choosing and building --------------------------------------------------------------------


def spotify_config(config: Config) -> SpotifyConfig:
    """The catalog's Spotify app: CHORUS_SPOTIFY_*, else the Spotify sign-in app's credentials."""
    client_id, secret = config.spotify_client_id, config.spotify_client_secret
    if not (client_id and secret):
        oauth = config.oauth_provider("spotify")
        client_id, secret = oauth.client_id, oauth.client_secret
    return SpotifyConfig(client_id=client_id, client_secret=secret,
                         api_url=config.spotify_api_url, accounts_url=config.spotify_accounts_url)


def use_saved_spotify_app(ctx: Context, client_id: str, client_secret: str) -> None:
    """Serve the catalog with the Spotify app an admin saved (Spotizerr's
    spotify_api_config) from the next call on; empty values: back to the configuration."""
    ctx.extras[_SAVED_APP_KEY] = (client_id, client_secret) if client_id and client_secret \
        else None
    ctx.extras.pop(_CLIENT_KEY, None)  # the next call builds a client with the new app


def catalog_spotify_config(ctx: Context) -> SpotifyConfig:
    """The app the catalog uses: the one saved by an admin, else `spotify_config`."""
    config, saved = spotify_config(ctx.config), ctx.extras.get(_SAVED_APP_KEY)
    if saved:
        return msgspec.structs.replace(config, client_id=saved[0], client_secret=saved[1])
    return config


def _call_logger(ctx: Context) -> CallLogger:
    async def log_call(record: CallRecord) -> None:
        await ctx.store.api_calls.add(record.provider, record.method, record.url, record.status,
                                      record.duration_ms, error=record.error,
                                      user_id=record.user_id)

    return log_call


def spotify_client(ctx: Context) -> SpotifyClient:
    """The process's Spotify client (one per Context, so the app token is shared)."""
    client = ctx.extras.get(_CLIENT_KEY)
    if client is None:
        client = SpotifyClient(catalog_spotify_config(ctx), ctx.http,
                               log_call=_call_logger(ctx))
        ctx.extras[_CLIENT_KEY] = client
    return client


def catalog_for(ctx: Context) -> Catalog:
    """SpotifyCatalog when a Spotify app is configured, else LocalCatalog."""
    # imported here: both implementations import this module's records
    from handlers.catalog.local import LocalCatalog
    from handlers.catalog.spotify import SpotifyCatalog

    if catalog_spotify_config(ctx).enabled:
        return SpotifyCatalog(spotify_client(ctx), ctx.store.catalog_batch)
    return LocalCatalog(ctx.store.catalog_search)


def spotify_user(ctx: Context, user_id: int) -> UserAuth:
    """`UserAuth` for calls on behalf of a user who connected Spotify: the stored token,
    decrypted, refreshed first when it is expiring or Spotify refused it.

    Raises (when a call asks for the token):
        Unauthorized: code "spotify_not_connected", or from the refresh.
    """

    async def token(refresh: bool) -> str:
        account = await ctx.store.oauth.user_account(user_id, "spotify")
        if account is None:
            raise Unauthorized("No Spotify account is connected", code="spotify_not_connected")
        expiring = account.expires_at is not None \
            and account.expires_at - TOKEN_MARGIN <= ctx.clock()
        if refresh or expiring or not account.access_token_enc:
            account = await refresh_provider_token(ctx, user_id, "spotify")
        access = ctx.vault.decrypt(account.access_token_enc)
        if not access:
            raise Unauthorized("The Spotify token cannot be read", code="spotify_not_connected")
        return access

    return UserAuth(token=token, user_id=user_id)


# -- operations -------------------------------------------------------------------------------


def _check_limit(limit: int, top: int = MAX_LIMIT) -> None:
    if not 1 <= limit <= top:
        raise Invalid(f"limit must be between 1 and {top}", code="invalid_limit",
                      fields=[FieldError(("query", "limit"), f"between 1 and {top}")])


async def search_catalog(ctx: Context, query: str, types: Sequence[str], limit: int = 20,
                         offset: int = 0) -> SearchResult:
    """Search the catalog for `query` in each of `types`.

    Raises:
        Invalid: no query, an unknown type, limit outside 1..50 or a negative offset.
    """
    if not query.strip():
        raise Invalid("Query parameter 'q' is required", code="query_missing",
                      fields=[FieldError(("query", "q"), "Field required", "missing")])
    unknown = [t for t in types if t not in SEARCH_TYPES]
    if unknown or not types:
        raise Invalid(f"Invalid type: use {', '.join(SEARCH_TYPES)}", code="invalid_type",
                      fields=[FieldError(("query", "type"), "unknown type")])
    _check_limit(limit)
    if offset < 0:
        raise Invalid("offset must not be negative", code="invalid_offset")
    return await catalog_for(ctx).search(query.strip(), list(dict.fromkeys(types)), limit,
                                         offset)


async def random_tracks(ctx: Context, limit: int = 10, *, genre: str = "", query: str = ""
                        ) -> list[Track]:
    """Tracks picked at random from the catalog, of `genre` and matching `query` when given.

    Raises:
        Invalid: limit outside 1..50.
    """
    _check_limit(limit)
    return await catalog_for(ctx).sample_tracks(limit, query=query.strip(),
                                                genre=genre.strip())
