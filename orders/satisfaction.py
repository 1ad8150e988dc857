"""A delivered order's satisfaction request, from scheduled to answered: pure functions over the order.

One request per order (its ``Order.satisfaction``, and an outbox entry keyed by the order), scheduled when
the customer is told the order was delivered; the dispatcher moves it into the customer's daytime, asks on
the channel they use, and records where it went (``asked``) or why it could not (``skipped``). An answer
counts only while the request is open (``answered``). Every step lands on the timeline, and the shop's
counters follow it (``deltas``), so stats never scan orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from orders.lifecycle import Status
from orders.model import (
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    Satisfaction,
    Shop,
    Source,
    TimelineEvent,
    new_id,
)

#: How long after asking an answer by chat counts: people answer a "how was it?" within hours, and a bare
#: number days later is more likely about something else.
CHAT_ANSWER_WINDOW = timedelta(days=3)
#: How long the answer links in an email work: email is read later than chats.
EMAIL_ANSWER_WINDOW = timedelta(days=14)
#: The longest comment kept with a score (a chat message is at most 1,600 characters).
MAX_COMMENT = 500
#: Scores that count as satisfied (the "share of 4-5"), and those that alert staff at once.
SATISFIED = frozenset({4, 5})
LOW_SCORES = frozenset({1, 2})
KIND = "satisfaction"


def delay_hours(shop: Shop, default_hours: float | None) -> float | None:
    """Hours after delivery the request goes: the shop's own, else the service's; None: not asked."""
    own = shop.notify.csat_delay_hours
    if own == "off":
        return None
    return own if own is not None else default_hours


def idempotency_key(order: Order) -> str:
    return f"satisfaction:{order.id}"


def schedule(
    shop: Shop,
    before: Order | None,
    after: Order,
    pending: list[OutboxEntry],
    now: datetime,
    default_hours: float | None,
) -> tuple[Order, list[OutboxEntry]]:
    """``after`` and ``pending`` with the order's satisfaction request added, when this change delivers it.

    Only a move to fulfilled the customer is told of (its status update is in ``pending``: not an import,
    not a staff move with ``notify`` off), only once per order, and not when the shop turned requests off.
    Due ``delay_hours`` after the customer is told: a delivery reported late is not asked about at once,
    beside the news of it.
    """
    told = any(e.kind == OutboxKind.STATUS_UPDATE and e.status == Status.FULFILLED for e in pending)
    delivered_now = after.status == Status.FULFILLED and (before is None or before.status != Status.FULFILLED)
    hours = delay_hours(shop, default_hours)
    if not (told and delivered_now) or after.satisfaction is not None or hours is None:
        return after, pending
    due = now + timedelta(hours=hours)
    entry = OutboxEntry(
        id=NotificationId(new_id("ntf")),
        shop_id=after.shop_id,
        order_id=after.id,
        kind=OutboxKind.SATISFACTION,
        status=after.status,
        due_at=due,
        idempotency_key=idempotency_key(after),
        created_at=now,
    )
    scheduled = after.model_copy(update={"satisfaction": Satisfaction(state="scheduled", due_at=due)})
    return scheduled, [*pending, entry]


def _noted(order: Order, survey: Satisfaction, note: str, at: datetime, actor: str | None = None) -> Order:
    event = TimelineEvent(
        kind=KIND, status=order.status, at=at, source=Source.WEBHOOK if actor else Source.RULES, actor=actor,
        note=note,
    )  # fmt: skip
    return order.model_copy(
        update={"satisfaction": survey, "timeline": [*order.timeline, event], "updated_at": at}
    )


def asked(order: Order, channel: str, at: datetime) -> Order | None:
    """The order with its request sent on ``channel``; None when it is not waiting to be sent."""
    survey = order.satisfaction
    if survey is None or survey.state != "scheduled":
        return None
    update = {"state": "asked", "channel": channel, "asked_at": at}
    return _noted(order, survey.model_copy(update=update), f"satisfaction request sent on {channel}", at)


def skipped(order: Order, reason: str, at: datetime) -> Order | None:
    """The order with its request given up, and why, on the timeline; None when it is not waiting."""
    survey = order.satisfaction
    if survey is None or survey.state != "scheduled":
        return None
    note = f"satisfaction request not sent: {reason}"
    return _noted(order, survey.model_copy(update={"state": "skipped", "reason": reason}), note, at)


def is_open(order: Order, now: datetime, window: timedelta) -> bool:
    """Whether the order's request was sent and waits for its answer, asked no longer than ``window`` ago."""
    survey = order.satisfaction
    return (
        survey is not None
        and survey.state == "asked"
        and survey.asked_at is not None
        and now - survey.asked_at <= window
    )


def answered(order: Order, score: int, comment: str | None, at: datetime, via: str) -> Order | None:
    """The order with the customer's answer; None when its request is not waiting for one.

    ``via`` says how it came (the channel, or ``email link``).
    """
    survey = order.satisfaction
    if survey is None or survey.state != "asked" or not 1 <= score <= 5:
        return None
    kept = (comment or "").strip()[:MAX_COMMENT] or None
    update = {"state": "answered", "score": score, "comment": kept, "answered_at": at}
    note = f"rated {score}/5 by {via}" + (f": {kept}" if kept else "")
    return _noted(order, survey.model_copy(update=update), note, at, actor="customer")


def deltas(before: Order | None, after: Order) -> dict[str, float]:
    """Counter changes when a request was asked or answered: per channel asked and answered, and the scores.

    ``satisfaction.asked.<channel>``, ``satisfaction.answered.<channel>``, ``satisfaction.score_sum.<channel>``
    and ``satisfaction.satisfied.<channel>`` (answers of 4 or 5).
    """
    old = before.satisfaction if before is not None else None
    new = after.satisfaction
    if new is None or new.channel is None or (old is not None and old.state == new.state):
        return {}
    channel = new.channel
    if new.state == "asked":
        return {f"satisfaction.asked.{channel}": 1}
    if new.state == "answered" and new.score is not None:
        changes: dict[str, float] = {
            f"satisfaction.answered.{channel}": 1,
            f"satisfaction.score_sum.{channel}": new.score,
        }
        if new.score in SATISFIED:
            changes[f"satisfaction.satisfied.{channel}"] = 1
        return changes
    return {}


@dataclass(frozen=True)
class Figures:
    """Satisfaction over some requests: how many were asked and answered, and what the answers say."""

    asked: int
    answered: int
    average: float | None
    satisfied_share: float | None
    response_rate: float | None


@dataclass(frozen=True)
class Summary:
    """The shop's satisfaction in all and per channel the requests went on."""

    overall: Figures
    by_channel: dict[str, Figures]


def _figures(asked: float, answered: float, score_sum: float, satisfied: float) -> Figures:
    return Figures(
        asked=int(asked),
        answered=int(answered),
        average=round(score_sum / answered, 2) if answered else None,
        satisfied_share=round(satisfied / answered, 4) if answered else None,
        response_rate=round(answered / asked, 4) if asked else None,
    )


def summary(counters: Mapping[str, float]) -> Summary:
    """The figures from the shop's flattened counters (``satisfaction.<what>.<channel>``, see ``deltas``)."""
    per: dict[str, dict[str, float]] = {}
    for key, value in counters.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "satisfaction":
            per.setdefault(parts[2], {})[parts[1]] = value
    names = ("asked", "answered", "score_sum", "satisfied")
    by_channel = {
        channel: _figures(*(values.get(name, 0) for name in names)) for channel, values in sorted(per.items())
    }
    totals = (sum(values.get(name, 0) for values in per.values()) for name in names)
    return Summary(_figures(*totals), by_channel)


__all__ = [
    "CHAT_ANSWER_WINDOW",
    "EMAIL_ANSWER_WINDOW",
    "LOW_SCORES",
    "MAX_COMMENT",
    "SATISFIED",
    "Figures",
    "Summary",
    "answered",
    "asked",
    "delay_hours",
    "deltas",
    "is_open",
    "schedule",
    "skipped",
    "summary",
]
