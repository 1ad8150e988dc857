"""What the bot answers about a customer's orders, once the conversation knows which orders they may see.

Their status, delivery dates, a choice among several, and the requests that need a person (the order is
flagged ``customer_waiting`` and staff get an alert, ``bot.handover``). Kept apart from
``bot.conversation``, which decides whose orders a message may hear about (the privacy rule, Instagram
proofs and codes) and what kind of message it is; this module only speaks about the orders it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot import composer, handover
from bot.composer import Composed, Voice
from bot.intents import Intent, Parsed
from bot.order_words import arrival_note, dates_apply
from bot.speaking import facts
from orders.eta import Answer as DateAnswer
from orders.eta import Estimate
from orders.lifecycle import ACTIVE, TERMINAL
from orders.model import CustomerRecord, Order, OrderId, Shop
from orders.rules import Reason
from orders.usecases import DeliveryEstimates, DeskCommands


@dataclass(frozen=True)
class Answer:
    """What the conversation says to one message, and what it tells staff."""

    reply: Composed | None
    order: Order | None = None
    alert: str | None = None
    #: The reply answers a question about ``order`` and may be worded by the AI (``bot.ai_writer``).
    draft: str | None = None
    #: The dates the reply tells the customer (``orders.eta``), recorded on its outbox entry as a promise.
    dates: Estimate | None = None
    #: What the bot understood the message to ask (after the classifier, when it was asked).
    understood: Parsed | None = None


def needs_focus(parsed: Parsed, active: list[Order]) -> bool:
    """Whether the message leaves open which order it is about: it names none, does not ask for them all,
    and the customer has several active orders to choose from."""
    return not parsed.order_number and parsed.intent != Intent.LIST_ORDERS and len(active) > 1


@dataclass(frozen=True)
class OrderAnswers:
    """Answers about orders: flags the ones handed to a person, asks the estimates for delivery dates."""

    desk: DeskCommands
    #: Where delivery dates come from; None: the answer says what the order itself knows.
    estimates: DeliveryEstimates | None = None

    async def answer(
        self,
        shop: Shop,
        customer: CustomerRecord,
        channel: str,
        parsed: Parsed,
        orders: list[Order],
        voice: Voice,
        style: str,
        say: Callable[..., Composed],
        focus: OrderId | None = None,
    ) -> Answer:
        """The answer to ``parsed``, a question or request about ``orders`` (the customer's, newest first),
        written on ``channel`` and answered in ``style``. ``focus``: the order the conversation was last about
        (``bot.focus``), meant when the message names none and it is one of several active orders."""
        order = None
        if parsed.order_number:
            order = next((o for o in orders if o.number.upper() == parsed.order_number.upper()), None)
            if order is None:
                return Answer(say("unknown_order", number=parsed.order_number))
        active = [o for o in orders if o.status in ACTIVE]
        if order is None and focus is not None and needs_focus(parsed, active):
            order = next((o for o in active if o.id == focus), None)
        who = customer.name or next((o.customer.name for o in orders if o.customer.name), "A customer")
        if parsed.intent in handover.HANDED_OVER:
            target = order or next(iter(active or orders), None)
            if target is not None:
                await self.desk.set_flag(shop, target.id, Reason.CUSTOMER_WAITING.value, present=True)
            reply = handover.reply(parsed, target)
            return Answer(
                say(reply.kind, **reply.values), target, handover.alert(parsed, who, channel, target)
            )
        if parsed.intent in handover.ORDER_REQUESTS:
            target = order if order is not None else (active[0] if len(active) == 1 else None)
            if target is None:
                return Answer(
                    say("no_orders")
                    if not orders
                    else composer.several_orders([facts(o) for o in active[:3] or orders[:3]], voice, style)
                )
            closed = "cancel_closed" if parsed.intent == Intent.CANCEL_REQUEST else "change_closed"
            if target.status in TERMINAL:
                return Answer(say(closed, number=target.number, status=target.status.value), target)
            await self.desk.set_flag(shop, target.id, Reason.CUSTOMER_WAITING.value, present=True)
            request = "cancel" if parsed.intent == Intent.CANCEL_REQUEST else "change"
            return Answer(
                say(request, number=target.number), target, handover.alert(parsed, who, channel, target)
            )
        if order is None and not orders:
            return Answer(say("no_orders"))
        if order is None and (parsed.intent == Intent.LIST_ORDERS or len(active) > 1):
            shown = (active or orders)[:3]
            return Answer(composer.several_orders([facts(o) for o in shown], voice, style))
        target = order if order is not None else (active or orders)[0]
        if parsed.intent != Intent.DELIVERY_TIME:
            return Answer(composer.order_status(facts(target), voice, style), target, draft="order_status")
        # the dates come from the shop's deliveries; a draft could not check them, so none is asked for
        dates = await self._dates(shop, target)
        said = facts(target, dates)
        told = dates if isinstance(dates, Estimate) and said.arrives_by and arrival_note(said) else None
        return Answer(composer.delivery_time(said, voice, style), target, dates=told)

    async def _dates(self, shop: Shop, order: Order) -> DateAnswer | None:
        """The dates of ``order`` when its arrival is still open and someone can learn them; else None."""
        if self.estimates is None or not dates_apply(facts(order)):
            return None
        return await self.estimates.for_order(shop, order)


__all__ = ["Answer", "OrderAnswers", "needs_focus"]
