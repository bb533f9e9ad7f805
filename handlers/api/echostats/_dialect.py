"""EchoStats' way of answering (shared/seeds/002): FastAPI's `{"detail": "..."}` and the 422
list of `{"loc", "msg", "type"}`."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.api._auth import signed_out_messages
from handlers.api.dialect import FastAPIDialect

__all__ = ["EchoStatsDialect", "echostats", "iso"]

NOT_AUTHENTICATED = "Not authenticated"


class EchoStatsDialect(FastAPIDialect):
    name = "echostats"
    messages = {
        **signed_out_messages(NOT_AUTHENTICATED),
        "sso_not_configured": "Spotify login is not configured on this server "
                              "(set CHORUS_OAUTH_SPOTIFY_CLIENT_ID and "
                              "CHORUS_OAUTH_SPOTIFY_CLIENT_SECRET)",
        "oauth_failed": "Spotify API error: could not complete the sign-in",
        "oauth_not_linked": "No Spotify account is linked",
        "spotify_not_connected": "No Spotify account is linked: sign in with Spotify "
                                 "(GET /api/v1/auth/login) to link one",
        "oauth_refresh_failed": "Spotify token refresh failed",
        "route_not_found": "Not Found",
        "http_405": "Method Not Allowed",
        "internal": "Internal server error",
    }
    # An unconfigured provider is the server's state, not a missing page.
    statuses = {"sso_not_configured": 503}


echostats = EchoStatsDialect()


def iso(ts: float | None) -> str | None:
    """A stored epoch time as EchoStats renders datetimes ("2025-02-01T12:00:00Z")."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

