"""The order lifecycle: progress, the forward path and which moves are allowed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.lifecycle import (
    ACTIVE,
    FORWARD_PATH,
    TERMINAL,
    InvalidTransition,
    Status,
    check_transition,
    is_backwards,
    next_status,
    progress,
)

P, R, S, F, C = Status.PENDING, Status.PROCESSING, Status.SHIPPED, Status.FULFILLED, Status.CANCELLED

#: Every (current, target) pair with how the lifecycle treats it without ``force``:
#: "noop" (same status), "ok" (allowed) or "backwards" (needs force).
TRANSITIONS: list[tuple[Status, Status, str]] = [
    (P, P, "noop"),
    (P, R, "ok"),
    (P, S, "ok"),
    (P, F, "ok"),
    (P, C, "ok"),
    (R, P, "backwards"),
    (R, R, "noop"),
    (R, S, "ok"),
    (R, F, "ok"),
    (R, C, "ok"),
    (S, P, "backwards"),
    (S, R, "backwards"),
    (S, S, "noop"),
    (S, F, "ok"),
    (S, C, "ok"),
    (F, P, "backwards"),
    (F, R, "backwards"),
    (F, S, "backwards"),
    (F, F, "noop"),
    (F, C, "backwards"),
    (C, P, "backwards"),
    (C, R, "backwards"),
    (C, S, "backwards"),
    (C, F, "backwards"),
    (C, C, "noop"),
]

no_db = settings(database=None)


def test_the_table_covers_every_pair() -> None:
    assert {(a, b) for a, b, _ in TRANSITIONS} == {(a, b) for a in Status for b in Status}
    assert len(TRANSITIONS) == len(Status) ** 2


@pytest.mark.parametrize(
    ("status", "expected"),
    [(P, 25), (R, 50), (S, 75), (F, 100), (C, 0)],
)
def test_progress(status: Status, expected: int) -> None:
    assert progress(status) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [(P, R), (R, S), (S, F), (F, None), (C, None)],
)
def test_next_status(status: Status, expected: Status | None) -> None:
    assert next_status(status) == expected


def test_status_groups() -> None:
    assert FORWARD_PATH == (P, R, S, F)
    assert {F, C} == TERMINAL
    assert ACTIVE == (P, R, S)
    assert set(ACTIVE) | TERMINAL == set(Status)
    assert not set(ACTIVE) & TERMINAL


def test_statuses_are_their_wire_values() -> None:
    assert [s.value for s in Status] == ["pending", "processing", "shipped", "fulfilled", "cancelled"]
    assert Status("shipped") is S
    assert f"{S}" == "shipped"


@pytest.mark.parametrize(("current", "target", "kind"), TRANSITIONS)
def test_transition_without_force(current: Status, target: Status, kind: str) -> None:
    if kind == "backwards":
        with pytest.raises(InvalidTransition) as raised:
            check_transition(current, target)
        assert raised.value.current == current
        assert raised.value.target == target
        assert "use force" in str(raised.value)
        expected_why = "the order is closed" if current in TERMINAL else "that goes backwards"
        assert expected_why in str(raised.value)
    else:
        assert check_transition(current, target) is (kind == "ok")


@pytest.mark.parametrize(("current", "target", "kind"), TRANSITIONS)
def test_transition_with_force(current: Status, target: Status, kind: str) -> None:
    assert check_transition(current, target, force=True) is (kind != "noop")


@pytest.mark.parametrize(("current", "target", "kind"), TRANSITIONS)
def test_is_backwards_matches_the_table(current: Status, target: Status, kind: str) -> None:
    assert is_backwards(current, target) is (kind == "backwards")


@pytest.mark.parametrize("status", list(Status))
def test_same_status_is_a_no_op_even_with_force(status: Status) -> None:
    assert check_transition(status, status) is False
    assert check_transition(status, status, force=True) is False
    assert is_backwards(status, status) is False


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
@pytest.mark.parametrize("target", list(Status))
def test_leaving_a_terminal_status_needs_force(terminal: Status, target: Status) -> None:
    if target == terminal:
        assert check_transition(terminal, target) is False
        return
    assert is_backwards(terminal, target)
    with pytest.raises(InvalidTransition, match="the order is closed"):
        check_transition(terminal, target)
    assert check_transition(terminal, target, force=True) is True


@pytest.mark.parametrize("active", ACTIVE)
def test_any_active_order_may_be_cancelled(active: Status) -> None:
    assert not is_backwards(active, C)
    assert check_transition(active, C) is True


def test_invalid_transition_message() -> None:
    error = InvalidTransition(S, P, "that goes backwards; use force to override")
    assert str(error) == "cannot move from shipped to pending: that goes backwards; use force to override"


# -- properties ------------------------------------------------------------------------------------

statuses = st.sampled_from(list(Status))


@no_db
@given(current=statuses, target=statuses)
def test_check_transition_raises_exactly_for_backwards_moves(current: Status, target: Status) -> None:
    assert check_transition(current, target, force=True) is (current != target)
    if is_backwards(current, target):
        with pytest.raises(InvalidTransition):
            check_transition(current, target)
    else:
        assert check_transition(current, target) is (current != target)


@no_db
@given(current=statuses, target=statuses)
def test_a_move_that_loses_progress_is_backwards_or_a_cancel(current: Status, target: Status) -> None:
    if progress(target) < progress(current):
        assert is_backwards(current, target) or target == C


@no_db
@given(st.lists(st.sampled_from(FORWARD_PATH), max_size=20))
def test_forward_only_moves_never_lose_progress(targets: list[Status]) -> None:
    """Any sequence of attempted moves along the forward path, skipping the refused ones."""
    status = P
    seen = [progress(status)]
    for target in targets:
        if is_backwards(status, target):
            with pytest.raises(InvalidTransition):
                check_transition(status, target)
            continue
        if check_transition(status, target):
            status = target
        seen.append(progress(status))
    assert seen == sorted(seen)


@no_db
@given(statuses)
def test_following_next_status_walks_the_forward_path(start: Status) -> None:
    walked = [start]
    while (step := next_status(walked[-1])) is not None:
        assert check_transition(walked[-1], step) is True
        assert progress(step) == progress(walked[-1]) + 25
        walked.append(step)
    assert walked[-1] in TERMINAL
    if start != C:
        assert walked == list(FORWARD_PATH[FORWARD_PATH.index(start) :])
