"""The customer conversation: what to answer a message, and only about the customer's own orders.

Privacy rule (DESIGN.md): on SMS, WhatsApp and the console the sender's number must match the order's
customer; an Instagram account sees only the orders it proved are its own, one by one (the number plus the
email or the last four digits of the phone on it), and those of a phone it linked with a code that phone got
on SMS or WhatsApp (``bot.linking``). A wrong guess and an order that is not theirs get the same answer as
an order that does not exist, so nothing leaks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot import composer, linking
from bot.composer import Composed, Voice
from bot.focus import order_in_focus
from bot.intents import Intent, Parsed, is_carrier_keyword, parse
from bot.languages.detect import language_after
from bot.linking import Linking
from bot.order_answers import Answer, OrderAnswers, needs_focus
from bot.speaking import shop_voice
from bot.stores import LinkingStores
from orders.eta import Estimate
from orders.lifecycle import ACTIVE
from orders.model import (
    CustomerId,
    CustomerRecord,
    Message,
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    Shop,
    new_id,
)
from orders.usecases import DeliveryEstimates, DeskCommands, customer_orders

log = logging.getLogger(__name__)

#: Where a phone can ask for a code that links its orders to an Instagram account: the carrier delivers the
#: reply to the phone itself, so only the phone's holder reads the code (the console is the operator's).
CODE_CHANNELS = ("sms", "whatsapp")


class SurveyAnswersTaker(Protocol):
    """Reads a message as the answer to the customer's satisfaction request (``bot.satisfaction_answers``)."""

    def could_be(self, message: Message) -> bool: ...

    async def take(self, shop: Shop, customer: CustomerRecord, message: Message) -> bool: ...


class IntentClassifier(Protocol):
    """Classifies a message the rules did not understand (Gemini plugs in here)."""

    async def classify(self, text: str) -> Parsed | None: ...


class Conversation:
    """The inbox handler for customers: parse, look up their orders, answer in the channel's style."""

    def __init__(
        self,
        desk: DeskCommands,
        clock: Callable[[], datetime],
        classifier: IntentClassifier | None = None,
        console_style: str = "console",
        *,
        stores: LinkingStores,
        survey_answers: SurveyAnswersTaker | None = None,
        estimates: DeliveryEstimates | None = None,
    ) -> None:
        self.console_style = console_style
        self.about_orders = OrderAnswers(desk, estimates)
        self.stores = stores
        self.clock = clock
        self.classifier = classifier
        self.linking = Linking(stores, clock)
        self.survey_answers = survey_answers

    async def _answers_survey(self, shop: Shop, customer: CustomerRecord, message: Message) -> bool:
        """Whether ``message`` was the answer to an open satisfaction request (read only when it starts like
        one)."""
        if self.survey_answers is None or not self.survey_answers.could_be(message):
            return False
        return await self.survey_answers.take(shop, customer, message)

    async def handle(self, shop: Shop, customer: CustomerRecord, message: Message) -> Parsed | None:
        """Answer the message (and alert staff when it needs a person); returns what the bot understood."""
        if self.survey_answers is not None and await self._answers_survey(shop, customer, message):
            return None
        answer = await self.answer(shop, customer, message.channel, message.body)
        now = self.clock()
        if answer.alert:
            await self.stores.customers.set_waiting(shop.id, customer.id, message.created_at)
            await self._queue(
                shop, OutboxKind.STAFF_ALERT, "telegram", answer.alert, f"alert:{message.id}", answer.order,
                customer=customer,
            )  # fmt: skip
        if answer.reply is not None:
            entry = await self._queue(
                shop, OutboxKind.REPLY, message.channel, answer.reply.text, f"reply:{message.id}", answer.order,
                customer=customer, draft_kind=answer.draft, dates=answer.dates,
            )  # fmt: skip
            log.debug("reply %s queued at %s", entry.id, now.isoformat())
        return answer.understood

    async def _queue(
        self,
        shop: Shop,
        kind: OutboxKind,
        channel: str,
        text: str,
        key: str,
        order: Order | None,
        customer: CustomerRecord | None = None,
        draft_kind: str | None = None,
        dates: Estimate | None = None,
    ) -> OutboxEntry:
        now = self.clock()
        entry = OutboxEntry(
            id=NotificationId(new_id("ntf")),
            shop_id=shop.id,
            order_id=order.id if order else None,
            customer_id=customer.id if customer else None,
            kind=kind,
            channel=channel,
            status=order.status if order else None,
            message=text,
            due_at=now,
            idempotency_key=key,
            created_at=now,
            draft_kind=draft_kind,
            promised_date=dates.arrives_by if dates else None,
            promised_likely=dates.likely if dates else None,
        )
        return await self.stores.outbox.add(entry)

    async def answer(self, shop: Shop, customer: CustomerRecord, channel: str, text: str) -> Answer:
        """What to say to ``text`` from ``customer`` on ``channel`` (and what to tell staff)."""
        # in a thread: the first reading loads lingua's models, which takes seconds on a busy machine
        language = await asyncio.to_thread(language_after, customer.language, text)
        if language is not None and language != customer.language:
            await self.stores.customers.set_language(shop.id, customer.id, language)
        parsed = parse(text, language)
        if channel in customer.opted_out and parsed.intent != Intent.OPT_IN:
            return Answer(
                None, understood=parsed
            )  # opted out on this channel: nothing until they opt back in
        orders = await self._orders_of(shop, customer)
        name = next((o.customer.name for o in orders if o.customer.name), None) or customer.name
        voice = shop_voice(shop, name, language)
        style = self.console_style if channel == "console" else channel

        def say(kind: str, **values: str) -> Composed:
            return composer.canned(kind, voice, style, **values)

        if parsed.intent not in (Intent.OPT_OUT, Intent.OPT_IN) and (
            linked := await self._link_by_code(shop, customer, channel, text, say)
        ):
            return replace(linked, understood=parsed)
        if parsed.intent == Intent.UNKNOWN and self.classifier is not None:
            parsed = await self.classifier.classify(text) or parsed
        answer = await self._respond(shop, customer, channel, text, parsed, orders, voice, style, say)
        return replace(answer, understood=parsed)

    async def _respond(
        self,
        shop: Shop,
        customer: CustomerRecord,
        channel: str,
        text: str,
        parsed: Parsed,
        orders: list[Order],
        voice: Voice,
        style: str,
        say: Callable[..., Composed],
    ) -> Answer:
        """The answer to a message understood as ``parsed``."""
        match parsed.intent:
            case Intent.OPT_OUT:
                await self.stores.customers.set_opt_out(shop.id, customer.id, channel, True)
                # Twilio answers its own keywords (STOP, ...) on SMS and blocks anything we send after them;
                # other ways of saying it ("stop sending me updates") get our confirmation.
                twilio_handles_it = channel == "sms" and is_carrier_keyword(text)
                return Answer(None if twilio_handles_it else say("opted_out"))
            case Intent.OPT_IN:
                await self.stores.customers.set_opt_out(shop.id, customer.id, channel, False)
                return Answer(say("opted_in"))
            case Intent.GREETING:
                return Answer(say("greeting"))
            case Intent.THANKS:
                return Answer(say("thanks"))
            case Intent.HELP:
                return Answer(say("help" if style == "sms" else "menu"))
            case Intent.UNKNOWN:
                return Answer(say("menu"))
            case Intent.OTHER:  # payments, accounts, newsletters...: what we can do instead, no order action
                return Answer(say("other", topic=parsed.detail or "that"))
        if channel == "instagram" and self._needs_proof(customer, parsed, orders):
            return await self._link(shop, customer, parsed, say)
        focus = None
        if needs_focus(parsed, [o for o in orders if o.status in ACTIVE]):
            focus = await order_in_focus(self.stores, shop.id, CustomerId(customer.id), self.clock())
        return await self.about_orders.answer(
            shop, customer, channel, parsed, orders, voice, style, say, focus=focus
        )

    @staticmethod
    def _needs_proof(customer: CustomerRecord, parsed: Parsed, orders: list[Order]) -> bool:
        """An account that has linked nothing yet, or that gives a proof of an order it cannot see yet."""
        if not (customer.proven_orders or customer.linked_phones):
            return True
        number = parsed.order_number
        proof = bool(number and (parsed.email or parsed.phone_last4))
        return proof and not any(o.number.upper() == (number or "").upper() for o in orders)

    async def _link(
        self, shop: Shop, customer: CustomerRecord, parsed: Parsed, say: Callable[..., Composed]
    ) -> Answer:
        """Open the one order an Instagram account proves is theirs; a wrong guess reveals nothing."""
        if not parsed.order_number or not (parsed.email or parsed.phone_last4):
            return Answer(say("link_needed"))
        outcome = await self.linking.prove(
            shop, customer, parsed.order_number, parsed.email, parsed.phone_last4
        )
        return Answer(say("linked"), outcome.order) if outcome.linked else Answer(say("not_linked"))

    async def _link_by_code(
        self, shop: Shop, customer: CustomerRecord, channel: str, text: str, say: Callable[..., Composed]
    ) -> Answer | None:
        """A phone asking for a code to link Instagram, or an Instagram account giving one; else None."""
        if channel in CODE_CHANNELS and customer.phones and shop.instagram_id and linking.asks_for_code(text):
            issued = await self.linking.issue_code(shop, customer.phones[0])
            return Answer(say("link_code", code=issued))
        if channel == "instagram" and (given := linking.code_in(text)) is not None:
            outcome = await self.linking.redeem(shop, customer, given)
            return Answer(say("linked" if outcome.linked else "not_linked"))
        return None

    async def _orders_of(self, shop: Shop, customer: CustomerRecord) -> list[Order]:
        """The orders the customer may hear about, newest first: those of the phone they write from, the
        phones they linked, and the orders they proved."""
        return await customer_orders(self.stores.orders, shop.id, customer)
