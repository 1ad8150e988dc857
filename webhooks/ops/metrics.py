"""Prometheus metrics, in a registry of the app's own (so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

_KEPT_CHILDREN = 1000  # (route, method, status) triples whose counters are kept at hand


class Metrics:
    def __init__(self) -> None:
        self.in_flight = 0
        """Requests being answered right now."""
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
        self._answered: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.webhooks = Counter(
            "orderbot_webhook_deliveries",
            "Webhook deliveries by source and outcome (accepted, duplicate, stale, rejected, invalid)",
            ["source", "outcome"],
            registry=self.registry,
        )

        self.outbox_sends = Counter(
            "orderbot_outbox_sends",
            "Outbox entries handled by channel and outcome (sent, nudged, parked, retried, failed, dead, "
            "quiet_hours, rate_limited, debounce)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.outbox_entries = Gauge(
            "orderbot_outbox_entries",
            "Outbox entries by state (queued = pending, parked, review), as the dispatcher last counted",
            ["state"],
            registry=self.registry,
        )

    def answered(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count an answered request and its time; its series are kept, since ``labels`` looks them up anew."""
        children = self._answered.get((route, method, status))
        if children is None:
            children = self.requests.labels(route, method, str(status)), self.latency.labels(route, method)
            if len(self._answered) < _KEPT_CHILDREN:  # methods are the client's to choose: keep only so many
                self._answered[route, method, status] = children
        children[0].inc()
        children[1].observe(seconds)

    def outcome(self, channel: str, outcome: str) -> None:
        """The dispatcher did ``outcome`` with an entry on ``channel`` (``bot.outbox_outcomes.OutboxMetrics``)."""
        self.outbox_sends.labels(channel, outcome).inc()

    def depth(self, state: str, count: int) -> None:
        self.outbox_entries.labels(state).set(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
