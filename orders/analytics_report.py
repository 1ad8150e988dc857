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


#: The counters drawn per day; every other counter is summed over the range.
_PER_DAY = ("new_orders", "status", "promises", "moves")


def _flat(doc: Mapping[str, Any], prefix: str = "") -> list[tuple[str, float]]:
    """The document's counters as dotted paths (``dict``, not ``Mapping``: the driver's documents are
    dicts, and an ABC check per counter would cost more than the rest of the read)."""
    found: list[tuple[str, float]] = []
    for key, value in doc.items():
        if type(value) is dict:
            found += _flat(value, f"{prefix}{key}.")
        elif type(value) is int or type(value) is float:
            found.append((f"{prefix}{key}", value))
    return found


def _read(
    docs: Mapping[str, Mapping[str, Any]], days: list[str]
) -> tuple[dict[str, list[int]], dict[str, float]]:
    """One pass over the days' counters: the per-day ones as series (by counter), the others as sums."""
    position = {day: index for index, day in enumerate(days)}
    series: dict[str, list[int]] = {}
    sums: dict[str, float] = {}
    for day, doc in docs.items():
        index = position.get(day)
        if index is None:
            continue
        for group, value in doc.items():
            counters = _flat(value, f"{group}.") if type(value) is dict else [(group, value)]
            if group in _PER_DAY:
                for key, count in counters:
                    series.setdefault(key, [0] * len(days))[index] += int(count)
            else:
                for key, count in counters:
                    sums[key] = sums.get(key, 0) + count
    return series, sums


def _grouped(sums: Mapping[str, float], group: str) -> dict[str, dict[str, float]]:
    """``group.<name>.<what>`` sums as ``{name: {what: total}}``."""
    grouped: dict[str, dict[str, float]] = {}
    for key, value in sums.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == group:
            grouped.setdefault(parts[1], {})[parts[2]] = value
    return grouped


def _distribution(sums: Mapping[str, float], name: str) -> Distribution:
    counts = [int(sums.get(f"{name}.b{label}", 0)) for label in BUCKETS]
    return Distribution(counts, _ratio(sums.get(f"{name}.days", 0), sum(counts), 2))


def report(docs: Mapping[str, Mapping[str, Any]], first: date, last: date, timezone: str) -> Report:
    """The figures of ``first`` to ``last`` from ``docs`` (each day's counters, by ``YYYY-MM-DD``); days
    outside the range are ignored."""
    days = day_range(first, last)
    series, sums = _read(docs, days)

    def per_day(key: str) -> list[int]:
        return series.get(key) or [0] * len(days)

    notified = _grouped(sums, "notifications")
    notifications = {}
    for channel in sorted(set(CHANNELS) | notified.keys(), key=_channel_order):
        sent, delivered, failed = (int(notified.get(channel, {}).get(o, 0)) for o in _NOTIFICATION_OUTCOMES)
        notifications[channel] = Notifications(sent, delivered, failed, _ratio(delivered, sent))
    surveyed = _grouped(sums, "satisfaction")
    satisfaction = {}
    for channel in sorted(set(CHANNELS) | surveyed.keys(), key=_channel_order):
        asked, answered, score_sum, satisfied = (
            int(surveyed.get(channel, {}).get(what, 0)) for what in _SATISFACTION_COUNTS
        )
        satisfaction[channel] = Satisfaction(
            asked, answered, score_sum, satisfied, _ratio(score_sum, answered, 2), _ratio(answered, asked)
        )
    intents = {key.split(".", 1)[1]: int(value) for key, value in sums.items() if key.startswith("intents.")}
    kept, broken = per_day("promises.kept"), per_day("promises.broken")
    return Report(
        first=first,
        last=last,
        timezone=timezone,
        days=days,
        orders_by_status={status.value: per_day(f"status.{status.value}") for status in Status},
        new_orders=per_day("new_orders"),
        handover_days=_distribution(sums, "handover"),
        delivery_days=_distribution(sums, "delivery"),
        promises_kept=kept,
        promises_broken=broken,
        kept_share=_ratio(sum(kept), sum(kept) + sum(broken)),
        notifications=notifications,
        satisfaction=satisfaction,
        automatic_moves={mover: per_day(f"moves.{mover}") for mover in MOVERS},
        messages_by_hour=[int(sums.get(f"hours.{hour:02d}", 0)) for hour in range(24)],
        intents=dict(sorted(intents.items(), key=lambda item: (-item[1], item[0]))),
    )


def _channel_order(channel: str) -> tuple[int, str]:
    """The page's channels first, in their order, then any other channel by name."""
    return (CHANNELS.index(channel), "") if channel in CHANNELS else (len(CHANNELS), channel)


__all__ = ["MOVERS", "Distribution", "Notifications", "Report", "Satisfaction", "day_range", "report"]
