"""The analytics tallies (``orders.analytics``), the recount's notification rules and the report's shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from orders import analytics, domain
from orders.analytics import Tally, bucket, by_day, notification_channel, order_tallies
from orders.analytics_recount import notification_tallies
from orders.analytics_report import report
from orders.lifecycle import Status
from orders.model import (
    Direction,
    Message,
    MessageId,
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    PromiseOutcome,
    Satisfaction,
    ShopId,
    Source,
)
from tests.unit.test_domain import make_order

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def keys(tallies: list[Tally]) -> list[tuple[str, float]]:
    return sorted((t.key, t.amount) for t in tallies)


def moved(
    order: Order, target: Status, at: datetime, source: Source = Source.STAFF, note: str | None = None
) -> Order:
    after = domain.move(order, target, at=at, source=source, note=note)
    assert after is not None
    return after


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-1, "0"),
        (0, "0"),
        (7, "7"),
        (8, "8-10"),
        (10, "8-10"),
        (11, "11-14"),
        (21, "15-21"),
        (22, "22+"),
        (90, "22+"),
    ],
)
def test_whole_days_fall_into_their_bucket(days: int, label: str) -> None:
    assert bucket(days) == label


def test_a_new_order_counts_as_new_and_in_its_status() -> None:
    order = make_order(created_at=T0, status_since=T0)
    assert keys(order_tallies(None, order)) == [("new_orders", 1), ("status.pending", 1)]


def test_moves_count_the_status_entered_who_moved_it_and_the_first_handover_and_delivery() -> None:
    created = make_order(created_at=T0)
    processing = moved(created, Status.PROCESSING, T0 + timedelta(hours=25), Source.RULES)
    assert keys(order_tallies(created, processing)) == [("moves.rules", 1), ("status.processing", 1)]
    shipped = moved(processing, Status.SHIPPED, T0 + timedelta(days=2, hours=1), Source.AI)
    assert keys(order_tallies(processing, shipped)) == [
        ("handover.b2", 1), ("handover.days", 2), ("moves.ai", 1), ("status.shipped", 1),
    ]  # fmt: skip
    delivered = moved(
        shipped, Status.FULFILLED, T0 + timedelta(days=9), Source.WEBHOOK, note=domain.CARRIER_DELIVERED
    )
    assert keys(order_tallies(shipped, delivered)) == [
        ("delivery.b8-10", 1), ("delivery.days", 9), ("moves.carrier", 1), ("status.fulfilled", 1),
    ]  # fmt: skip
    # the whole history at once is the sum of its steps: what a recount relies on
    steps = order_tallies(None, created) + order_tallies(created, processing)
    steps += order_tallies(processing, shipped) + order_tallies(shipped, delivered)
    assert keys(order_tallies(None, delivered)) == keys(steps)


def test_a_shop_or_staff_move_is_not_automatic_and_a_second_shipping_is_no_second_handover() -> None:
    shipped = moved(make_order(created_at=T0), Status.SHIPPED, T0 + timedelta(days=1), Source.WEBHOOK)
    back = domain.move(shipped, Status.PROCESSING, at=T0 + timedelta(days=2), source=Source.STAFF, force=True)
    assert back is not None
    again = moved(back, Status.SHIPPED, T0 + timedelta(days=3), Source.STAFF)
    assert keys(order_tallies(back, again)) == [("status.shipped", 1)]
    assert keys(order_tallies(make_order(created_at=T0), shipped)) == [
        ("handover.b1", 1), ("handover.days", 1), ("status.shipped", 1),
    ]  # fmt: skip


def test_satisfaction_counts_asked_and_answered_once_on_their_own_days() -> None:
    due = T0 + timedelta(days=1)
    scheduled = make_order(Status.FULFILLED, satisfaction=Satisfaction(state="scheduled", due_at=due))
    asked = scheduled.model_copy(
        update={"satisfaction": Satisfaction(state="asked", due_at=due, channel="sms", asked_at=due)}
    )
    answered_at = due + timedelta(hours=30)
    answered = asked.model_copy(
        update={
            "satisfaction": Satisfaction(
                state="answered", due_at=due, channel="sms", asked_at=due, score=4, answered_at=answered_at
            )
        }
    )
    assert order_tallies(scheduled, asked) == [Tally(due, "satisfaction.sms.asked")]
    assert keys(order_tallies(asked, answered)) == [
        ("satisfaction.sms.answered", 1), ("satisfaction.sms.satisfied", 1), ("satisfaction.sms.score_sum", 4),
    ]  # fmt: skip
    assert order_tallies(answered, answered) == []
    assert {t.at for t in order_tallies(asked, answered)} == {answered_at}


def test_tallies_fall_on_the_shops_local_day_and_hour() -> None:
    late = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)  # 23:30 in Berlin, 17:30 in New York
    tallies = [*analytics.message_tallies(late, "tracking"), Tally(late + timedelta(hours=1), "new_orders")]
    assert by_day(tallies, "Europe/Berlin") == {
        "2026-11-02": {"hours.23": 1, "intents.tracking": 1},
        "2026-11-03": {"new_orders": 1},
    }
    assert by_day(tallies, "America/New_York") == {
        "2026-11-02": {"hours.17": 1, "intents.tracking": 1, "new_orders": 1}
    }


def test_only_kept_and_broken_promises_count() -> None:
    outcomes = [PromiseOutcome.KEPT, PromiseOutcome.VOID, PromiseOutcome.BROKEN]
    assert keys(analytics.promise_tallies(outcomes, T0)) == [("promises.broken", 1), ("promises.kept", 1)]


def entry(state: OutboxState, kind: OutboxKind = OutboxKind.STATUS_UPDATE, sent: bool = True) -> OutboxEntry:
    return OutboxEntry(
        id=NotificationId("ntf_1"), shop_id=ShopId("shp_1"), kind=kind, channel="sms", state=state,
        due_at=T0, idempotency_key="k", created_at=T0, sent_at=T0 if sent else None,
    )  # fmt: skip


def carried(at: datetime) -> Message:
    return Message(
        id=MessageId("msg_1"), shop_id=ShopId("shp_1"), channel="whatsapp", direction=Direction.OUTBOUND,
        provider_id="SM1", sender="a", recipient="b", state="delivered", created_at=T0, updated_at=at,
    )  # fmt: skip


def test_a_notification_counts_sent_and_its_outcome_on_its_messages_channel_and_day() -> None:
    later = T0 + timedelta(days=1)
    assert notification_tallies(entry(OutboxState.DELIVERED), carried(later)) == [
        Tally(T0, "notifications.whatsapp.sent"), Tally(later, "notifications.whatsapp.delivered"),
    ]  # fmt: skip
    assert notification_tallies(entry(OutboxState.DEAD, sent=False), None) == [
        Tally(T0, "notifications.sms.failed")
    ]
    assert notification_tallies(entry(OutboxState.QUEUED, sent=False), None) == []
    assert notification_tallies(entry(OutboxState.SENT, OutboxKind.STAFF_ALERT), None) == []


def test_the_report_fills_every_day_and_key_and_leaves_ratios_null_without_a_denominator() -> None:
    docs: dict[str, dict[str, Any]] = {
        "2026-11-02": {"new_orders": 2, "status": {"pending": 2}, "handover": {"b1": 1, "days": 1},
                       "notifications": {"sms": {"sent": 2, "delivered": 1}, "console": {"sent": 1}},
                       "promises": {"kept": 3, "broken": 1}, "hours": {"09": 4}, "intents": {"tracking": 4}},
        "2026-11-04": {"moves": {"carrier": 1}, "satisfaction": {"sms": {"asked": 2, "answered": 1,
                       "score_sum": 5, "satisfied": 1}}},
        "2026-11-09": {"new_orders": 7},  # outside the range
    }  # fmt: skip
    figures = report(docs, date(2026, 11, 1), date(2026, 11, 4), "Europe/Berlin")
    assert figures.days == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    assert figures.new_orders == [0, 2, 0, 0]
    assert (
        figures.orders_by_status["pending"] == [0, 2, 0, 0]
        and figures.orders_by_status["cancelled"] == [0] * 4
    )
    assert figures.handover_days.counts[1] == 1 and figures.handover_days.mean == 1.0
    assert figures.delivery_days.mean is None
    assert list(figures.notifications) == ["whatsapp", "sms", "instagram", "email", "console"]
    assert figures.notifications["sms"].delivery_rate == 0.5
    assert figures.notifications["whatsapp"].delivery_rate is None
    assert figures.kept_share == 0.75 and figures.promises_kept == [0, 3, 0, 0]
    assert figures.automatic_moves == {"rules": [0] * 4, "ai": [0] * 4, "carrier": [0, 0, 0, 1]}
    assert figures.satisfaction["sms"].average == 5.0 and figures.satisfaction["sms"].response_rate == 0.5
    assert figures.messages_by_hour[9] == 4 and len(figures.messages_by_hour) == 24
    assert figures.intents == {"tracking": 4}


def test_a_notification_counts_on_the_channel_its_message_went_on_else_its_entrys() -> None:
    """One rule for the live counts (sent, delivered locally, a provider's report) and the recount."""
    assert notification_channel("console", "whatsapp") == "console"  # a simulator's WhatsApp-style update
    assert notification_channel(None, "sms") == "sms"  # failed before any message went out
    assert notification_channel(None, None) == "unknown"
