"""Prometheus metrics of one Chorus process, in a registry of its own (one per app)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["Metrics", "CONTENT_TYPE_LATEST"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "chorus_http_requests", "HTTP requests served", ["method", "route", "status"],
            registry=self.registry)
        self.latency = Histogram(
            "chorus_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
            registry=self.registry)
        self.rate_limited = Counter(
            "chorus_rate_limited", "Requests refused by a rate limit", ["limit"],
            registry=self.registry)
        self.mail_sent = Counter("chorus_mail_sent", "Mails delivered", registry=self.registry)
        self.users = Gauge("chorus_users", "Accounts in the store", registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
