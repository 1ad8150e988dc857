"""Prometheus metrics, in a registry of the app's own (so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.in_flight = 0
        """Requests being answered right now; background work yields while it is high."""
        self.registry = CollectorRegistry()
        Gauge(
            "orderbot_http_requests_in_flight", "Requests being answered", registry=self.registry
        ).set_function(lambda: self.in_flight)
        self.requests = Counter(
            "orderbot_http_requests",
            "HTTP requests answered",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "orderbot_http_request_seconds",
            "Time to answer an HTTP request",
            ["route", "method"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.webhooks = Counter(
            "orderbot_webhook_deliveries",
            "Webhook deliveries by source and outcome (accepted, duplicate, stale, rejected, invalid)",
            ["source", "outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
