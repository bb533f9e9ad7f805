"""Every aiohttp AppKey of Chorus, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from handlers.context import Context
from handlers.identity.auth import Principal
from hub.config import Config
from hub.metrics import Metrics
from hub.realtime.node import Node

if TYPE_CHECKING:
    from hub.middleware.ratelimit import RateLimiter
    from hub.realtime.centrifugo_config import CentrifugoConfig

__all__ = ["config_key", "ctx_key", "metrics_key", "limiter_key", "fallback_dialects_key",
           "request_id_key", "principal_key", "node_key", "centrifugo_key"]

config_key = web.AppKey("config_key", Config)
ctx_key = web.AppKey("ctx_key", Context)
node_key = web.AppKey("node_key", Node)
metrics_key = web.AppKey("metrics_key", Metrics)
limiter_key: web.AppKey[RateLimiter] = web.AppKey("limiter_key")
fallback_dialects_key = web.AppKey("fallback_dialects_key", list)
# the Centrifugo configuration for apps and bots, None without one
centrifugo_key: web.AppKey[CentrifugoConfig | None] = web.AppKey("centrifugo_key")

request_id_key = web.RequestKey("request_id_key", str)
principal_key: web.RequestKey[Principal | None] = web.RequestKey("principal_key")
