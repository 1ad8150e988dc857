"""The analytics page's figures over a range of days, from the per-day counters: pure, no I/O.

``report`` turns the day documents the store read (``orders.store.analytics``) into every series and sum the
page draws, zero-filled: each day of the range has its place in every per-day series, every status, bucket
and channel its key, whether anything was counted or not. Ratios are None where their denominator is 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from orders.analytics import BUCKETS, CHANNELS
from orders.lifecycle import Status

#: The automatic movers the page shows (``orders.analytics.automatic_mover``).
MOVERS = ("rules", "ai", "carrier")
_NOTIFICATION_OUTCOMES = ("sent", "delivered", "failed")
_SATISFACTION_COUNTS = ("asked", "answered", "score_sum", "satisfied")


@dataclass(frozen=True)
class Distribution:
    """How many orders took each bucket's whole days (``BUCKETS``), and the mean in days."""

    counts: list[int]
    mean: float | None


@dataclass(frozen=True)
class Notifications:
    sent: int
    delivered: int
    failed: int
    delivery_rate: float | None


@dataclass(frozen=True)
class Satisfaction:
    asked: int
    answered: int
    score_sum: int
    satisfied: int
    average: float | None
    response_rate: float | None


@dataclass(frozen=True)
class Report:
    """Everything ``GET /api/v1/analytics`` answers, for the local days ``days`` of a shop."""

    first: date
    last: date
    timezone: str
    days: list[str]
    orders_by_status: dict[str, list[int]]
    new_orders: list[int]
    handover_days: Distribution
    delivery_days: Distribution
    promises_kept: list[int]
    promises_broken: list[int]
    kept_share: float | None
    notifications: dict[str, Notifications]
    satisfaction: dict[str, Satisfaction]
    automatic_moves: dict[str, list[int]]
    messages_by_hour: list[int]
    intents: dict[str, int]


def day_range(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _ratio(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _number(doc: Mapping[str, Any], *path: str) -> float:
    value: Any = doc
    for part in path:
        if not isinstance(value, Mapping):
            return 0
        value = value.get(part)
    return float(value) if isinstance(value, int | float) else 0


def _series(docs: Mapping[str, Mapping[str, Any]], days: list[str], *path: str) -> list[int]:
    return [int(_number(docs.get(day, {}), *path)) for day in days]


def _sums(docs: Mapping[str, Mapping[str, Any]], group: str) -> dict[str, dict[str, float]]:
    """``group``'s second-level counters summed over the days: ``{channel: {what: total}}``."""
    sums: dict[str, dict[str, float]] = {}
    for doc in docs.values():
        for name, counts in (doc.get(group) or {}).items():
            if isinstance(counts, Mapping):
                target = sums.setdefault(name, {})
                for what, _value in counts.items():
                    target[what] = target.get(what, 0) + _number(counts, what)
    return sums


def _distribution(docs: Mapping[str, Mapping[str, Any]], name: str) -> Distribution:
    counts = [sum(int(_number(doc, name, f"b{label}")) for doc in docs.values()) for label in BUCKETS]
    days = sum(_number(doc, name, "days") for doc in docs.values())
    return Distribution(counts, _ratio(days, sum(counts), 2))


def report(docs: Mapping[str, Mapping[str, Any]], first: date, last: date, timezone: str) -> Report:
    """The figures of ``first`` to ``last`` from ``docs`` (each day's counters, by ``YYYY-MM-DD``); days
    outside the range are ignored."""
    days = day_range(first, last)
    wanted = set(days)
    docs = {day: doc for day, doc in docs.items() if day in wanted}
    kept, broken = _series(docs, days, "promises", "kept"), _series(docs, days, "promises", "broken")
    notified = _sums(docs, "notifications")
    notifications = {}
    for channel in sorted(set(CHANNELS) | notified.keys(), key=_channel_order):
        sent, delivered, failed = (int(notified.get(channel, {}).get(o, 0)) for o in _NOTIFICATION_OUTCOMES)
        notifications[channel] = Notifications(sent, delivered, failed, _ratio(delivered, sent))
    surveyed = _sums(docs, "satisfaction")
    satisfaction = {}
    for channel in sorted(set(CHANNELS) | surveyed.keys(), key=_channel_order):
        asked, answered, score_sum, satisfied = (
            int(surveyed.get(channel, {}).get(what, 0)) for what in _SATISFACTION_COUNTS
        )
        satisfaction[channel] = Satisfaction(
            asked, answered, score_sum, satisfied, _ratio(score_sum, answered, 2), _ratio(answered, asked)
        )
    intents: dict[str, int] = {}
    for doc in docs.values():
        for intent, count in (doc.get("intents") or {}).items():
            intents[intent] = intents.get(intent, 0) + int(count)
    return Report(
        first=first,
        last=last,
        timezone=timezone,
        days=days,
        orders_by_status={status.value: _series(docs, days, "status", status.value) for status in Status},
        new_orders=_series(docs, days, "new_orders"),
        handover_days=_distribution(docs, "handover"),
        delivery_days=_distribution(docs, "delivery"),
        promises_kept=kept,
        promises_broken=broken,
        kept_share=_ratio(sum(kept), sum(kept) + sum(broken)),
        notifications=notifications,
        satisfaction=satisfaction,
        automatic_moves={mover: _series(docs, days, "moves", mover) for mover in MOVERS},
        messages_by_hour=[
            sum(int(_number(doc, "hours", f"{hour:02d}")) for doc in docs.values()) for hour in range(24)
        ],
        intents=dict(sorted(intents.items(), key=lambda item: (-item[1], item[0]))),
    )


def _channel_order(channel: str) -> tuple[int, str]:
    """The page's channels first, in their order, then any other channel by name."""
    return (CHANNELS.index(channel), "") if channel in CHANNELS else (len(CHANNELS), channel)


__all__ = ["MOVERS", "Distribution", "Notifications", "Report", "Satisfaction", "day_range", "report"]
