"""Progression advice: Gemini may choose among the moves the rules allow, never outside them.

The advisor is told statuses, ages, flags and booleans only (no free text, no personal data), and its
answer passes guardrails before it becomes a decision: a confidence that is not a number, a move the
rules do not allow, or "shipped" without a tracking number gives the rules' own decision instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.ai.gemini import STRICT, Gemini, json_data
from orders.lifecycle import Status
from orders.model import Decision, Order, Shop, Source
from orders.rules import FLAG_REASONS, age_hours

Clock = Callable[[], datetime]

REASON_LIMIT = 200


class Advice(BaseModel):
    """What Gemini answers about an order's progression."""

    model_config = STRICT

    should_progress: bool = Field(description="true to move the order to next_status now")
    next_status: str | None = Field(None, description="one of allowed_moves, or null")
    reason: str = Field(description="one short sentence for the shop's staff")
    confidence: float = Field(description="0 to 1", json_schema_extra={"minimum": 0.0, "maximum": 1.0})


ADVISOR_SYSTEM = """You advise an online shop's order desk whether one order should move to its next status.
You get facts about the order as JSON data. Shop policy: a pending order moves to processing once it has
waited auto_process_after_hours; a processing order moves to shipped only when has_tracking is true;
fulfilment and cancelling are never yours to choose. next_status must be one of allowed_moves; when
allowed_moves is empty or you are unsure, answer should_progress false. confidence is your probability
(0 to 1) that moving now is right. reason is one short sentence for staff, without personal data."""


def clamp_confidence(value: float) -> float | None:
    """``value`` held to 0..1; None when it is not a number at all (NaN, infinity)."""
    if not math.isfinite(value):
        return None
    return round(min(1.0, max(0.0, value)), 3)


def trim_reason(text: str, limit: int = REASON_LIMIT) -> str:
    """One line of printable text, cut at a word to at most ``limit`` characters."""
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0] if " " in line[: limit - 1] else line[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


def advisor_facts(
    order: Order, shop: Shop, allowed: list[Status], rules_decision: Decision, now: datetime
) -> dict[str, Any]:
    """What the advisor is told: statuses, ages, flags and booleans only, never free text."""
    return {
        "status": order.status.value,
        "hours_in_status": age_hours(order, now),
        "hours_since_created": round((now - order.created_at).total_seconds() / 3600, 1),
        "has_tracking": bool(order.tracking and order.tracking.number),
        "item_count": sum(item.quantity for item in order.items),
        "flags": [reason.value for reason in FLAG_REASONS if reason.value in order.flags],
        "auto_process_after_hours": shop.rules.auto_process_after_hours,
        "allowed_moves": [status.value for status in allowed],
        "rules_decision": {
            "should_progress": rules_decision.should_progress,
            "next_status": rules_decision.next_status.value if rules_decision.next_status else None,
        },
    }


def advised(advice: Advice, order: Order, allowed: list[Status], rules_decision: Decision) -> Decision:
    """Gemini's advice as a decision with source ``ai``, or the rules' decision if it breaks a guardrail."""
    confidence = clamp_confidence(advice.confidence)
    if confidence is None:
        return rules_decision
    reason = trim_reason(advice.reason) or "no reason given"
    if not advice.should_progress:
        return Decision(should_progress=False, reason=reason, confidence=confidence, source=Source.AI)
    target = next((status for status in allowed if status.value == advice.next_status), None)
    if target is None:
        return rules_decision
    if target == Status.SHIPPED and not (order.tracking and order.tracking.number):
        return rules_decision  # never tell a customer "on its way" without a tracking number
    return Decision(
        should_progress=True, next_status=target, reason=reason, confidence=confidence, source=Source.AI
    )


class GeminiAdvisor:
    """A ``ProgressionAdvisor``: Gemini chooses among the rules' allowed moves; the rules decide on failure."""

    def __init__(self, gemini: Gemini, clock: Clock, *, timeout: float = 5.0) -> None:
        self.gemini = gemini
        self.clock = clock
        self.timeout = timeout

    async def decide(
        self, order: Order, shop: Shop, allowed: list[Status], rules_decision: Decision
    ) -> Decision:
        if not allowed:
            return rules_decision  # nothing Gemini could choose
        facts = advisor_facts(order, shop, allowed, rules_decision, self.clock())
        prompt = f"Order facts (JSON data):\n{json_data(facts)}"
        advice = await self.gemini.ask("advisor", ADVISOR_SYSTEM, prompt, Advice, self.timeout)
        return rules_decision if advice is None else advised(advice, order, allowed, rules_decision)


__all__ = [
    "ADVISOR_SYSTEM",
    "Advice",
    "GeminiAdvisor",
    "advised",
    "advisor_facts",
    "clamp_confidence",
    "trim_reason",
]
