"""What the dispatcher does with one claimed outbox entry: send it (how, to whom), hold it, or skip it.

Reads the shop, order and customer, then applies, in this order: coalescing (a newer status update of the
same order supersedes this one), the shop's debounce, the route (``bot.delivery_policy``), the customer's
quiet hours (``bot.quiet_hours``) and the sender's rate (a token bucket shared through MongoDB). Sending
is the notifier's job; this module only decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import satisfaction_asks
from bot.customer_reach import phone_of, reach
from bot.delivery_policy import Mode, NoRoute, Route, route
from bot.outbox_texts import message_text, template_variables
from bot.plans import Delivery, Hold, Park, Rewriter, Send, Skip
from bot.quiet_hours import QuietHours, quiet_decision
from bot.satisfaction_asks import SurveyLink
from bot.staff_deliveries import staff_deliveries, staff_lane
from bot.stores import PlannerStores
from channels.base import ChannelName, Template
from orders.model import CustomerRecord, Order, OutboxEntry, OutboxKind, Shop, ShopId
from orders.shared_answers import SharedAnswers

#: The longest a planner keeps a shop it read (the web process's shop lookups keep theirs as long).
SHOP_TTL_SECONDS = 5.0

#: Why an entry waits for its sending number's rate (``OutboxEntry.held``): it holds a later turn then.
RATE_LIMITED = "rate_limited"

#: Messages per second per sending address, and the burst a bucket holds, by channel: Twilio queues a
#: long code at 1 message/s, WhatsApp senders take about 80/s, Meta's Send API 100/s per account,
#: Telegram bots about 30/s; email goes through the shop's own SMTP server.
DEFAULT_RATES: dict[str, tuple[float, int]] = {
    "sms": (1.0, 5),
    "whatsapp": (80.0, 80),
    "instagram": (100.0, 100),
    "telegram": (25.0, 25),
    "email": (10.0, 10),
}


Plan = Send | Hold | Park


@dataclass
class Planner:
    stores: PlannerStores
    clock: Callable[[], datetime]
    rates: Mapping[str, tuple[float, int]] = field(default_factory=lambda: dict(DEFAULT_RATES))
    #: Shops read once per batch of sends (``next_batch``) and at most this many seconds, not once per
    #: entry: a process that sends only what it queues has no batches, and sees a shop's change this late.
    shop_ttl: float = SHOP_TTL_SECONDS
    #: Words status updates, follow-ups and order answers personally for shops that ask; None: templates.
    writer: Rewriter | None = None
    #: Links to the signed answer page for satisfaction requests by email; None: email asks for a reply.
    survey_link: SurveyLink | None = None
    _shops: SharedAnswers[str, tuple[int, float], Shop] = field(
        default_factory=SharedAnswers, init=False, repr=False
    )
    _batch: int = field(default=0, init=False, repr=False)

    def next_batch(self) -> None:
        self._batch += 1

    async def _shop(self, shop_id: str) -> Shop:
        batch, now = self._batch, time.monotonic()

        def fresh(kept: tuple[int, float]) -> bool:
            return kept[0] == batch and now - kept[1] < self.shop_ttl

        return await self._shops.get(
            shop_id, (batch, now), fresh, lambda: self.stores.shops.get(ShopId(shop_id))
        )

    async def plan(self, entry: OutboxEntry) -> Plan:
        shop = await self._shop(entry.shop_id)
        order = await self.stores.orders.recent(shop.id, entry.order_id) if entry.order_id else None
        coalesce = entry.kind == OutboxKind.STATUS_UPDATE and order is not None and entry.sequence is not None
        if coalesce and order is not None and entry.sequence is not None:
            siblings = await self.stores.outbox.siblings(shop.id, order.id, entry.sequence)
            if siblings.newer:
                raise Skip("superseded")
            plan = await self._plan(shop, entry, order)
            # after the plan, so that a parked older update still counts as "nudged" for this one
            await self.stores.outbox.skip_superseded(siblings)
            return plan
        return await self._plan(shop, entry, order)

    async def _plan(self, shop: Shop, entry: OutboxEntry, order: Order | None) -> Plan:
        now = self.clock()
        if entry.kind == OutboxKind.STATUS_UPDATE:
            settle = entry.created_at + timedelta(seconds=shop.notify.debounce_seconds)
            if now < settle:
                return Hold(settle, "debounce")
        if entry.kind == OutboxKind.STAFF_ALERT:
            return await self._staff(shop, entry, now)
        customer = await self._customer(shop, entry, order)
        if entry.kind == OutboxKind.SATISFACTION and order is None:
            raise Skip("the order is gone")
        if shop.simulator:
            return self._simulated(shop, entry, order, customer, now, self.survey_link)
        try:
            found = route(reach(shop, entry, order, customer, now))
        except NoRoute as why:
            raise Skip(str(why)) from None
        phone = phone_of(order, customer)
        if (until := _quiet_until(shop, entry, phone, now)) is not None:
            return Hold(until, "quiet_hours")
        if customer is not None and found.mode == Mode.NUDGE:
            until = await self.stores.outbox.parked_until(shop.id, customer.id)
            if until is not None:  # nudged already: one nudge until they reply, or until it expires
                return Park(customer.id, found.channel, until)
        sender = self._sender(shop, found.channel)
        if (wait := await self._throttle(shop, entry, found.channel, sender, now)) is not None:
            return Hold(now + wait, RATE_LIMITED)
        language = customer.language if customer else None
        delivery = self._delivery(shop, entry, order, found, sender, language)
        if self.writer is not None:
            delivery = await self.writer.rewrite(shop, entry, order, delivery, language)
        return Send(
            shop, [delivery], park=found.mode == Mode.NUDGE,
            customer_id=customer.id if customer else None, channel=found.channel,
            contacted=order is not None and order.last_customer_contact_at is not None,
        )  # fmt: skip

    @staticmethod
    def _simulated(
        shop: Shop,
        entry: OutboxEntry,
        order: Order | None,
        customer: CustomerRecord | None,
        now: datetime,
        survey_link: SurveyLink | None = None,
    ) -> Plan:
        """A simulator shop's message: the full text in the style of the channel it would go on, to the
        console channel, which every process has. No provider, so no window, template or sending rate; the
        shop's quiet hours still hold it, as they would hold the real one."""
        style = (
            entry.channel
            or (customer.preferred_channel if customer else None)
            or (order.channel if order else None)
            or ChannelName.WHATSAPP.value
        )
        if customer is not None and style in customer.opted_out:
            raise Skip(f"opted out of {style}")
        phone = phone_of(order, customer)
        if (until := _quiet_until(shop, entry, phone, now)) is not None:
            return Hold(until, "quiet_hours")
        to = phone or (order.customer.email if order else None) or (customer.id if customer else shop.id)
        name = order.customer.name if order else None
        language = customer.language if customer else None
        if entry.kind == OutboxKind.SATISFACTION and order is not None:
            text, subject = satisfaction_asks.ask_text(shop, order, style, language, survey_link)
        else:
            text, subject = message_text(shop, entry, order, style, name, language)
        delivery = Delivery(ChannelName.CONSOLE, to, shop.name, text, subject)
        return Send(shop, [delivery], customer_id=customer.id if customer else None, channel=style)

    async def _staff(self, shop: Shop, entry: OutboxEntry, now: datetime) -> Plan:
        """A staff alert to every staff member not reached yet (``bot.staff_deliveries``), at the rate of
        the lane it takes."""
        lane = staff_lane(shop)
        if (wait := await self._throttle(shop, entry, lane, shop.id, now)) is not None:
            return Hold(now + wait, RATE_LIMITED)
        return Send(shop, staff_deliveries(shop, entry))

    async def _throttle(
        self, shop: Shop, entry: OutboxEntry, channel: str, sender: str, now: datetime
    ) -> timedelta | None:
        """How long the sending number's rate holds ``entry``; None: it goes now.

        An entry held for the rate was given its own later turn (``reserve``), so when that comes it goes
        without taking another.
        """
        if entry.held == RATE_LIMITED:
            return None
        rate, burst = self.rates.get(channel, (0.0, 0))
        if override := shop.notify.rates.get(channel):
            rate, burst = override, max(1, int(override))
        if rate <= 0:
            return None
        return await self.stores.rate_limits.reserve(
            f"send:{channel}:{sender}", now, per_second=rate, burst=burst
        )

    async def _customer(self, shop: Shop, entry: OutboxEntry, order: Order | None) -> CustomerRecord | None:
        if entry.customer_id:  # often the one whose message this answers, found a moment ago
            return await self.stores.customers.recent(shop.id, entry.customer_id)
        if order is not None and order.customer.phone:
            return await self.stores.customers.find_or_create(
                shop.id, now=self.clock(), phone=order.customer.phone
            )
        if order is not None and order.customer.instagram_id and entry.kind == OutboxKind.SATISFACTION:
            # asked where they wrote from, if they ever did: a survey never opens a chat of its own
            return await self.stores.customers.find(shop.id, instagram_id=order.customer.instagram_id)
        if order is not None and order.customer.instagram_id:  # the shop's own record names the account
            return await self.stores.customers.find_or_create(
                shop.id, now=self.clock(), instagram_id=order.customer.instagram_id
            )
        return None

    @staticmethod
    def _sender(shop: Shop, channel: str) -> str:
        addresses = {
            "sms": shop.sms_number,
            "whatsapp": shop.whatsapp_number,
            "instagram": shop.instagram_id,
            "email": shop.email.from_address if shop.email else None,
        }
        return addresses.get(channel) or shop.name

    def _delivery(
        self,
        shop: Shop,
        entry: OutboxEntry,
        order: Order | None,
        found: Route,
        sender: str,
        language: str | None = None,
    ) -> Delivery:
        channel = ChannelName(found.channel)
        name = order.customer.name if order else None
        if entry.kind == OutboxKind.SATISFACTION and order is not None:
            return self._survey(shop, order, found, sender, language)
        if found.mode != Mode.TEXT and found.content_sid:
            variables = template_variables(shop, order, found.mode)
            summary = f"[template {found.content_sid}] " + " · ".join(variables.values())
            return Delivery(
                channel, found.address, sender, summary, template=Template(found.content_sid, variables)
            )
        text, subject = message_text(shop, entry, order, found.channel, name, language)
        return Delivery(channel, found.address, sender, text, subject)

    def _survey(self, shop: Shop, order: Order, found: Route, sender: str, language: str | None) -> Delivery:
        """The satisfaction request: WhatsApp's quick-reply template (in the window too, for its buttons),
        Instagram's quick replies, "reply 1 to 5" on SMS, links by email."""
        channel = ChannelName(found.channel)
        sid = shop.notify.whatsapp_templates.get("satisfaction")
        if channel == ChannelName.WHATSAPP and sid:
            variables = satisfaction_asks.template_variables(shop, order)
            summary = f"[template {sid}] " + " · ".join(variables.values())
            return Delivery(channel, found.address, sender, summary, template=Template(sid, variables))
        text, subject = satisfaction_asks.ask_text(shop, order, found.channel, language, self.survey_link)
        replies = satisfaction_asks.quick_replies() if channel == ChannelName.INSTAGRAM else ()
        return Delivery(channel, found.address, sender, text, subject, quick_replies=replies)


__all__ = ["DEFAULT_RATES", "Delivery", "Hold", "Park", "Plan", "Planner", "Send", "Skip"]


def _quiet_until(shop: Shop, entry: OutboxEntry, phone: str | None, now: datetime) -> datetime | None:
    """When the shop's quiet hours, in the customer's local time, let ``entry`` go; None when it may now."""
    quiet = QuietHours.parse(shop.notify.quiet_start, shop.notify.quiet_end)
    if entry.kind == OutboxKind.SATISFACTION:
        quiet = satisfaction_asks.quiet_hours(shop)
    return quiet_decision(
        now, kind=entry.kind, urgent=entry.urgent, phone=phone, shop_zone=shop.timezone, quiet=quiet
    )
