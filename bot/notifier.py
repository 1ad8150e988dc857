"""The outbox dispatcher: every message the service sends goes through here, once.

Entries are claimed with a lease (compare-and-set from ``queued`` to ``sending``), sent through the
channel's adapter and finished only while the lease holds. Transient errors retry with exponential backoff
and jitter; permanent ones fail at once and put the order in the attention queue. An entry whose lease ran
out mid-send is never resent blindly: it goes to ``review``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import composer
from bot.conversation import facts, shop_voice
from channels.base import Channel, ChannelName, OutboundMessage, SendError
from channels.email import EmailChannel
from orders.correlation import request_id
from orders.model import (
    CustomerRecord,
    DeliveryState,
    Direction,
    Message,
    MessageId,
    Order,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    Shop,
    ShopId,
    new_id,
)
from orders.rules import Reason
from orders.service import OrderService
from orders.store import NotFound

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 2.0
    max_seconds: float = 600.0

    def delay(self, attempt: int) -> timedelta:
        """Exponential backoff with full jitter: up to base * 2^(attempt-1), capped."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not security


class Skip(Exception):
    """The entry must not be sent (opted out, no address, outside the window); ``str`` says why."""


@dataclass(frozen=True)
class Delivery:
    channel: ChannelName
    to: str
    sender: str
    text: str
    subject: str | None = None


def shop_email_channel(shop: Shop) -> Channel | None:
    """The shop's own SMTP server, when it has one."""
    return EmailChannel(shop.name, shop.email) if shop.email else None


class Notifier:
    def __init__(
        self,
        service: OrderService,
        channels: Mapping[str, Channel],
        clock: Callable[[], datetime],
        *,
        lease: timedelta = timedelta(seconds=60),
        retry: RetryPolicy | None = None,
        concurrency: int = 16,
        email_channel: Callable[[Shop], Channel | None] | None = None,
    ) -> None:
        self.email_channel = email_channel or shop_email_channel
        self.service = service
        self.db = service.db
        self.channels = channels
        self.clock = clock
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self._gate = asyncio.Semaphore(concurrency)

    async def run_once(self, batch: int = 50) -> int:
        """Claim and send one batch of due entries; returns how many were claimed."""
        entries = await self._claim(batch)
        await asyncio.gather(*(self._send_one(entry) for entry in entries))
        return len(entries)

    async def _claim(self, limit: int) -> list[OutboxEntry]:
        now = self.clock()
        for stuck in await self.db.outbox.expired_leases(now):
            log.warning("outbox entry %s was mid-send when its sender stopped; moved to review", stuck.id)
            await self._flag(stuck, Reason.NOTIFICATION_FAILED)
        return await self.db.outbox.claim_due(now, now + self.lease, limit)

    async def run_forever(self, idle_seconds: float = 0.5) -> None:
        """Claim due entries whenever a sending slot is free.

        Sends are not awaited batch by batch: a provider that answers slowly or not at all (until the
        channel's timeout) holds only its own slots, and what falls due meanwhile goes out at once.
        """
        sending: set[asyncio.Task[None]] = set()
        try:
            while True:
                entries: list[OutboxEntry] = []
                if len(sending) < self.concurrency:
                    try:
                        entries = await self._claim(self.concurrency - len(sending))
                    except Exception:
                        log.exception("dispatcher pass failed; retrying")
                for entry in entries:
                    task = asyncio.create_task(self._send_logged(entry))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                if not entries:
                    await asyncio.sleep(idle_seconds)
        finally:
            for task in sending:
                task.cancel()
            await asyncio.gather(*sending, return_exceptions=True)

    async def _send_logged(self, entry: OutboxEntry) -> None:
        try:
            await self._send_one(entry)
        except Exception:
            log.exception("sending outbox entry %s failed; its lease will expire into review", entry.id)


    async def _send_one(self, entry: OutboxEntry) -> None:
        request_id.set(entry.request_id)  # this task's log lines name the request that caused the entry
        async with self._gate:
            try:
                shop, deliveries = await self._plan(entry)
            except Skip as why:
                await self.db.outbox.finish(entry, state=OutboxState.SKIPPED.value, error=str(why))
                await self.db.stats.touch(entry.shop_id)
                return
            except NotFound as exc:
                await self.db.outbox.finish(entry, state=OutboxState.SKIPPED.value, error=str(exc))
                return
            try:
                receipts = [await self._deliver(entry, delivery, shop) for delivery in deliveries]
            except SendError as exc:
                await self._failed(entry, exc)
                return
            now = self.clock()
            await self.db.outbox.finish(
                entry, state=OutboxState.SENT.value, provider_id=receipts[0], sent_at=now, error=None
            )
            await self.db.stats.add(entry.shop_id, {"notifications.sent": 1})
            log.info("sent %s %s on %s", entry.kind.value, entry.id, deliveries[0].channel.value)
            if entry.kind != OutboxKind.STAFF_ALERT and entry.order_id:
                await self.service.record_contact(entry.shop_id, entry.order_id, now)

    async def _deliver(self, entry: OutboxEntry, delivery: Delivery, shop: Shop) -> str:
        if delivery.channel == ChannelName.EMAIL:
            channel = self.email_channel(shop)
        else:
            channel = self.channels.get(delivery.channel.value)
        if channel is None:
            raise SendError(
                f"the {delivery.channel} channel is not configured", transient=False, code="no_channel"
            )
        receipt = await channel.send(
            OutboundMessage(
                channel=delivery.channel, to=delivery.to, sender=delivery.sender, text=delivery.text,
                subject=delivery.subject,
            )
        )  # fmt: skip
        now = self.clock()
        await self.db.messages.add(
            Message(
                id=MessageId(new_id("msg")), shop_id=entry.shop_id, customer_id=entry.customer_id,
                channel=delivery.channel.value, direction=Direction.OUTBOUND, provider_id=receipt.provider_id,
                sender=delivery.sender, recipient=delivery.to, body=delivery.text,
                state=DeliveryState.SENT, outbox_id=entry.id, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        return receipt.provider_id

    async def _failed(self, entry: OutboxEntry, exc: SendError) -> None:
        if exc.transient and entry.attempts < self.retry.attempts:
            due = self.clock() + self.retry.delay(entry.attempts)
            await self.db.outbox.finish(
                entry, state=OutboxState.QUEUED.value, due_at=due, error=str(exc), error_code=exc.code
            )
            return
        state = OutboxState.DEAD if exc.transient else OutboxState.FAILED
        log.warning("outbox entry %s %s: %s", entry.id, state.value, exc.code or "error")
        await self.db.outbox.finish(entry, state=state.value, error=str(exc), error_code=exc.code)
        await self.db.stats.add(entry.shop_id, {"notifications.failed": 1})
        await self._flag(entry, Reason.NOTIFICATION_FAILED)

    async def _flag(self, entry: OutboxEntry, reason: Reason) -> None:
        if entry.order_id and entry.kind != OutboxKind.STAFF_ALERT:
            shop = await self.db.shops.get(entry.shop_id)
            await self.service.set_flag(shop, entry.order_id, reason.value, present=True)

    # -- what to send, to whom, on which channel ------------------------------------------------------

    async def _plan(self, entry: OutboxEntry) -> tuple[Shop, list[Delivery]]:
        shop = await self.db.shops.get(entry.shop_id)
        order = await self.db.orders.get(shop.id, entry.order_id) if entry.order_id else None
        if entry.kind == OutboxKind.STAFF_ALERT:
            if not shop.staff_telegram_ids:
                raise Skip("the shop lists no staff on Telegram")
            text = entry.message or ""
            return shop, [
                Delivery(ChannelName.TELEGRAM, str(s), shop.name, text) for s in shop.staff_telegram_ids
            ]
        customer = await self._customer(shop, entry, order)
        channel = self._channel(shop, entry, order, customer)
        to = self._address(channel, order, customer)
        sender = self._sender(shop, channel)
        text, subject = self._text(shop, entry, order, customer, channel)
        return shop, [Delivery(channel, to, sender, text, subject)]

    async def _customer(self, shop: Shop, entry: OutboxEntry, order: Order | None) -> CustomerRecord | None:
        if entry.customer_id:
            return await self.db.customers.get(shop.id, entry.customer_id)
        if order is not None and order.customer.phone:
            return await self.db.customers.find_or_create(
                shop.id, now=self.clock(), phone=order.customer.phone
            )
        return None

    def _channel(
        self, shop: Shop, entry: OutboxEntry, order: Order | None, customer: CustomerRecord | None
    ) -> ChannelName:
        """The channel they last wrote on, else the order's, else what the shop can send on."""
        now = self.clock()
        wanted = (
            entry.channel
            or (customer.preferred_channel if customer else None)
            or (order.channel if order else None)
        )
        candidates = [wanted] if wanted else []
        candidates += ["whatsapp" if shop.whatsapp_number else "", "sms" if shop.sms_number else "", "email"]
        reasons = []
        for name in filter(None, candidates):
            if customer is not None and name in customer.opted_out:
                reasons.append(f"opted out of {name}")
                continue
            if name in ("whatsapp", "instagram"):
                last = customer.last_inbound.get(name) if customer else None
                if last is None or now - last > WINDOW:
                    reasons.append(f"outside the 24-hour {name} window")
                    continue
            if name == "email" and not (order and order.customer.email and shop.email):
                continue
            if (
                name in ("sms", "whatsapp", "console")
                and not (order and order.customer.phone)
                and not (customer and customer.phones)
            ):
                continue
            return ChannelName(name)
        raise Skip("; ".join(reasons) or "no channel reaches this customer")

    @staticmethod
    def _address(channel: ChannelName, order: Order | None, customer: CustomerRecord | None) -> str:
        if channel == ChannelName.EMAIL and order and order.customer.email:
            return order.customer.email
        if channel == ChannelName.INSTAGRAM and customer and customer.instagram_id:
            return customer.instagram_id
        phone = (customer.phones[0] if customer and customer.phones else None) or (
            order.customer.phone if order else None
        )
        if phone is None:
            raise Skip(f"no {channel} address for this customer")
        return phone

    @staticmethod
    def _sender(shop: Shop, channel: ChannelName) -> str:
        addresses = {
            ChannelName.SMS: shop.sms_number,
            ChannelName.WHATSAPP: shop.whatsapp_number,
            ChannelName.INSTAGRAM: shop.instagram_id,
            ChannelName.EMAIL: shop.email.from_address if shop.email else None,
        }
        return addresses.get(channel) or shop.name

    def _text(
        self,
        shop: Shop,
        entry: OutboxEntry,
        order: Order | None,
        customer: CustomerRecord | None,
        channel: ChannelName,
    ) -> tuple[str, str | None]:
        style = channel.value
        voice = shop_voice(shop, order.customer.name if order else None)
        if entry.kind == OutboxKind.REPLY and entry.message:
            return entry.message, None
        if order is None:
            return entry.message or "", None
        if entry.message:
            text = composer.sms_text(entry.message, voice) if style == "sms" else entry.message
            return text, f"{shop.name}: order #{order.number}" if style == "email" else None
        composed = composer.order_status(facts(order), voice, style)
        return composed.text, composed.subject

    # -- provider callbacks -----------------------------------------------------------------------------

    async def on_delivery(self, message: Message) -> None:
        """A provider reported on an outbound message: carry delivered/read/failed to its outbox entry."""
        if message.outbox_id is None:
            return
        entry_id, state = message.outbox_id, message.state
        if state in (DeliveryState.DELIVERED, DeliveryState.READ):
            if await self.db.outbox.move_state(entry_id, state.value, only_from=("sent",)):
                await self.db.stats.add(message.shop_id, {"notifications.delivered": 1})
            elif state == DeliveryState.READ:
                await self.db.outbox.move_state(entry_id, state.value, only_from=("delivered",))
        elif state in (DeliveryState.FAILED, DeliveryState.UNDELIVERED):
            entry = await self.db.outbox.by_provider_id(message.provider_id)
            if entry is not None and await self.db.outbox.move_state(entry_id, "failed", only_from=("sent",)):
                await self.db.stats.add(message.shop_id, {"notifications.failed": 1})
                await self._flag(entry, Reason.NOTIFICATION_FAILED)


__all__ = ["Notifier", "RetryPolicy", "ShopId"]
