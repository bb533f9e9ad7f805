"""Composition root: builds the Application and wires store, secrets, workers and routes.

The only module that knows every package.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from functools import partial

import httpx
from aiohttp import web

from handlers.api import echostats, listenbrainz, openwhyd, sono, spotizerr, spoton
from handlers.api import quiz as quiz_api
from handlers.api.common import setup_common_routes
from handlers.api.keys import ctx_key, fallback_dialects_key
from handlers.api.media import setup_media_routes
from handlers.api.openapi import setup_openapi_routes
from handlers.api.realtime import identify_token, setup_realtime_routes
from handlers.api.rpc import make_rpc_hook
from handlers.context import Context
from handlers.crypto import PasswordHasher, Vault, load_keys
from handlers.downloads.credentials import apply_api_config
from handlers.downloads.expand import CollectionExpander
from handlers.downloads.settings import (
    DOWNLOAD_KIND_TRACK,
    apply_download_settings,
    download_settings,
)
from handlers.downloads.start import COLLECTION_CONCURRENCY, DOWNLOAD_KIND_COLLECTION
from handlers.downloads.tracks import check_download_sources
from handlers.downloads.watch_check import check_due
from handlers.identity.accounts import ensure_admin
from handlers.identity.privacy import erase_due_accounts
from handlers.identity.reset import RESET_MAIL_KIND, make_reset_mail_handler
from handlers.listening.imports import IMPORT_KIND, make_import_handler
from handlers.listening.rollups import ROLLUP_BUILD_KIND, make_rollup_build_handler
from handlers.listening.sync import (
    SPOTIFY_SYNC_KIND,
    make_spotify_sync_handler,
    queue_spotify_syncs,
)
from handlers.media.audio import clear_incoming
from handlers.media.maintenance import load_maintenance
from handlers.quiz.registry import ROUTE_TOPIC, keep_rooms, release_rooms, serve_routed
from handlers.quiz.rooms import close_abandoned_rooms, end_rooms
from handlers.social.channels import channel_hooks
from hub.config import Config
from hub.heap import frozen_startup_heap
from hub.keys import centrifugo_key, config_key, limiter_key, metrics_key, node_key
from hub.metrics import Metrics
from hub.middleware.errors import error_middleware
from hub.middleware.forwarded import forwarded_middleware, parse_networks
from hub.middleware.headers import cors_preflight_middleware, gzip_middleware, on_response_prepare
from hub.middleware.maintenance import maintenance_middleware
from hub.middleware.ratelimit import RateLimiter, ratelimit_middleware
from hub.middleware.request_log import remember_status, request_log_middleware
from hub.realtime.best_effort import BestEffortPublisher
from hub.realtime.brokers import open_broker, open_leases, shares_state
from hub.realtime.centrifugo_config import channel_rules, load_centrifugo_config, token_verifier
from hub.realtime.centrifugo_token import TokenVerifier
from hub.realtime.commands import server_subscribe
from hub.realtime.node import Node, NodeConfig
from hub.realtime.publisher import Publisher
from hub.realtime.server_api import ServerAPI
from providers.mail import make_mailer
from providers.sources import audio_session
from store import open_kworb, open_store
from store.interface import Store
from workers.actor import Supervisor
from workers.download_parent import make_parent_handler
from workers.downloader import make_track_handler
from workers.jobs import JobRunner
from workers.lease import once_across_processes
from workers.mailer import MailerActor
from workers.periodic import PeriodicActor
from workers.watcher import WatcherActor

__all__ = ["create_app", "build_context", "close_context"]

log = logging.getLogger("chorus.app")

DIALECTS = (spotizerr, echostats, sono, openwhyd, spoton, listenbrainz, quiz_api)


def build_context(config: Config, store: Store, publisher: Publisher, *,
                  wake_mailer: Callable[[], None] = lambda: None,
                  jobs: JobRunner | None = None) -> Context:
    """The domain's Context on an open store: secrets, password hasher and HTTP client (closed
    by `close_context`); the server's and the command line's (hub.import_cli)."""
    keys = load_keys(config.data_path)
    passwords = PasswordHasher(config.argon2_time_cost, config.argon2_memory_kib,
                               config.argon2_parallelism)
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
    return Context(config=config, store=store, keys=keys, passwords=passwords,
                   vault=Vault(keys.fernet_key), publisher=publisher, http=http,
                   wake_mailer=wake_mailer, jobs=jobs)


async def close_context(ctx: Context) -> None:
    await ctx.http.aclose()
    ctx.passwords.close()


async def _context(app: web.Application) -> AsyncIterator[None]:
    """Store, secrets, HTTP client, hasher and mailer: opened in order, closed in reverse."""
    config = app[config_key]
    config.data_path.mkdir(parents=True, exist_ok=True)
    store = open_store(config.store_url)
    await store.open()
    node = app[node_key]
    await node.broker.start()  # Redis: connects and listens to the control channel
    supervisor = Supervisor()
    mailer = MailerActor(store.outbox, make_mailer(config.smtp_url), config.mail_from)
    # durable jobs: a submit wakes the runner through the store's in-process listener
    jobs = JobRunner(store.jobs, node, exclusive=not store.shared,
                     orphan_after=config.job_lease_seconds,
                     heartbeat_interval=min(10.0, config.job_lease_seconds / 4))
    # domain code's pushes: a broker out of reach loses the push, never the committed write
    ctx = build_context(config, store, BestEffortPublisher(node), wake_mailer=mailer.wake,
                        jobs=jobs)
    app[ctx_key] = ctx
    _wire_node(node, ctx, token_verifier(app[centrifugo_key]))
    await load_maintenance(ctx)
    # audio uploads a stop cut short (on a shared store, only those idle for an hour: another
    # process may be receiving the rest)
    await clear_incoming(ctx, idle_for=3600.0 if store.shared else 0.0)
    kworb = await open_kworb(config.kworb_database_url)  # a scraper's charts, read-only
    ctx.kworb = kworb
    await apply_api_config(ctx)  # a Spotify app saved by an admin serves the catalog
    check_download_sources(ctx)  # a bad CHORUS_DOWNLOAD_SOURCES stops the start
    audio_http = audio_session()  # download streams (providers.sources)
    jobs.register(DOWNLOAD_KIND_TRACK,
                  make_track_handler(audio_http, allow_private=config.allow_private_urls))
    # album, playlist and artist downloads: parents of track (or album) jobs
    jobs.register(DOWNLOAD_KIND_COLLECTION,
                  make_parent_handler(jobs, store.jobs, CollectionExpander(ctx)),
                  concurrency=COLLECTION_CONCURRENCY)
    # forgot-password mails, looked up and sent after the answer (handlers.identity.reset)
    jobs.register(RESET_MAIL_KIND, make_reset_mail_handler(ctx), concurrency=2)
    # rebuilding a user's listening rollups (handlers.listening.rollups)
    jobs.register(ROLLUP_BUILD_KIND, make_rollup_build_handler(ctx))
    # Spotify export imports, one at a time (handlers.listening.imports)
    jobs.register(IMPORT_KIND, make_import_handler(ctx))
    # a linked Spotify account's recently-played into listens (handlers.listening.sync)
    jobs.register(SPOTIFY_SYNC_KIND, make_spotify_sync_handler(ctx), concurrency=2)
    apply_download_settings(ctx, await download_settings(ctx))  # maxConcurrentDownloads
    if config.admin_username and config.admin_password:
        await ensure_admin(ctx, config.admin_username, config.admin_password,
                           config.admin_email or None)
    shared = _start_quiz_rooms(ctx, node)
    if not shared:  # alone: rooms a stopped process left open end with their scores
        await close_abandoned_rooms(ctx)
    ctx.quiz_state.supervisor = supervisor
    if shared:  # quiz rooms' leases renewed, rooms of dead processes taken over
        await supervisor.start(PeriodicActor("quiz-rooms", config.quiz_lease_seconds / 3,
                                             partial(keep_rooms, ctx)))
    await supervisor.start(mailer)
    await supervisor.start(jobs)
    # once across the processes sharing the store (each holds a lease while it runs them)
    watch_sleep = 60.0  # longest wait between two rounds of the watch-list checker
    await supervisor.start(WatcherActor(once_across_processes(  # Spotizerr's watch lists
        store.leases, "watcher", 3 * watch_sleep, partial(check_due, ctx), watch_sleep),
        max_sleep=watch_sleep))
    await supervisor.start(PeriodicActor("erase-deleted-accounts", 3600, once_across_processes(
        store.leases, "erase-deleted-accounts", 2 * 3600, partial(erase_due_accounts, ctx), 0)))
    # presence entries expire unless refreshed: a crashed process's clients vanish on their own
    await supervisor.start(PeriodicActor("presence-refresh", node.config.presence_ttl / 3,
                                         node.refresh_presence))
    if config.spotify_sync_interval > 0:
        await supervisor.start(PeriodicActor("spotify-sync", config.spotify_sync_interval,
                                             once_across_processes(
                                                 store.leases, "spotify-sync",
                                                 2 * config.spotify_sync_interval,
                                                 partial(queue_spotify_syncs, ctx), None)))
    try:
        yield
    finally:
        if shared:  # the other processes take this one's quiz rooms over
            await supervisor.close()
            await release_rooms(ctx)
        else:
            await end_rooms(ctx, "shutdown")  # boards stored before the actors stop
            await supervisor.close()
        await node.relay.close()
        await ctx.quiz_state.leases.close()
        await close_context(ctx)
        if kworb is not None:
            await kworb.close()
        await audio_http.close()
        await node.broker.close()
        await store.close()


def _start_quiz_rooms(ctx: Context, node: Node) -> bool:
    """Quiz rooms' leases (on the broker's Redis when it has one) and requests routed here by
    the other processes; whether the rooms are shared with other processes."""
    config = ctx.config
    ctx.quiz_state.leases = open_leases(config.broker, config.redis_prefix, node.uid,
                                        config.quiz_lease_seconds)
    ctx.quiz_state.relay = node.relay
    node.relay.serve(ROUTE_TOPIC, partial(serve_routed, ctx))
    ctx.quiz_state.shared = shares_state(config.broker)
    return ctx.quiz_state.shared


def node_config(config: Config) -> NodeConfig:
    return NodeConfig(
        ping_interval=config.ws_ping_interval, pong_timeout=config.ws_pong_timeout,
        stale_delay=config.ws_stale_delay, max_queue_bytes=config.ws_max_queue_bytes,
        max_message_size=config.ws_max_message_size,
        commands_per_second=config.ws_commands_per_second,
        max_connections_per_user=config.ws_max_connections_per_user,
        max_subscriptions=config.ws_max_subscriptions)


def _wire_node(node: Node, ctx: Context, external: TokenVerifier | None = None) -> None:
    """Connect the realtime node's hooks to identity, channel policy and RPC (`external`:
    tokens minted by apps, from the Centrifugo configuration)."""

    async def on_connecting(token: str):  # type: ignore[no-untyped-def]
        return await identify_token(ctx, token, external)

    node.on_connecting = on_connecting
    if external is not None:
        node.on_subscription_token = external.subscription
    node.on_rpc = make_rpc_hook(ctx)
    for namespace, hook in channel_hooks(ctx).items():
        node.rules.on_authorize(namespace, hook)


async def _shutdown_node(app: web.Application) -> None:
    await app[node_key].shutdown()


async def create_app(config: Config) -> web.Application:
    app = web.Application(
        middlewares=[
            # first: everything after it sees the client's address and scheme
            forwarded_middleware(parse_networks(config.trusted_proxies)),
            request_log_middleware,
            cors_preflight_middleware,
            error_middleware,
            ratelimit_middleware,
            maintenance_middleware,
            gzip_middleware,
        ],
        # bodies are read before anyone is signed in: small; uploads stream past it with their
        # own limit (handlers/api/sono/users.py `_read_file_field`)
        client_max_size=config.max_body_bytes,
    )
    app[config_key] = config
    app[metrics_key] = Metrics()
    app[limiter_key] = RateLimiter(config.rate_limit, config.rate_limit_window)
    app[fallback_dialects_key] = []
    # apps and bots: a Centrifugo configuration (ConfigError stops the start with the reason)
    app[centrifugo_key] = centrifugo = load_centrifugo_config(config.centrifugo_config or None,
                                                              dict(config.centrifugo_env))
    broker, presence = open_broker(config.broker, config.redis_prefix)  # ValueError: bad URL
    app[node_key] = node = Node(broker, presence, channel_rules(centrifugo), node_config(config))
    node.on_server_subscribe = server_subscribe  # the server API's subscribe, in every process
    app.on_shutdown.append(_shutdown_node)
    app.on_response_prepare.append(on_response_prepare)
    app.on_response_prepare.append(remember_status)
    app.cleanup_ctx.append(_context)
    app.cleanup_ctx.append(frozen_startup_heap)  # last: the started app, store open
    setup_common_routes(app)
    setup_media_routes(app)
    api_key = centrifugo.http_api.key if centrifugo and not centrifugo.http_api.disabled else ""
    setup_realtime_routes(app, app[node_key], ServerAPI(app[node_key], api_key))
    for dialect in DIALECTS:
        dialect.setup_routes(app)
    setup_openapi_routes(app)  # after the dialects: FastAPI's /docs only where none serves it
    spotizerr.setup_late_routes(app)  # FastAPI's trailing-slash redirects
    openwhyd.setup_late_routes(app)  # `/<handle>` must not shadow any other route
    return app
