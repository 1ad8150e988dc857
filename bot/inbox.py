"""The inbox: inbound chat messages are stored once, acknowledged, then handled in the background.

A webhook answers after ``accept`` has stored the message, not after the reply is sent. Messages still
``received`` after a crash are handled again by ``recover`` (at start-up and by the worker).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from channels.base import ChannelName, InboundMessage
from orders.model import (
    Attachment,
    CustomerRecord,
    DeliveryState,
    Direction,
    Message,
    MessageId,
    Shop,
    new_id,
)
from orders.store import Database, NotFound

log = logging.getLogger(__name__)


class InboxHandler(Protocol):
    """Decides what to do with a stored inbound message (the conversation engine)."""

    async def handle(self, shop: Shop, customer: CustomerRecord, message: Message) -> None: ...


@dataclass(frozen=True)
class FloodLimit:
    """At most ``messages`` from one sender per ``window_seconds`` are handled; the rest are recorded only."""

    messages: int = 8
    window_seconds: int = 60


class Inbox:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        handler: InboxHandler | None = None,
        flood: FloodLimit | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.handler = handler
        self.flood = flood or FloodLimit()
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, shop: Shop, inbound: InboundMessage) -> Message | None:
        """Store a customer's message once; None when the provider delivered it before."""
        now = self.clock()
        by_phone = inbound.channel in (ChannelName.SMS, ChannelName.WHATSAPP, ChannelName.CONSOLE)
        customer = await self.db.customers.find_or_create(
            shop.id,
            now=now,
            phone=inbound.sender if by_phone else None,
            instagram_id=None if by_phone else inbound.sender,
        )
        message = Message(
            id=MessageId(new_id("msg")),
            shop_id=shop.id,
            customer_id=customer.id,
            channel=inbound.channel.value,
            direction=Direction.INBOUND,
            provider_id=inbound.provider_id,
            sender=inbound.sender,
            recipient=inbound.recipient,
            body=inbound.text,
            attachments=[Attachment(url=m.url, content_type=m.content_type) for m in inbound.media],
            state=DeliveryState.RECEIVED,
            created_at=now,
            updated_at=now,
        )
        if not await self.db.messages.add(message):
            return None
        await self.db.customers.record_inbound(
            shop.id, customer.id, inbound.channel.value, inbound.received_at
        )
        flood_key = f"inbound:{shop.id}:{inbound.channel}:{inbound.sender}"
        if await self.db.rate_limits.hit(flood_key, now, self.flood.window_seconds) > self.flood.messages:
            await self.db.messages.set_state(
                shop.id, message.id, DeliveryState.IGNORED, now, note="rate_limited"
            )
            log.info(
                "flood from one %s sender in shop %s: message recorded, not answered",
                inbound.channel,
                shop.id,
            )
            return message.model_copy(update={"state": DeliveryState.IGNORED, "note": "rate_limited"})
        self._spawn(shop, customer, message)
        return message

    def _spawn(self, shop: Shop, customer: CustomerRecord, message: Message) -> None:
        task = asyncio.create_task(self.process(shop, customer, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def process(self, shop: Shop, customer: CustomerRecord, message: Message) -> None:
        """Hand the message to the engine, then mark it processed (also when the engine failed: no loops)."""
        note = None
        try:
            if self.handler is not None:
                await self.handler.handle(shop, customer, message)
        except Exception:
            log.exception("handling message %s failed", message.id)
            note = "handler_failed"
        await self.db.messages.set_state(
            shop.id, message.id, DeliveryState.PROCESSED, self.clock(), note=note
        )

    async def recover(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Handle messages a crash left unprocessed; returns how many."""
        handled = 0
        for message in await self.db.messages.unprocessed(self.clock() - older_than):
            try:
                shop = await self.db.shops.get(message.shop_id)
                customer = await self.db.customers.get(message.shop_id, message.customer_id or "")
            except NotFound:
                continue
            await self.process(shop, customer, message)
            handled += 1
        return handled

    async def drain(self, timeout: float = 10.0) -> None:
        """Let in-flight handling finish (graceful shutdown); what does not finish is recovered later."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
