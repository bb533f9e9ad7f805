"""Shared by the realtime tests: Chorus configured with an app's Centrifugo namespaces and
the JWTs that app's backend mints, raw clients on them, and the real centrifuge-python SDK
driven through its events."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import centrifuge
import jwt
import msgspec
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from handlers.identity.auth import start_token_session
from hub.keys import node_key
from hub.realtime.node import Node
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.waiting import TIMEOUT

__all__ = ["SECRET", "API_KEY", "ENV", "env_of", "start", "node_of", "mint", "connection_token",
           "subscription_token", "chorus_account", "closed_with", "app_client", "Recorder",
           "SdkFactory", "ws_url", "connect", "subscribe"]

SECRET = "chorus-test-hmac-secret-0123456789abcdef"
API_KEY = "chorus-test-api-key"

# Namespaces of the apps: `chat` (open to signed-in clients, presence, join/leave, history
# with recovery), `tiny` (a two-publication history), `secret` (subscription tokens only),
# `dm` (user-limited channels), `open` (anonymous clients too), `room` (fossil allowed).
NAMESPACES = [{"name": name} for name in ("chat", "tiny", "secret", "dm", "open", "room")]
ENV: dict[str, str] = {
    "CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY": SECRET,
    "CENTRIFUGO_HTTP_API_KEY": API_KEY,
    "CENTRIFUGO_CHANNEL_NAMESPACES": json.dumps(NAMESPACES),
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_PRESENCE": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_JOIN_LEAVE": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_HISTORY_SIZE": "10",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_HISTORY_TTL": "300s",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_FORCE_RECOVERY": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ALLOW_SUBSCRIBE_FOR_CLIENT": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ALLOW_PUBLISH_FOR_SUBSCRIBER": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ALLOW_PRESENCE_FOR_SUBSCRIBER": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ALLOW_HISTORY_FOR_SUBSCRIBER": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_TINY_HISTORY_SIZE": "2",
    "CENTRIFUGO_CHANNEL_NAMESPACES_TINY_HISTORY_TTL": "5m",
    "CENTRIFUGO_CHANNEL_NAMESPACES_TINY_FORCE_RECOVERY": "1",
    "CENTRIFUGO_CHANNEL_NAMESPACES_TINY_ALLOW_SUBSCRIBE_FOR_CLIENT": "1",
    "CENTRIFUGO_CHANNEL_NAMESPACES_SECRET_PRESENCE": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_SECRET_ALLOW_PRESENCE_FOR_SUBSCRIBER": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_DM_ALLOW_USER_LIMITED_CHANNELS": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_OPEN_ALLOW_SUBSCRIBE_FOR_CLIENT": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_OPEN_ALLOW_SUBSCRIBE_FOR_ANONYMOUS": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_ROOM_ALLOW_SUBSCRIBE_FOR_CLIENT": "true",
    "CENTRIFUGO_CHANNEL_NAMESPACES_ROOM_ALLOWED_DELTA_TYPES": "fossil",
    "CENTRIFUGO_CHANNEL_NAMESPACES_ROOM_HISTORY_SIZE": "5",
    "CENTRIFUGO_CHANNEL_NAMESPACES_ROOM_HISTORY_TTL": "60s",
    "CENTRIFUGO_CHANNEL_NAMESPACES_ROOM_FORCE_POSITIONING": "true",
    "CENTRIFUGO_CHANNEL_WITHOUT_NAMESPACE_ALLOW_SUBSCRIBE_FOR_CLIENT": "true",
}


def env_of(**extra: str) -> tuple[tuple[str, str], ...]:
    """The CENTRIFUGO_* variables as the Chorus config carries them (CHORUS-side override)."""
    return tuple({**ENV, **extra}.items())


async def start(make_client: Any, **extra: str) -> TestClient:
    """Chorus with the apps' Centrifugo configuration; subscription and connection expiries
    take effect without the 25 s grace."""
    client = await make_client(centrifugo_env=env_of(**extra))
    node = node_of(client)
    node.config = msgspec.structs.replace(node.config, expired_grace=0.0)
    return client


def node_of(client: TestClient) -> Node:
    return client.server.app[node_key]


def mint(claims: dict[str, Any], key: str = SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def connection_token(sub: str, ttl: float | None = 3600, **claims: Any) -> str:
    """A Centrifugo connection JWT as an app's backend mints it."""
    now = int(time.time())
    body: dict[str, Any] = {"sub": sub, "iat": now, **claims}
    if ttl is not None:
        body["exp"] = now + ttl
    return mint(body)


def subscription_token(sub: str, channel: str, ttl: float | None = 3600,
                       **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {"sub": sub, "channel": channel, **claims}
    if ttl is not None:
        body["exp"] = now + ttl
    return mint(body)


async def chorus_account(client: TestClient, username: str) -> tuple[int, str]:
    """A Chorus account and its access token."""
    resp = await client.post("/api/register", json={
        "username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 201, await resp.text()
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(username)
    return user.id, (await start_token_session(ctx, user)).access_token


async def closed_with(raw: RawCentrifuge) -> tuple[int, str]:
    """Read until the close frame; its (code, reason)."""
    while True:
        msg = await asyncio.wait_for(raw.ws.receive(), TIMEOUT)
        if msg.type == WSMsgType.CLOSE:
            return msg.data, msg.extra
        assert msg.type == WSMsgType.TEXT, msg


async def app_client(client: TestClient, sub: str, **claims: Any) -> RawCentrifuge:
    """A raw connection with a connection token of the app's user `sub`."""
    raw = await RawCentrifuge.open(client, connection_token(sub, **claims), cookies=False)
    assert "connect" in raw.connect_reply, raw.connect_reply
    return raw


# ---- the centrifuge-python SDK ------------------------------------------------------------


class Recorder:
    """Every SDK event, queued by handler name (`on_publication`, `on_subscribed`, ...).

    Serves as both a ClientEventHandler and a SubscriptionEventHandler: the SDK looks the
    handlers up by name when it calls them, and awaits them before going on.
    """

    def __init__(self) -> None:
        self.queues: defaultdict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.gates: dict[str, asyncio.Event] = {}

    def __getattr__(self, name: str) -> Callable[[Any], Awaitable[None]]:
        if not name.startswith("on_"):
            raise AttributeError(name)

        async def record(ctx: Any) -> None:
            self.queues[name].put_nowait(ctx)
            gate = self.gates.get(name)
            if gate is not None:
                await asyncio.wait_for(gate.wait(), TIMEOUT)

        return record

    def hold(self, event: str) -> asyncio.Event:
        """Keep the SDK inside its next `event` handlers until the returned event is set
        (e.g. hold "connecting": a dropped client does not reconnect meanwhile)."""
        gate = self.gates[f"on_{event}"] = asyncio.Event()
        return gate

    async def next(self, event: str) -> Any:
        """The next `event` (e.g. "publication"), waiting for it."""
        return await asyncio.wait_for(self.queues[f"on_{event}"].get(), TIMEOUT)

    def seen(self, event: str) -> list[Any]:
        """Every `event` received so far, without waiting."""
        queue = self.queues[f"on_{event}"]
        return [queue.get_nowait() for _ in range(queue.qsize())]


SdkFactory = Callable[..., centrifuge.Client]


def ws_url(client: TestClient) -> str:
    return str(client.make_url("/connection/websocket")).replace("http://", "ws://", 1)


async def connect(sdk_client: Any) -> Any:
    """Connect and wait for it; returns the ConnectedContext (the initial "connecting" event
    is consumed, so later ones are reconnects)."""
    await sdk_client.connect()
    connected = await sdk_client.recorder.next("connected")
    assert [c.code for c in sdk_client.recorder.seen("connecting")] == [0]  # connect called
    return connected


async def subscribe(sdk_client: Any, channel: str, **options: Any) -> tuple[Any, Recorder]:
    """A new subscription, subscribe() called (its initial "subscribing" event consumed)."""
    recorder = Recorder()
    sub = sdk_client.new_subscription(channel, events=recorder, **options)
    await sub.subscribe()
    assert [c.code for c in recorder.seen("subscribing")] == [0]  # subscribe called
    return sub, recorder
