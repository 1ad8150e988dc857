"""What will happen to a person's answer before it is sent, and sending it: the desk's warning and
``POST /customers/{id}/messages``, Telegram's ``/reply`` and replies to alerts.

The preview asks the planner's own question (``customer_reach.reach`` and ``delivery_policy.route``) of the
entry the answer would queue, so what it says is what the planner does when it sends: free text on the
channel, WhatsApp's nudge template first with the text parked until the customer replies (outside the 24-hour
window), another channel when that one cannot carry it, or nothing at all. A customer who opted out of the
channel is refused outright, never switched to another channel behind their back, and so is one nothing
reaches; both refusals write nothing. Quiet hours never hold an answer: a person is talking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.customer_reach import reach
from bot.delivery_policy import WINDOWED, Mode, NoRoute, route
from orders.model import (
    CustomerRecord,
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    Shop,
)
from orders.usecases import Answer, OrderUseCases

Will = Literal["send", "template_first", "refused"]
_NAMES = {
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "instagram": "Instagram",
    "email": "email",
    "console": "console",
}


@dataclass(frozen=True)
class AnswerPlan:
    """What an answer will do: ``send`` now on ``channel``, ``template_first`` (a WhatsApp template now,
    the text when the customer replies), or ``refused`` (``refusal`` says why: ``opted_out``,
    ``unreachable``); ``explanation`` says it in words for the person writing."""

    channel: str | None
    will: Will
    explanation: str
    refusal: str | None = None


class AnswerRefused(Exception):
    """The answer would never reach the customer; nothing was queued."""

    def __init__(self, plan: AnswerPlan) -> None:
        super().__init__(plan.explanation)
        self.plan = plan


def _name(channel: str | None) -> str:
    return _NAMES.get(channel or "", channel or "their channel")


def plan_answer(
    shop: Shop,
    customer: CustomerRecord,
    order: Order | None,
    channel: str | None,
    now: datetime,
    *,
    nudged: bool,
) -> AnswerPlan:
    """What an answer on ``channel`` (None: the customer's own) will do now; ``nudged``: a template asking
    the customer to reply went already and is still unanswered."""
    entry = OutboxEntry(
        id=NotificationId("preview"), shop_id=shop.id, order_id=order.id if order else None,
        customer_id=customer.id, kind=OutboxKind.MANUAL, channel=channel, due_at=now,
        idempotency_key="preview", created_at=now, urgent=True,
    )  # fmt: skip
    known = reach(shop, entry, order, customer, now)
    wanted = known.wanted
    if wanted and wanted in customer.opted_out:
        return AnswerPlan(
            wanted, "refused",
            f"the customer opted out of {_name(wanted)}: nothing goes to them there until they opt back in "
            "(START); choose another channel",
            "opted_out",
        )  # fmt: skip
    if shop.simulator:
        style = wanted or "whatsapp"
        return AnswerPlan(
            style, "send", f"a demo shop: your text goes now, as a {_name(style)} message, to the console"
        )
    try:
        found = route(known)
    except NoRoute as none:
        return AnswerPlan(wanted, "refused", f"nothing reaches this customer now: {none}", "unreachable")
    if found.mode == Mode.NUDGE:
        if nudged:
            said = "outside WhatsApp's 24-hour window: they were asked to reply already; your text goes when they reply"
        else:
            said = "outside WhatsApp's 24-hour window: a template goes first, your text when they reply"
        return AnswerPlan(found.channel, "template_first", said)
    if wanted and found.channel != wanted:
        why = "; ".join(found.passed_over) or f"{_name(wanted)} cannot reach them"
        return AnswerPlan(found.channel, "send", f"{why}: your text goes now by {_name(found.channel)}")
    inside = " (inside the 24-hour window)" if found.channel in WINDOWED else ""
    return AnswerPlan(found.channel, "send", f"your text goes now on {_name(found.channel)}{inside}")


@dataclass(frozen=True)
class StaffAnswers:
    """Previews and sends a person's answers over the order service's stores."""

    service: OrderUseCases
    clock: Callable[[], datetime]

    async def plan(
        self, shop: Shop, customer_id: str, channel: str | None, order_id: str | None = None
    ) -> AnswerPlan:
        """What an answer would do now (NotFound for another shop's customer or order)."""
        customer, orders = await self.service.conversations.customer(shop, customer_id)
        order = await self._order(shop, orders, order_id)
        nudged = await self.service.db.outbox.parked_until(shop.id, customer.id) is not None
        return plan_answer(shop, customer, order, channel, self.clock(), nudged=nudged)

    async def send(self, shop: Shop, customer_id: str, answer: Answer) -> tuple[OutboxEntry, AnswerPlan]:
        """Queue the answer and say what it will do; AnswerRefused (nothing written) when it never would.

        A retry with the answer's idempotency key returns the first call's entry, refused or not now.
        """
        plan = await self.plan(shop, customer_id, answer.channel, answer.order_id)
        if plan.will == "refused" and await self.service.answers.earlier(shop, answer) is None:
            raise AnswerRefused(plan)
        customer = await self.service.db.customers.get(shop.id, customer_id)
        entry = await self.service.answers.answer(shop, customer, answer)
        return entry, plan

    async def _order(self, shop: Shop, orders: list[Order], order_id: str | None) -> Order | None:
        """The order the answer is about: the one named (NotFound when not the shop's), else the newest."""
        if order_id is None:
            return orders[0] if orders else None
        named = next((o for o in orders if o.id == order_id), None)
        return named or await self.service.db.orders.get(shop.id, order_id)
