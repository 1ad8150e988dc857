"""A customer's answer to their satisfaction request, taken before the conversation reads the message.

Only while a request is open for them (sent on a chat, not answered yet, asked at most
``CHAT_ANSWER_WINDOW`` ago) is a message that starts with a score read as an answer; any other time "4" is
left to the conversation, and so is everything that is not a score ("1042", "2 items missing"). The answer
goes on the order (score, comment, timeline), on the customer, and into the shop's counters; the customer
is thanked. A score of 1 or 2 raises the order's ``customer_waiting`` flag (the attention queue) and alerts
staff at once, as a customer asking for a person does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import composer
from bot.satisfaction_asks import read_answer
from bot.speaking import shop_voice
from bot.stores import LinkingStores
from orders import satisfaction
from orders.model import (
    CustomerRecord,
    Message,
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    Shop,
    new_id,
)
from orders.rules import Reason
from orders.usecases import DeskCommands, Surveys


def low_score_alert(order: Order, who: str, channel: str, score: int, comment: str | None) -> str:
    """The staff alert for a low score: who, which order, the score and what they said."""
    said = f": “{comment}”" if comment else "."
    return f"😞 {who} rated order #{order.number} {score}/5 on {channel}{said} Reply to them in the desk."


class SurveyAnswers:
    def __init__(self, desk: DeskCommands, clock: Callable[[], datetime], *, stores: LinkingStores) -> None:
        self.desk = desk
        self.surveys = Surveys(desk.uow)
        self.clock = clock
        self.stores = stores

    @staticmethod
    def could_be(message: Message) -> bool:
        """Whether the message reads as a score at all (cheap: no database)."""
        return read_answer(message.body, message.payload) is not None

    async def take(self, shop: Shop, customer: CustomerRecord, message: Message) -> bool:
        """Record ``message`` as the answer to the request the customer was sent last and has not answered;
        False when it is none (no score in it, or no request open), for the conversation to answer as usual."""
        answer = read_answer(message.body, message.payload)
        if answer is None or message.channel in customer.opted_out or not customer.satisfaction_asked:
            return False
        now = self.clock()
        asked = await self.stores.orders.get_many(shop.id, customer.satisfaction_asked)
        waiting = [o for o in asked.values() if satisfaction.is_open(o, now, satisfaction.CHAT_ANSWER_WINDOW)]
        if not waiting:
            return False
        latest = max(waiting, key=lambda o: (o.satisfaction.asked_at if o.satisfaction else None) or now)
        order = await self.surveys.answer(
            shop.id, latest.id, answer.score, answer.comment,
            via=message.channel, window=satisfaction.CHAT_ANSWER_WINDOW,
        )  # fmt: skip
        if order is None:
            return False  # answered meanwhile (a retried delivery): the conversation takes it as a message
        low = await self._answered(shop, order, customer, message.channel, f"alert:{message.id}")
        voice = shop_voice(shop, order.customer.name, customer.language)
        reply = composer.canned(
            "satisfaction_sorry" if low else "satisfaction_thanks", voice, message.channel
        )
        await self._queue(
            shop, OutboxKind.REPLY, message.channel, reply.text, f"reply:{message.id}", order, customer
        )
        return True

    async def answer_by_link(
        self, shop: Shop, order_id: str, score: int, comment: str | None
    ) -> Order | None:
        """Record the answer given through an email's signed link, once; None when the request is not open
        (answered already, or asked longer than ``EMAIL_ANSWER_WINDOW`` ago)."""
        order = await self.surveys.answer(
            shop.id, order_id, score, comment, via="email link", window=satisfaction.EMAIL_ANSWER_WINDOW
        )
        if order is None:
            return None
        phone = order.customer.phone
        customer = await self.stores.customers.find(shop.id, phone=phone) if phone else None
        await self._answered(shop, order, customer, "email", f"alert:satisfaction:{order.id}")
        return order

    async def _answered(
        self, shop: Shop, order: Order, customer: CustomerRecord | None, channel: str, alert_key: str
    ) -> bool:
        """Keep the answer on the customer; for a low score flag the order and alert staff. True: low."""
        survey = order.satisfaction
        if survey is None or survey.score is None:
            return False
        if customer is not None:
            await self.stores.customers.record_satisfaction(
                shop.id, customer.id,
                {"order_id": order.id, "score": survey.score, "comment": survey.comment,
                 "at": self.clock().isoformat()},
            )  # fmt: skip
        if survey.score not in satisfaction.LOW_SCORES:
            return False
        who = (customer.name if customer else None) or order.customer.name or "A customer"
        await self.desk.set_flag(shop, order.id, Reason.CUSTOMER_WAITING.value, present=True)
        alert = low_score_alert(order, who, channel, survey.score, survey.comment)
        await self._queue(shop, OutboxKind.STAFF_ALERT, "telegram", alert, alert_key, order)
        return True

    async def _queue(
        self,
        shop: Shop,
        kind: OutboxKind,
        channel: str,
        text: str,
        key: str,
        order: Order,
        customer: CustomerRecord | None = None,
    ) -> OutboxEntry:
        now = self.clock()
        entry = OutboxEntry(
            id=NotificationId(new_id("ntf")), shop_id=shop.id, order_id=order.id,
            customer_id=customer.id if customer else None, kind=kind, channel=channel, status=order.status,
            message=text, due_at=now, idempotency_key=key, created_at=now,
        )  # fmt: skip
        return await self.stores.outbox.add(entry)


__all__ = ["SurveyAnswers", "low_score_alert"]
