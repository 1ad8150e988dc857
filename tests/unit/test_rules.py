"""Attention reasons and rule-based progression, at and around every threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.lifecycle import ACTIVE, TERMINAL, Status
from orders.model import Decision, Order, OrderId, ShopId, Source, Thresholds, Tracking
from orders.rules import (
    FLAG_REASONS,
    STALE_REASON,
    Reason,
    age_hours,
    allowed_moves,
    attention_reasons,
    decide_progression,
    is_confident,
    stale_after,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
JUST = timedelta(seconds=1)
DEFAULTS = Thresholds()
no_db = settings(database=None)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def make_order(
    status: Status = Status.PENDING,
    *,
    in_status_for: timedelta = timedelta(0),
    created_ago: timedelta | None = None,
    contacted: bool = True,
    **fields: Any,
) -> Order:
    """An order that has been in ``status`` for ``in_status_for`` at NOW (and contacted unless told)."""
    since = NOW - in_status_for
    created = NOW - created_ago if created_ago is not None else since
    return Order(
        id=OrderId("ord_1"),
        shop_id=ShopId("shp_1"),
        external_id="1001",
        number="#1001",
        status=status,
        status_since=since,
        created_at=created,
        updated_at=since,
        last_customer_contact_at=created if contacted else None,
        **fields,
    )


# -- thresholds and stale_after ----------------------------------------------------------------------


def test_default_thresholds_are_the_designs() -> None:
    assert DEFAULTS.pending_too_long_hours == 48
    assert DEFAULTS.stuck_processing_hours == 72
    assert DEFAULTS.stuck_shipped_hours == 240
    assert DEFAULTS.no_contact_hours == 24
    assert DEFAULTS.auto_process_after_hours == 24
    assert DEFAULTS.confidence_threshold == 0.8
    assert DEFAULTS.auto_progress is False


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.PENDING, hours(48)),
        (Status.PROCESSING, hours(72)),
        (Status.SHIPPED, timedelta(days=10)),
        (Status.FULFILLED, None),
        (Status.CANCELLED, None),
    ],
)
def test_stale_after_defaults(status: Status, expected: timedelta | None) -> None:
    assert stale_after(status, DEFAULTS) == expected


@pytest.mark.parametrize("status", list(Status))
def test_stale_after_override_applies_to_active_statuses_only(status: Status) -> None:
    expected = hours(5) if status in ACTIVE else None
    assert stale_after(status, DEFAULTS, max_age_hours=5) == expected


def test_age_hours_is_rounded_to_a_tenth() -> None:
    order = make_order(in_status_for=timedelta(hours=3, minutes=20))
    assert age_hours(order, NOW) == 3.3
    assert age_hours(make_order(), NOW) == 0


# -- attention_reasons -----------------------------------------------------------------------------

STALE_CASES = [
    (Status.PENDING, 48, Reason.PENDING_TOO_LONG),
    (Status.PROCESSING, 72, Reason.STUCK_PROCESSING),
    (Status.SHIPPED, 240, Reason.STUCK_SHIPPED),
]


@pytest.mark.parametrize(("status", "limit", "reason"), STALE_CASES)
def test_stale_reason_at_the_threshold(status: Status, limit: float, reason: Reason) -> None:
    assert attention_reasons(make_order(status, in_status_for=hours(limit)), DEFAULTS, NOW) == [reason]


@pytest.mark.parametrize(("status", "limit", "reason"), STALE_CASES)
def test_stale_reason_just_below_the_threshold(status: Status, limit: float, reason: Reason) -> None:
    order = make_order(status, in_status_for=hours(limit) - JUST)
    assert attention_reasons(order, DEFAULTS, NOW) == []


@pytest.mark.parametrize(
    ("status", "field"),
    [
        (Status.PENDING, "pending_too_long_hours"),
        (Status.PROCESSING, "stuck_processing_hours"),
        (Status.SHIPPED, "stuck_shipped_hours"),
    ],
)
def test_per_shop_thresholds_change_the_outcome(status: Status, field: str) -> None:
    order = make_order(status, in_status_for=hours(6))
    assert attention_reasons(order, DEFAULTS, NOW) == []
    strict = Thresholds(**{field: 6})
    assert attention_reasons(order, strict, NOW) == [STALE_REASON[status]]
    assert attention_reasons(order, Thresholds(**{field: 6.01}), NOW) == []
    # Only the status's own threshold matters.
    others = Thresholds(
        **{
            f: 1
            for f in ("pending_too_long_hours", "stuck_processing_hours", "stuck_shipped_hours")
            if f != field
        }
    )
    assert attention_reasons(order, others, NOW) == []


@pytest.mark.parametrize(("status", "limit", "reason"), STALE_CASES)
def test_max_age_hours_overrides_the_shop_threshold(status: Status, limit: float, reason: Reason) -> None:
    young = make_order(status, in_status_for=hours(2))
    assert attention_reasons(young, DEFAULTS, NOW) == []
    assert attention_reasons(young, DEFAULTS, NOW, max_age_hours=2) == [reason]
    assert attention_reasons(young, DEFAULTS, NOW, max_age_hours=2.01) == []
    # ... also when it is laxer than the shop's rule.
    old = make_order(status, in_status_for=hours(limit))
    assert attention_reasons(old, DEFAULTS, NOW, max_age_hours=limit + 1) == []


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_orders_are_never_stale(status: Status) -> None:
    order = make_order(status, in_status_for=timedelta(days=365), contacted=False)
    assert attention_reasons(order, DEFAULTS, NOW) == []
    assert attention_reasons(order, DEFAULTS, NOW, max_age_hours=0) == []


@pytest.mark.parametrize("status", ACTIVE)
def test_no_customer_contact_at_and_below_the_threshold(status: Status) -> None:
    at = make_order(status, created_ago=hours(24), contacted=False)
    below = make_order(status, created_ago=hours(24) - JUST, contacted=False)
    assert attention_reasons(at, DEFAULTS, NOW) == [Reason.NO_CUSTOMER_CONTACT]
    assert attention_reasons(below, DEFAULTS, NOW) == []


def test_no_customer_contact_is_measured_from_creation_not_status() -> None:
    order = make_order(Status.PROCESSING, in_status_for=hours(1), created_ago=hours(30), contacted=False)
    assert attention_reasons(order, DEFAULTS, NOW) == [Reason.NO_CUSTOMER_CONTACT]


@pytest.mark.parametrize("status", ACTIVE)
def test_no_customer_contact_only_without_contact(status: Status) -> None:
    order = make_order(status, created_ago=timedelta(days=30), contacted=True)
    reasons = attention_reasons(order, DEFAULTS, NOW, max_age_hours=1000)
    assert Reason.NO_CUSTOMER_CONTACT not in reasons


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_no_customer_contact_only_for_active_orders(status: Status) -> None:
    order = make_order(status, created_ago=timedelta(days=30), contacted=False)
    assert Reason.NO_CUSTOMER_CONTACT not in attention_reasons(order, DEFAULTS, NOW)


def test_no_contact_hours_is_per_shop() -> None:
    order = make_order(created_ago=hours(3), contacted=False)
    assert attention_reasons(order, DEFAULTS, NOW) == []
    assert attention_reasons(order, Thresholds(no_contact_hours=3), NOW) == [Reason.NO_CUSTOMER_CONTACT]
    assert attention_reasons(order, Thresholds(no_contact_hours=3.01), NOW) == []


@pytest.mark.parametrize("reason", [Reason.NOTIFICATION_FAILED, Reason.CUSTOMER_WAITING])
@pytest.mark.parametrize("status", list(Status))
def test_flags_are_reasons_in_any_status(reason: Reason, status: Status) -> None:
    order = make_order(status, flags=[reason.value])
    assert attention_reasons(order, DEFAULTS, NOW) == [reason]


@pytest.mark.parametrize("status", list(Status))
def test_a_delivery_problem_needs_attention_only_while_the_order_is_shipped(status: Status) -> None:
    order = make_order(status, flags=[Reason.DELIVERY_PROBLEM.value])
    reasons = attention_reasons(order, DEFAULTS, NOW)
    assert (Reason.DELIVERY_PROBLEM in reasons) == (status == Status.SHIPPED)


def test_flag_reasons_are_the_event_driven_ones() -> None:
    assert FLAG_REASONS == (
        Reason.NOTIFICATION_FAILED, Reason.CUSTOMER_WAITING, Reason.DELIVERY_PROBLEM, Reason.PROMISE_AT_RISK,
    )  # fmt: skip


def test_a_promise_at_risk_needs_attention_only_while_the_order_is_on_its_way() -> None:
    flagged = ["promise_at_risk"]
    assert attention_reasons(make_order(Status.SHIPPED, flags=flagged), DEFAULTS, NOW) == [
        Reason.PROMISE_AT_RISK
    ]
    assert attention_reasons(make_order(Status.PROCESSING, flags=flagged), DEFAULTS, NOW) == [
        Reason.PROMISE_AT_RISK
    ]
    assert attention_reasons(make_order(Status.FULFILLED, flags=flagged), DEFAULTS, NOW) == []


def test_unknown_flags_are_ignored() -> None:
    assert attention_reasons(make_order(flags=["vip", "pending_too_long"]), DEFAULTS, NOW) == []


def test_every_reason_at_once_in_a_stable_order() -> None:
    order = make_order(
        Status.PENDING,
        in_status_for=hours(48),
        contacted=False,
        flags=["customer_waiting", "notification_failed"],
    )
    assert attention_reasons(order, DEFAULTS, NOW) == [
        Reason.PENDING_TOO_LONG,
        Reason.NO_CUSTOMER_CONTACT,
        Reason.NOTIFICATION_FAILED,
        Reason.CUSTOMER_WAITING,
    ]


def test_reason_values() -> None:
    assert {r.value for r in Reason} == {
        "pending_too_long",
        "stuck_processing",
        "stuck_shipped",
        "no_customer_contact",
        "notification_failed",
        "customer_waiting",
        "delivery_problem",
        "promise_at_risk",
    }


# -- decide_progression ----------------------------------------------------------------------------


def test_pending_moves_on_at_24_hours() -> None:
    decision = decide_progression(make_order(in_status_for=hours(24)), DEFAULTS, NOW)
    assert decision.should_progress is True
    assert decision.next_status == Status.PROCESSING
    assert decision.source == Source.RULES
    assert decision.confidence == 1.0
    assert decision.reason == "pending for 24 h (rule: move on after 24 h)"


def test_pending_waits_just_below_24_hours() -> None:
    decision = decide_progression(make_order(in_status_for=hours(24) - JUST), DEFAULTS, NOW)
    assert decision.should_progress is False
    assert decision.next_status is None
    assert "moves on after 24 h" in decision.reason


def test_pending_waits_with_a_fresh_order() -> None:
    decision = decide_progression(make_order(in_status_for=hours(1.5)), DEFAULTS, NOW)
    assert decision.should_progress is False
    assert decision.reason == "pending for 1.5 h; moves on after 24 h"


def test_auto_process_after_hours_is_per_shop() -> None:
    order = make_order(in_status_for=hours(2))
    assert decide_progression(order, DEFAULTS, NOW).should_progress is False
    quick = decide_progression(order, Thresholds(auto_process_after_hours=2), NOW)
    assert quick.should_progress is True
    assert quick.next_status == Status.PROCESSING
    assert quick.reason == "pending for 2 h (rule: move on after 2 h)"


def test_processing_with_a_tracking_number_ships() -> None:
    order = make_order(Status.PROCESSING, tracking=Tracking(carrier="DHL", number="JD0001"))
    decision = decide_progression(order, DEFAULTS, NOW)
    assert decision.should_progress is True
    assert decision.next_status == Status.SHIPPED
    assert decision.reason == "tracking number JD0001 exists"


@pytest.mark.parametrize(
    "tracking", [None, Tracking(), Tracking(carrier="DHL", url="https://example.test"), Tracking(number="")]
)
def test_processing_without_a_tracking_number_waits(tracking: Tracking | None) -> None:
    order = make_order(Status.PROCESSING, in_status_for=timedelta(days=30), tracking=tracking)
    decision = decide_progression(order, DEFAULTS, NOW)
    assert decision.should_progress is False
    assert decision.next_status is None
    assert decision.reason == "waiting for a tracking number before shipping"


def test_shipped_never_auto_fulfils() -> None:
    order = make_order(Status.SHIPPED, in_status_for=timedelta(days=365), tracking=Tracking(number="X1"))
    decision = decide_progression(order, Thresholds(auto_process_after_hours=0), NOW)
    assert decision.should_progress is False
    assert decision.next_status is None
    assert "shop, the carrier or staff" in decision.reason


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_statuses_never_progress(status: Status) -> None:
    decision = decide_progression(make_order(status, in_status_for=timedelta(days=365)), DEFAULTS, NOW)
    assert decision.should_progress is False
    assert decision.next_status is None
    assert decision.reason == f"order is {status.value}; nothing follows"


# -- allowed_moves ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.PENDING, [Status.PROCESSING]),
        (Status.PROCESSING, [Status.SHIPPED]),
        (Status.SHIPPED, []),
        (Status.FULFILLED, []),
        (Status.CANCELLED, []),
    ],
)
def test_allowed_moves(status: Status, expected: list[Status]) -> None:
    moves = allowed_moves(make_order(status))
    assert moves == expected
    assert Status.FULFILLED not in moves
    assert Status.CANCELLED not in moves


# -- is_confident ----------------------------------------------------------------------------------


def _decision(confidence: float, should_progress: bool = True) -> Decision:
    return Decision(
        should_progress=should_progress,
        next_status=Status.PROCESSING if should_progress else None,
        reason="test",
        confidence=confidence,
        source=Source.AI,
    )


@pytest.mark.parametrize(
    ("confidence", "threshold", "expected"),
    [
        (0.8, 0.8, True),  # at
        (0.79, 0.8, False),  # below
        (0.81, 0.8, True),  # above
        (0.5, 0.5, True),
        (0.49, 0.5, False),
        (1.0, 1.0, True),
        (0.0, 0.0, True),
    ],
)
def test_is_confident(confidence: float, threshold: float, expected: bool) -> None:
    assert is_confident(_decision(confidence), Thresholds(confidence_threshold=threshold)) is expected


def test_a_decision_not_to_progress_is_never_confident() -> None:
    assert is_confident(_decision(1.0, should_progress=False), Thresholds(confidence_threshold=0)) is False


def test_rule_decisions_are_confident_under_the_default_threshold() -> None:
    decision = decide_progression(make_order(in_status_for=hours(24)), DEFAULTS, NOW)
    assert is_confident(decision, DEFAULTS)


# -- properties ------------------------------------------------------------------------------------

statuses = st.sampled_from(list(Status))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60))
positive_hours = st.floats(min_value=0, max_value=500, allow_nan=False)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    in_status = draw(durations)
    before_status = draw(durations)
    return make_order(
        draw(statuses),
        in_status_for=in_status,
        created_ago=in_status + before_status,
        contacted=draw(st.booleans()),
        flags=draw(st.lists(st.sampled_from([r.value for r in Reason] + ["vip"]), unique=True)),
        tracking=draw(st.none() | st.builds(Tracking, number=st.none() | st.text(max_size=5))),
    )


@st.composite
def thresholds(draw: st.DrawFn) -> Thresholds:
    return Thresholds(
        pending_too_long_hours=draw(positive_hours),
        stuck_processing_hours=draw(positive_hours),
        stuck_shipped_hours=draw(positive_hours),
        no_contact_hours=draw(positive_hours),
        auto_process_after_hours=draw(positive_hours),
    )


@no_db
@given(orders(), thresholds(), durations)
def test_attention_never_goes_away_with_time_alone(order: Order, rules: Thresholds, later: timedelta) -> None:
    earlier = attention_reasons(order, rules, NOW)
    assert set(earlier) <= set(attention_reasons(order, rules, NOW + later))


@no_db
@given(orders(), thresholds())
def test_reasons_are_unique_and_stale_only_for_the_current_status(order: Order, rules: Thresholds) -> None:
    reasons = attention_reasons(order, rules, NOW)
    assert len(reasons) == len(set(reasons))
    stale = [r for r in reasons if r in STALE_REASON.values()]
    assert stale in ([], [STALE_REASON.get(order.status)])


@no_db
@given(orders(), thresholds())
def test_rule_decisions_stay_within_the_allowed_moves(order: Order, rules: Thresholds) -> None:
    decision = decide_progression(order, rules, NOW)
    allowed = allowed_moves(order)
    assert Status.FULFILLED not in allowed
    assert Status.CANCELLED not in allowed
    if decision.should_progress:
        assert decision.next_status in allowed
    else:
        assert decision.next_status is None
