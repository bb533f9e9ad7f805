"""Which catalog serves a request: `catalog_for(ctx)` answers SpotifyCatalog when a Spotify app
is configured, else LocalCatalog.

The Spotify app is the one an admin saved through Spotizerr's spotify_api_config, else
CHORUS_SPOTIFY_CLIENT_ID/_SECRET, or, when both are empty, the Spotify sign-in app
(CHORUS_OAUTH_SPOTIFY_CLIENT_ID/_SECRET): one Spotify app usually serves both.
Every call Chorus makes to Spotify is written to the API log (store.api_calls).
"""

from __future__ import annotations

import msgspec

from handlers.catalog.interface import Catalog
from handlers.catalog.local import LocalCatalog
from handlers.catalog.spotify import SpotifyCatalog
from handlers.context import Context
from handlers.errors import Unauthorized
from handlers.identity.sso import refresh_provider_token
from hub.config import Config
from providers.spotify import CallLogger, CallRecord, SpotifyClient, SpotifyConfig, UserAuth

__all__ = ["catalog_for", "spotify_config", "catalog_spotify_config", "use_saved_spotify_app",
           "spotify_client", "spotify_user"]

TOKEN_MARGIN = 60.0  # a user token this close to expiry is refreshed before use


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
    state = ctx.catalog_state
    state.saved_spotify_app = (client_id, client_secret) if client_id and client_secret else None
    state.spotify_client = None  # the next call builds a client with the new app


def catalog_spotify_config(ctx: Context) -> SpotifyConfig:
    """The app the catalog uses: the one saved by an admin, else `spotify_config`."""
    config, saved = spotify_config(ctx.config), ctx.catalog_state.saved_spotify_app
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
    state = ctx.catalog_state
    if state.spotify_client is None:
        state.spotify_client = SpotifyClient(catalog_spotify_config(ctx), ctx.http,
                                             log_call=_call_logger(ctx))
    return state.spotify_client


def catalog_for(ctx: Context) -> Catalog:
    """SpotifyCatalog when a Spotify app is configured, else LocalCatalog."""
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
