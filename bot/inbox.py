"""The inbox: inbound chat messages are stored once, acknowledged, then handled in the background.

A webhook answers after ``accept`` has stored the message in the inbox (one write to a collection with no
index but its key), not after the reply is sent. Handling moves the message to ``messages`` with the state
it ended in and then takes it out of the inbox; what a crash leaves there is handled again by ``recover``
(at start-up and by the worker). A provider's retry that arrives after the move is found in ``messages``
and dropped, so no message is answered twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.stores import InboxStores
from bot.work import FairSlots, WorkQueue
from channels.base import PHONE_CHANNELS, InboundMessage
from orders.analytics import message_tallies
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
from orders.store import NotFound

log = logging.getLogger(__name__)


class Understood(Protocol):
    """What a handler understood of a message: its intent, and the kind of request or topic."""

    @property
    def intent(self) -> str: ...
    @property
    def detail(self) -> str | None: ...


class InboxHandler(Protocol):
    """Decides what to do with a stored inbound message (the conversation engine)."""

    async def handle(self, shop: Shop, customer: CustomerRecord, message: Message) -> Understood | None:
        """Answer ``message``; returns what it understood the message to ask, which is kept with it."""


@dataclass(frozen=True)
class FloodLimit:
    """At most ``messages`` from one sender per ``window_seconds`` are handled; the rest are recorded only."""

    messages: int = 8
    window_seconds: int = 60


def received_message(shop: Shop, inbound: InboundMessage, now: datetime) -> Message:
    """The message ``Inbox.accept`` stores for a delivery: not handled yet, its customer not looked up."""
    return Message(
        id=MessageId(new_id("msg")),
        shop_id=shop.id,
        customer_id=None,  # found (or created, on first contact) when the message is handled
        channel=inbound.channel.value,
        direction=Direction.INBOUND,
        provider_id=inbound.provider_id,
        sender=inbound.sender,
        recipient=inbound.recipient,
        body=inbound.text,
        attachments=[Attachment(url=m.url, content_type=m.content_type) for m in inbound.media],
        payload=inbound.payload,
        state=DeliveryState.RECEIVED,
        created_at=inbound.received_at,
        updated_at=now,
    )


class Inbox:
    """Stores inbound messages on the webhook's path (one write) and hands them to ``concurrency``
    background workers through a bounded queue.

    A worker handles its message once it holds one of the process's database slots (``gate``, shared with
    the other background work, a customer's message before the shop's notifications), so that under a
    burst the acknowledgements do not queue at the database behind the handling. What overflows the queue
    waits in the inbox for ``recover``.
    """

    def __init__(
        self,
        stores: InboxStores,
        clock: Callable[[], datetime],
        handler: InboxHandler | None = None,
        flood: FloodLimit | None = None,
        concurrency: int = 8,
        backlog: int = 5000,
        gate: FairSlots | None = None,
    ) -> None:
        self.stores = stores
        self.clock = clock
        self.handler = handler
        self.flood = flood or FloodLimit()
        self.work = WorkQueue("inbox", concurrency, backlog, gate)

    async def accept(self, shop: Shop, inbound: InboundMessage) -> Message | None:
        """Store a customer's message once (one write); None when the same delivery is waiting already."""
        message = received_message(shop, inbound, self.clock())
        if not await self.stores.inbox.add(message):
            return None
        self._enqueue(shop, message)
        return message

    def _enqueue(self, shop: Shop, message: Message) -> None:
        self.work.submit(lambda: self.process(shop, message), shop.id, urgent=True)

    async def process(self, shop: Shop, message: Message) -> None:
        """Find the sender's customer (created on first contact), open their window, apply the flood limit,
        hand the message to the engine, then move it from the inbox to ``messages``.

        It is moved also when the engine failed, so one bad message cannot loop forever. A crash before the
        move hands it to the engine again on recovery, with the same message id, so the reply's outbox key is
        the same and the customer still gets one answer.
        """
        if await self.stores.messages.by_provider_id(message.channel, message.provider_id) is not None:
            await self.stores.inbox.remove(message)  # handled before: a late retry, or a crash after the move
            return
        now = self.clock()
        by_phone = message.channel in PHONE_CHANNELS
        customer, new = await self.stores.customers.wrote(
            shop.id,
            message.channel,
            message.created_at,
            now=now,
            phone=message.sender if by_phone else None,
            instagram_id=None if by_phone else message.sender,
        )
        message = message.model_copy(update={"customer_id": customer.id})
        if not new:  # the window is open again: what waited behind a WhatsApp nudge goes out now
            await self.stores.outbox.release_parked(shop.id, customer.id, message.channel, now)
        flood_key = f"inbound:{shop.id}:{message.channel}:{message.sender}"
        if not await self.stores.rate_limits.allow(
            flood_key, now, limit=self.flood.messages, window_seconds=self.flood.window_seconds
        ):
            log.info("flood from one %s sender in shop %s: recorded, not answered", message.channel, shop.id)
            await self._handled(message, DeliveryState.IGNORED, "rate_limited", shop.timezone)
            return
        note = None
        try:
            if self.handler is not None:
                fresh = customer.model_copy(
                    update={"last_inbound": {**customer.last_inbound, message.channel: message.created_at}}
                )
                if understood := await self.handler.handle(shop, fresh, message):
                    message = message.model_copy(
                        update={"intent": str(understood.intent), "intent_detail": understood.detail}
                    )
        except Exception:
            log.exception("handling message %s failed", message.id)
            note = "handler_failed"
        await self._handled(message, DeliveryState.PROCESSED, note, shop.timezone)

    async def _handled(self, message: Message, state: DeliveryState, note: str | None, zone: str) -> None:
        """Record the message with the state it ended in, count it on the shop's analytics day (its local
        hour, what it asked about) the one time it is recorded, then take it out of the inbox."""
        if await self.stores.messages.add(
            message.model_copy(update={"state": state, "note": note, "updated_at": self.clock()})
        ):
            await self.stores.analytics.add(
                message.shop_id, message_tallies(message.created_at, message.intent), zone
            )
        await self.stores.inbox.remove(message)

    async def recover(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Handle messages a crash (or a backlog) left unprocessed; returns how many."""
        handled = 0
        for message in await self.stores.inbox.pending(self.clock() - older_than):
            try:
                shop = await self.stores.shops.get(message.shop_id)
            except NotFound:
                continue
            await self.process(shop, message)
            handled += 1
        return handled

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until queued messages are handled (tests, graceful shutdown); the rest are recovered later."""
        await self.work.drain(timeout)

    async def close(self) -> None:
        await self.work.close()
