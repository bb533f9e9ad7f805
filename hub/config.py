"""Chorus configuration: one msgspec Struct read from CHORUS_* variables and `chorus serve` flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from providers.oauth import OAuthProviderConfig

__all__ = ["Config", "OAuthProviderConfig", "SETTINGS", "Setting", "load_config", "OAUTH_PROVIDERS"]


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """Everything Chorus reads at start; see the configuration table in the README."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: str = "./data"
    store: str = ""
    # realtime broker: "" (in this process) or redis://...; the Redis keys' prefix
    broker: str = ""
    redis_prefix: str = "chorus:"
    public_url: str = ""
    smtp_url: str = ""
    mail_from: str = "Chorus <no-reply@chorus.local>"
    admin_username: str = ""
    admin_password: str = ""
    admin_email: str = ""
    dev: bool = False
    legacy_account_errors: bool = False
    # each dialect's own documented password rule instead of the one policy
    legacy_password_rules: bool = False
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    # per window: anonymous requests per client address, signed-in requests per user (a UI that
    # polls every few seconds in several tabs stays far below both; README "Rate limits")
    rate_limit: int = 300
    rate_limit_user: int = 600
    rate_limit_window: float = 60.0
    # reverse proxies whose Forwarded / X-Forwarded-* headers are believed (hub/middleware/forwarded.py)
    trusted_proxies: tuple[str, ...] = ()
    endpoint_rate_limits: bool = True
    request_timeout: float = 30.0
    max_body_bytes: int = 1024 * 1024
    slow_request_timeout: float = 120.0
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    access_token_ttl: int = 86400
    refresh_token_ttl: int = 30 * 24 * 3600
    session_ttl: int = 30 * 24 * 3600
    # sign-in backoff (handlers.identity.backoff): failures before waits start, and how long a
    # failure streak is remembered
    signin_backoff_after: int = 5
    signin_account_backoff_after: int = 20
    signin_backoff_window: float = 900.0
    deletion_grace_days: int = 30
    frontend_url: str = ""
    oauth: tuple[OAuthProviderConfig, ...] = ()
    secure_cookies: bool = False
    ws_ping_interval: float = 25.0
    ws_pong_timeout: float = 8.0
    ws_stale_delay: float = 15.0
    ws_max_queue_bytes: int = 1024 * 1024
    ws_max_message_size: int = 65536
    ws_commands_per_second: int = 100
    ws_max_connections_per_user: int = 32
    ws_max_subscriptions: int = 128
    centrifugo_config: str = ""
    # CENTRIFUGO_* variables as read at start (Centrifugo's own names; see
    # hub/realtime/centrifugo_config.py): they override the file, as in Centrifugo
    centrifugo_env: tuple[tuple[str, str], ...] = ()
    allow_private_urls: bool = False
    oembed_url: str = ""
    # the catalog's Spotify app (client credentials); empty: CHORUS_OAUTH_SPOTIFY_* are used
    spotify_client_id: str = ""
    spotify_client_secret: str = ""
    spotify_api_url: str = "https://api.spotify.com/v1"
    spotify_accounts_url: str = "https://accounts.spotify.com"
    # operator download sources: a JSON list of URL templates (providers/sources.py)
    download_sources: str = ""
    prgs_poll_interval: float = 0.5
    prgs_heartbeat: float = 30.0
    # bearer token /metrics asks for; empty: /metrics answers 404
    metrics_token: str = ""
    # largest listening-history upload (POST /api/v1/history/import): Spotify's zips are tens of MB
    import_max_bytes: int = 600 * 1024 * 1024
    # seconds between the Spotify syncs of every linked account (recently-played); 0: off
    spotify_sync_interval: float = 1800.0
    job_lease_seconds: float = 120.0
    # Sono's audio uploads: largest file, and upload slots per user unless an admin sets others
    audio_max_bytes: int = 50 * 1024 * 1024
    audio_max_uploads: int = 25
    # a Kworb scraper's SQLite database (sqlite:///path) read instead of the store's charts
    kworb_database_url: str = ""
    # lyrics providers (handlers/catalog/lyrics.py): LRCLIB (no key; empty URL: off), then
    # Musixmatch when a key is set
    lrclib_url: str = "https://lrclib.net"
    musixmatch_api_key: str = ""
    musixmatch_url: str = "https://api.musixmatch.com/ws/1.1"
    # an OpenAI-compatible chat endpoint for Spot On's ai_description; empty: null descriptions
    llm_url: str = ""
    llm_api_key: str = ""
    llm_model: str = ""
    # live quiz rooms (handlers/quiz): players per room, pause between reveal and next round
    quiz_max_players: int = 16
    quiz_reveal_seconds: float = 3.0
    # on a Redis broker: how long a room's owner may go silent before another process takes
    # the room over, and how long a request routed to the owner waits for its answer
    quiz_lease_seconds: float = 10.0
    quiz_route_timeout: float = 5.0

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{self.data_path / 'chorus.db'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def oauth_provider(self, name: str) -> OAuthProviderConfig:
        for provider in self.oauth:
            if provider.name == name:
                return provider
        return OAuthProviderConfig(name=name)


class Setting(msgspec.Struct, frozen=True):
    """One CHORUS_* variable: its field, flag, default and what it does (rendered in the README)."""

    field: str
    env: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "CHORUS_HOST", "address to listen on"),
    Setting("port", "CHORUS_PORT", "port to listen on"),
    Setting("data_dir", "CHORUS_DATA_DIR", "database, keys and media live here"),
    Setting("store", "CHORUS_STORE", "store URL; empty means sqlite:///<data_dir>/chorus.db"),
    Setting("broker", "CHORUS_BROKER",
            "realtime broker: empty or memory (this process alone), or redis://[:password@]host:"
            "port/db (rediss:// for TLS) to share channels, history and presence between "
            "processes"),
    Setting("redis_prefix", "CHORUS_REDIS_PREFIX",
            "prefix of every Redis key and pub/sub channel Chorus uses, so installs sharing "
            "one Redis stay apart"),
    Setting("public_url", "CHORUS_PUBLIC_URL", "base URL of links in mail (reset links)"),
    Setting("smtp_url", "CHORUS_SMTP_URL", "smtp://[user:pass@]host:port or smtps://; empty: outbox + log"),
    Setting("mail_from", "CHORUS_MAIL_FROM", "From header of outgoing mail"),
    Setting("admin_username", "CHORUS_ADMIN_USERNAME", "admin account ensured at start"),
    Setting("admin_password", "CHORUS_ADMIN_PASSWORD", "its password (set on creation only)"),
    Setting("admin_email", "CHORUS_ADMIN_EMAIL", "its email"),
    Setting("dev", "CHORUS_DEV", "1 enables EchoStats' dev-login"),
    Setting("legacy_account_errors", "CHORUS_LEGACY_ACCOUNT_ERRORS",
            "1 restores Spot On/Openwhyd 'account not found' messages (enumerable)"),
    Setting("legacy_password_rules", "CHORUS_LEGACY_PASSWORD_RULES",
            "1 applies each dialect's documented password rule instead of the policy"),
    Setting("cors_origins", "CHORUS_CORS_ORIGINS", "comma-separated origins allowed by CORS"),
    Setting("log_level", "CHORUS_LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR"),
    Setting("rate_limit", "CHORUS_RATE_LIMIT",
            "anonymous requests per window per client address; 0 disables every overall budget"),
    Setting("rate_limit_user", "CHORUS_RATE_LIMIT_USER",
            "signed-in requests per window per user (instead of the address budget)"),
    Setting("trusted_proxies", "CHORUS_TRUSTED_PROXIES",
            "comma-separated addresses/CIDRs of reverse proxies whose Forwarded / "
            "X-Forwarded-For / X-Forwarded-Proto are believed; empty: none"),
    Setting("rate_limit_window", "CHORUS_RATE_LIMIT_WINDOW", "rate-limit window in seconds"),
    Setting("endpoint_rate_limits", "CHORUS_ENDPOINT_RATE_LIMITS", "1 applies Sono's per-endpoint limits"),
    Setting("request_timeout", "CHORUS_REQUEST_TIMEOUT", "seconds before a request answers 504"),
    Setting("max_body_bytes", "CHORUS_MAX_BODY_BYTES",
            "largest request body read (413 past it); uploads stream with their own limit"),
    Setting("slow_request_timeout", "CHORUS_SLOW_REQUEST_TIMEOUT", "same, for uploads and imports"),
    Setting("argon2_time_cost", "CHORUS_ARGON2_TIME_COST", "argon2id iterations (OWASP: 2)"),
    Setting("argon2_memory_kib", "CHORUS_ARGON2_MEMORY_KIB", "argon2id memory in KiB (OWASP: 19456)"),
    Setting("argon2_parallelism", "CHORUS_ARGON2_PARALLELISM", "argon2id lanes (OWASP: 1)"),
    Setting("access_token_ttl", "CHORUS_ACCESS_TOKEN_TTL", "access token (JWT) lifetime, seconds"),
    Setting("refresh_token_ttl", "CHORUS_REFRESH_TOKEN_TTL", "refresh token lifetime, seconds"),
    Setting("session_ttl", "CHORUS_SESSION_TTL", "browser session cookie lifetime, seconds"),
    Setting("signin_backoff_after", "CHORUS_SIGNIN_BACKOFF_AFTER",
            "failed sign-ins to one account from one address before each further try of that "
            "address waits (1 s, doubling, at most 5 min); 0 disables the backoff"),
    Setting("signin_account_backoff_after", "CHORUS_SIGNIN_ACCOUNT_BACKOFF_AFTER",
            "failed sign-ins to one account from all addresses before addresses that never "
            "signed in to it wait (1 s, doubling, at most 30 s)"),
    Setting("signin_backoff_window", "CHORUS_SIGNIN_BACKOFF_WINDOW",
            "seconds after its last failure when a failure streak is forgotten"),
    Setting("deletion_grace_days", "CHORUS_DELETION_GRACE_DAYS", "days a soft deletion can be cancelled"),
    Setting("frontend_url", "CHORUS_FRONTEND_URL", "where OAuth callbacks redirect; default public URL"),
    Setting("secure_cookies", "CHORUS_SECURE_COOKIES", "1 marks cookies Secure (behind https)"),
    Setting("ws_ping_interval", "CHORUS_WS_PING_INTERVAL", "seconds between realtime pings"),
    Setting("ws_pong_timeout", "CHORUS_WS_PONG_TIMEOUT", "seconds a client has to answer a ping"),
    Setting("ws_stale_delay", "CHORUS_WS_STALE_DELAY", "seconds a connection may stay without connect"),
    Setting("ws_max_queue_bytes", "CHORUS_WS_MAX_QUEUE_BYTES",
            "outgoing bytes queued per connection before it is closed as slow"),
    Setting("ws_max_message_size", "CHORUS_WS_MAX_MESSAGE_SIZE", "largest incoming frame, bytes"),
    Setting("ws_commands_per_second", "CHORUS_WS_COMMANDS_PER_SECOND", "commands per connection"),
    Setting("ws_max_connections_per_user", "CHORUS_WS_MAX_CONNECTIONS_PER_USER",
            "live connections per user"),
    Setting("ws_max_subscriptions", "CHORUS_WS_MAX_SUBSCRIPTIONS", "subscriptions per connection"),
    Setting("centrifugo_config", "CHORUS_CENTRIFUGO_CONFIG",
            "Centrifugo v6 JSON configuration (client, channel, http_api parts) for apps and bots"),
    Setting("allow_private_urls", "CHORUS_ALLOW_PRIVATE_URLS",
            "1 lets link fetches reach loopback/private addresses (tests, LAN setups)"),
    Setting("oembed_url", "CHORUS_OEMBED_URL", "one oEmbed endpoint replacing every provider's"),
    Setting("spotify_client_id", "CHORUS_SPOTIFY_CLIENT_ID",
            "Spotify app for the catalog (client credentials); empty: CHORUS_OAUTH_SPOTIFY_*"),
    Setting("spotify_client_secret", "CHORUS_SPOTIFY_CLIENT_SECRET", "its client secret"),
    Setting("spotify_api_url", "CHORUS_SPOTIFY_API_URL", "Spotify Web API base URL"),
    Setting("spotify_accounts_url", "CHORUS_SPOTIFY_ACCOUNTS_URL",
            "Spotify accounts service base URL (client-credentials tokens)"),
    Setting("download_sources", "CHORUS_DOWNLOAD_SOURCES",
            "JSON list of download source URL templates ({provider}, {kind}, {id}, {isrc})"),
    Setting("prgs_poll_interval", "CHORUS_PRGS_POLL_INTERVAL",
            "seconds between reads of task changes for /api/prgs/stream"),
    Setting("prgs_heartbeat", "CHORUS_PRGS_HEARTBEAT",
            "seconds of silence before /api/prgs/stream sends a heartbeat"),
    Setting("metrics_token", "CHORUS_METRICS_TOKEN",
            "bearer token /metrics requires; empty: /metrics answers 404"),
    Setting("import_max_bytes", "CHORUS_IMPORT_MAX_BYTES",
            "largest listening-history upload (Spotify export JSON or zip), bytes; 413 past it"),
    Setting("job_lease_seconds", "CHORUS_JOB_LEASE_SECONDS",
            "seconds without a heartbeat after which a running job's process counts as dead and "
            "another process (or this one, restarted, on a shared store) runs the job again"),
    Setting("spotify_sync_interval", "CHORUS_SPOTIFY_SYNC_INTERVAL",
            "seconds between syncs of linked Spotify accounts' recently-played; 0 turns them off"),
    Setting("audio_max_bytes", "CHORUS_AUDIO_MAX_BYTES",
            "largest audio upload (POST /api/v1/audio/upload), bytes; 413 past it"),
    Setting("audio_max_uploads", "CHORUS_AUDIO_MAX_UPLOADS",
            "audio files a user may hold unless an admin sets another limit"),
    Setting("kworb_database_url", "KWORB_DATABASE_URL",
            "sqlite:///path of a Kworb scraper database read for /api/v1/kworb; empty: the "
            "store's charts (chorus charts import)"),
    Setting("lrclib_url", "CHORUS_LRCLIB_URL", "LRCLIB base URL for lyrics; `off`: not asked"),
    Setting("musixmatch_api_key", "CHORUS_MUSIXMATCH_API_KEY",
            "Musixmatch API key; empty: Musixmatch is not asked"),
    Setting("musixmatch_url", "CHORUS_MUSIXMATCH_URL", "Musixmatch API base URL"),
    Setting("llm_url", "CHORUS_LLM_URL",
            "OpenAI-compatible chat API base URL (…/v1) for ai_description; empty: null"),
    Setting("llm_api_key", "CHORUS_LLM_API_KEY", "its bearer key (empty for local servers)"),
    Setting("llm_model", "CHORUS_LLM_MODEL", "the chat model asked"),
    Setting("quiz_max_players", "CHORUS_QUIZ_MAX_PLAYERS", "players per live quiz room"),
    Setting("quiz_reveal_seconds", "CHORUS_QUIZ_REVEAL_SECONDS",
            "seconds between a quiz round's reveal and the next round"),
    Setting("quiz_lease_seconds", "CHORUS_QUIZ_LEASE_SECONDS",
            "on a Redis broker, seconds a live quiz room's lease lasts unless its process "
            "renews it (every third of it): a process that dies hands its rooms over after "
            "this"),
    Setting("quiz_route_timeout", "CHORUS_QUIZ_ROUTE_TIMEOUT",
            "on a Redis broker, seconds a quiz request waits for the process that plays the "
            "room (then 503 `room_unavailable`)"),
)

OAUTH_PROVIDERS: dict[str, dict[str, str]] = {
    "spotify": {
        "authorize_url": "https://accounts.spotify.com/authorize",
        "token_url": "https://accounts.spotify.com/api/token",
        "userinfo_url": "https://api.spotify.com/v1/me",
        "scope": "user-read-email user-read-private user-read-recently-played",
    },
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "scope": "openid email profile",
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "scope": "read:user user:email",
    },
    "facebook": {
        "authorize_url": "https://www.facebook.com/v19.0/dialog/oauth",
        "token_url": "https://graph.facebook.com/v19.0/oauth/access_token",
        "userinfo_url": "https://graph.facebook.com/me",
        "scope": "email",
    },
}
_OAUTH_FIELDS = ("client_id", "client_secret", "authorize_url", "token_url", "userinfo_url", "scope")


def _oauth_from_env(env: Mapping[str, str]) -> tuple[OAuthProviderConfig, ...]:
    """CHORUS_OAUTH_<PROVIDER>_<FIELD> for each known provider, defaults being the real endpoints."""
    providers = []
    for name, defaults in OAUTH_PROVIDERS.items():
        values = dict(defaults)
        for field in _OAUTH_FIELDS:
            key = f"CHORUS_OAUTH_{name.upper()}_{field.upper()}"
            if env.get(key):
                values[field] = env[key]
        providers.append(OAuthProviderConfig(name=name, **values))
    return tuple(providers)


def _coerce(field: str, raw: Any) -> Any:
    default = getattr(Config(), field)
    if isinstance(raw, str):
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    return raw


def load_config(env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Build the Config: defaults, then CHORUS_* variables, then explicit overrides (CLI flags)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in env and env[setting.env] != "":
            values[setting.field] = _coerce(setting.field, env[setting.env])
    for field, raw in overrides.items():
        if raw is not None:
            values[field] = _coerce(field, raw)
    values.setdefault("oauth", _oauth_from_env(env))
    values.setdefault("centrifugo_env", tuple(sorted(
        (k, v) for k, v in env.items() if k.startswith("CENTRIFUGO_"))))
    return Config(**values)
