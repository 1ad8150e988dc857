"""What each change adds to the shop's per-day analytics: pure functions that return tallies.

The analytics page reads one document per shop and local day (``orders.store.analytics``), so its cost does
not grow with the number of orders. Every change that the page shows is turned here into ``Tally`` values
(a time, a counter, an amount); the store files each under the shop's local day and increments it. A recount
from the stored data (``orders.analytics_recount``) goes through the same functions, so the live counters and
a recount agree by construction: ``order_tallies(None, order)`` is what all of an order's changes added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from orders.domain import is_carrier_move
from orders.lifecycle import Status
from orders.model import Order, PromiseOutcome, Source, TimelineEvent
from orders.promises import zone
from orders.satisfaction import SATISFIED

#: The day ranges of the handover and delivery distributions, in whole days since the order was created:
#: a day each for the first week (where most orders fall), then wider ranges for the slow tail.
BUCKETS: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7", "8-10", "11-14", "15-21", "22+")
_BUCKET_LOWS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 15, 22)

#: The channels the notification and satisfaction figures always show, counted or not.
CHANNELS: tuple[str, ...] = ("whatsapp", "sms", "instagram", "email")

#: A day's counters, as ``$inc`` paths in its document: ``status.shipped``, ``notifications.sms.sent``...
DayCounts = dict[str, float]


@dataclass(frozen=True)
class Tally:
    """``amount`` added to counter ``key`` at ``at``; ``hourly`` files it under the local hour as well
    (``key.<HH>``), for the messages by hour of day."""

    at: datetime
    key: str
    amount: float = 1
    hourly: bool = False


def bucket(days: int) -> str:
    """The distribution bucket of a duration in whole days (negative durations count as 0)."""
    label = BUCKETS[0]
    for low, name in zip(_BUCKET_LOWS, BUCKETS, strict=True):
        if days >= low:
            label = name
    return label


def field(name: str) -> str:
    """A channel or intent name made safe as one part of a document path (no dots, no leading ``$``)."""
    return name.replace(".", "_").replace("$", "_") or "unknown"


def whole_days(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds() // 86400), 0)


def order_tallies(before: Order | None, after: Order) -> list[Tally]:
    """What changing ``before`` into ``after`` adds (``before`` None: the order is new).

    A new order counts on the day it was created; each status event added to its timeline counts for the
    status it entered, a move made by the rules, the AI or a carrier's report as an automatic move, the
    first move to shipped as a handover and the first to fulfilled as a delivery (in whole days since the
    order was created, on the day of the move). The satisfaction request counts as asked and as answered
    on the days it was.
    """
    tallies: list[Tally] = []
    if before is None:
        tallies.append(Tally(after.created_at, "new_orders"))
    start = len(before.timeline) if before is not None else 0
    for index, event in enumerate(after.timeline[start:], start):
        if event.kind != "status":
            continue
        tallies.append(Tally(event.at, f"status.{event.status.value}"))
        if event.from_status is not None and (mover := automatic_mover(event)) is not None:
            tallies.append(Tally(event.at, f"moves.{mover}"))
        for status, name in ((Status.SHIPPED, "handover"), (Status.FULFILLED, "delivery")):
            if event.status == status and not _entered_before(after.timeline[:index], status):
                days = whole_days(after.created_at, event.at)
                tallies += [Tally(event.at, f"{name}.b{bucket(days)}"), Tally(event.at, f"{name}.days", days)]
    return tallies + satisfaction_tallies(before, after)


def automatic_mover(event: TimelineEvent) -> str | None:
    """``rules``, ``ai`` or ``carrier`` for a status move nobody made by hand; None for the others."""
    if event.source == Source.RULES:
        return "rules"
    if event.source == Source.AI:
        return "ai"
    return "carrier" if is_carrier_move(event) else None


def _entered_before(earlier: list[TimelineEvent], status: Status) -> bool:
    # by position: a forced move back and forth enters a status again, which is not a second handover
    return any(e.kind == "status" and e.status == status for e in earlier)


def satisfaction_tallies(before: Order | None, after: Order) -> list[Tally]:
    """The request asked (on the day asked) and answered (with its score, on the day answered), once each."""
    old, new = (before.satisfaction if before is not None else None), after.satisfaction
    if new is None or new.channel is None:
        return []
    channel = f"satisfaction.{field(new.channel)}"
    tallies: list[Tally] = []
    if new.asked_at is not None and (old is None or old.asked_at is None):
        tallies.append(Tally(new.asked_at, f"{channel}.asked"))
    newly_answered = new.state == "answered" and (old is None or old.state != "answered")
    if newly_answered and new.score is not None and new.answered_at is not None:
        tallies += [
            Tally(new.answered_at, f"{channel}.answered"),
            Tally(new.answered_at, f"{channel}.score_sum", new.score),
        ]
        if new.score in SATISFIED:
            tallies.append(Tally(new.answered_at, f"{channel}.satisfied"))
    return tallies


def notification_channel(sent_on: str | None, entry_channel: str | None) -> str:
    """The channel a customer notification counts on, whatever its outcome: the one its message went out on
    (``sent_on``, the outbound message's channel); for one never sent, the channel its entry names, and
    ``unknown`` without either. The counts as things happen and a recount both file it here, so a channel's
    delivery rate is delivered out of sent on that one channel."""
    return sent_on or entry_channel or "unknown"


def notification_tally(channel: str, outcome: str, at: datetime) -> Tally:
    """A customer notification ``sent``, ``delivered`` or ``failed`` on ``channel`` at ``at``."""
    return Tally(at, f"notifications.{field(channel)}.{outcome}")


def promise_tallies(outcomes: Iterable[PromiseOutcome], at: datetime) -> list[Tally]:
    """Promises settled at ``at``: the kept and broken ones count (a void one, of a cancelled order, not)."""
    counted = (PromiseOutcome.KEPT, PromiseOutcome.BROKEN)
    return [Tally(at, f"promises.{outcome.value}") for outcome in outcomes if outcome in counted]


def message_tallies(at: datetime, intent: str | None) -> list[Tally]:
    """An inbound customer message: its local hour of day, and what it asked about when understood."""
    tallies = [Tally(at, "hours", hourly=True)]
    return tallies + ([Tally(at, f"intents.{field(intent)}")] if intent else [])


def by_day(tallies: Iterable[Tally], timezone: str) -> dict[str, DayCounts]:
    """The tallies summed per local day (``YYYY-MM-DD`` in ``timezone``) and counter; zeros left out."""
    tz = zone(timezone)
    days: dict[str, DayCounts] = {}
    for tally in tallies:
        aware = tally.at if tally.at.tzinfo is not None else tally.at.replace(tzinfo=UTC)
        local = aware.astimezone(tz)
        key = f"{tally.key}.{local.hour:02d}" if tally.hourly else tally.key
        counts = days.setdefault(local.date().isoformat(), {})
        counts[key] = counts.get(key, 0) + tally.amount
    return {
        day: {key: value for key, value in counts.items() if value}
        for day, counts in days.items()
        if any(counts.values())
    }


def merge(into: dict[str, DayCounts], more: Mapping[str, Mapping[str, float]]) -> None:
    """Add ``more`` (per day counters) into ``into``."""
    for day, counts in more.items():
        target = into.setdefault(day, {})
        for key, value in counts.items():
            target[key] = target.get(key, 0) + value


__all__ = [
    "BUCKETS",
    "CHANNELS",
    "DayCounts",
    "Tally",
    "automatic_mover",
    "bucket",
    "by_day",
    "field",
    "merge",
    "message_tallies",
    "notification_channel",
    "notification_tally",
    "order_tallies",
    "promise_tallies",
    "satisfaction_tallies",
    "whole_days",
]
