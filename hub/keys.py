"""The platform's aiohttp AppKeys and RequestKeys (the dialect layer's own are in
handlers/api/keys.py)."""

from __future__ import annotations

from aiohttp import web

from hub.config import Config
from hub.metrics import Metrics
from hub.ratelimiter import RateLimiter
from hub.realtime.centrifugo_config import CentrifugoConfig
from hub.realtime.node import Node

__all__ = ["config_key", "metrics_key", "limiter_key", "request_id_key", "node_key",
           "centrifugo_key"]

config_key = web.AppKey("config_key", Config)
node_key = web.AppKey("node_key", Node)
metrics_key = web.AppKey("metrics_key", Metrics)
limiter_key = web.AppKey("limiter_key", RateLimiter)
# the Centrifugo configuration for apps and bots, None without one
centrifugo_key: web.AppKey[CentrifugoConfig | None] = web.AppKey("centrifugo_key")

request_id_key = web.RequestKey("request_id_key", str)
