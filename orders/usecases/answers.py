"""A person's answer to a customer: queued through the outbox like every message, on the timelines of the
orders it answers, and nobody waits for a person any more.

Which channel and how (free text, a WhatsApp nudge first, refused) is the planner's decision at send time;
``bot.answer_plan`` says beforehand what it will be, and refuses what would never go.
"""

from __future__ import annotations

from dataclasses import dataclass

from orders import domain
from orders.model import (
    CustomerRecord,
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    Shop,
    Source,
    TimelineEvent,
    new_id,
)
from orders.rules import Reason
from orders.usecases.conversations import customer_orders
from orders.usecases.desk import DeskCommands
from orders.usecases.unit_of_work import UnitOfWork, retrying

WAITING = Reason.CUSTOMER_WAITING.value


@dataclass(frozen=True)
class Answer:
    """What a person writes to a customer, and where it comes from."""

    text: str
    #: The channel asked for; None: the one the customer last wrote on (the planner's usual choice).
    channel: str | None
    actor: str
    #: The order the answer is about (a reply to an alert, ``/reply <number>``, the order dialog).
    order_id: str | None = None
    #: A retry with the same key answers the first call's entry and changes nothing.
    idempotency_key: str | None = None
    source: Source = Source.STAFF


@dataclass(frozen=True)
class Answers:
    uow: UnitOfWork

    async def answer(self, shop: Shop, customer: CustomerRecord, answer: Answer) -> OutboxEntry:
        """Queue the answer (at once, quiet hours or not: a person is talking), note it on the orders it
        answers and clear their ``customer_waiting``, and mark the customer answered.

        The orders it answers: the one named, and every order of the customer waiting for a person; with
        neither, the customer's newest order. The entry rides in the first order's write, so a crash after
        it loses nothing; a customer with no order gets the entry alone.
        """
        db, now = self.uow.db, self.uow.clock()
        if (earlier := await self.earlier(shop, answer)) is not None:
            return earlier
        entry_id = NotificationId(new_id("ntf"))
        key = _key(shop, answer) or f"answer:{entry_id}"
        orders = await customer_orders(db.orders, shop.id, customer)
        named = [o for o in orders if o.id == answer.order_id]
        if answer.order_id and not named:
            named = [await db.orders.get(shop.id, answer.order_id)]
        targets = _answered(named, orders) or orders[:1]
        main = targets[0] if targets else None
        entry = OutboxEntry(
            id=entry_id, shop_id=shop.id, order_id=main.id if main else None, customer_id=customer.id,
            kind=OutboxKind.MANUAL, channel=answer.channel, status=main.status if main else None,
            message=answer.text, due_at=now, idempotency_key=key, actor=answer.actor, created_at=now,
            urgent=True,
        )  # fmt: skip
        for order in targets:
            await self._note(shop, order.id, answer, [entry] if order is main else [])
        if main is None:
            entry = await db.outbox.add(entry)
        await db.customers.answered(shop.id, customer.id, now)
        return entry

    async def answered_on_order(self, shop: Shop, order_id: str) -> None:
        """A person's own words went to the order's customer from the order itself (``DeskCommands.notify``:
        the desk's message on an order row, ``POST /orders/notify``, Telegram's ``/notify``): that answers
        the customer as ``answer`` does, so the orders it answers and the customer wait for nobody any more.

        The order's timeline notes the message already. A message that is not a person answering this
        customer (the standard status message, a retry, a follow-up, one text to many orders) answers no one.
        """
        db = self.uow.db
        order = await db.orders.get(shop.id, order_id)
        customer = await self._customer_of(shop, order)
        orders = await customer_orders(db.orders, shop.id, customer) if customer is not None else []
        desk = DeskCommands(self.uow)
        for target in _answered([order], orders):
            await desk.set_flag(shop, target.id, WAITING, present=False)
        if customer is not None:
            await db.customers.answered(shop.id, customer.id, self.uow.clock())

    async def _customer_of(self, shop: Shop, order: Order) -> CustomerRecord | None:
        """The customer who writes from the order's phone or Instagram account; None when they never did."""
        customers, who = self.uow.db.customers, order.customer
        found = await customers.find(shop.id, phone=who.phone) if who.phone else None
        if found is None and who.instagram_id:
            found = await customers.find(shop.id, instagram_id=who.instagram_id)
        return found

    async def earlier(self, shop: Shop, answer: Answer) -> OutboxEntry | None:
        """The entry an earlier call with the answer's idempotency key queued; None: none did (or no key)."""
        key = _key(shop, answer)
        return None if key is None else await self.uow.db.outbox.find_key(shop.id, key)

    async def _note(self, shop: Shop, order_id: str, answer: Answer, pending: list[OutboxEntry]) -> Order:
        """The answer on the order's timeline, with who wrote it; ``customer_waiting`` cleared."""

        async def attempt() -> Order:
            order = await self.uow.db.orders.get(shop.id, order_id)
            where = f" on {answer.channel}" if answer.channel else ""
            event = TimelineEvent(
                kind="answer", status=order.status, at=self.uow.clock(), source=answer.source,
                actor=answer.actor, note=f"answered the customer{where}",
            )  # fmt: skip
            noted = domain.record(order, event)
            noted = noted.model_copy(update={"flags": [f for f in noted.flags if f != WAITING]})
            return await self.uow.commit(order, noted, pending)

        return await retrying(attempt)


def _answered(named: list[Order], orders: list[Order]) -> list[Order]:
    """The orders an answer answers: those named, and every order of the customer waiting for a person."""
    return list({o.id: o for o in [*named, *(o for o in orders if WAITING in o.flags)]}.values())


def _key(shop: Shop, answer: Answer) -> str | None:
    return f"answer:{shop.id}:{answer.idempotency_key}" if answer.idempotency_key else None


__all__ = ["Answer", "Answers"]
