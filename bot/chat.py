"""``orderbot chat``: a customer's conversation at the terminal, through the same inbox and outbox.

Its replies are console entries in the outbox, and any process may send them: this one (at once, claimed by
id) or a running ``orderbot serve`` on the same data (its dispatcher has the console channel too). Either
way the sent message is recorded in the database, and that record is what is printed here, so a reply is
never lost to whichever process got to it first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.conversation import Conversation
from bot.inbox import FloodLimit, Inbox
from bot.notifier import Notifier
from channels.base import ChannelName
from channels.console import ConsoleChannel
from orders.model import CustomerRecord, Direction, Message, OutboxState, Shop, ShopId
from orders.service import OrderService

#: How long a turn waits for its reply to be sent (by this process or another) before it gives up on it.
REPLY_WAIT_SECONDS = 10.0
#: How often it looks again meanwhile: a running ``serve``'s dispatcher polls every half second.
LOOK_EVERY_SECONDS = 0.05
_UNSETTLED = (OutboxState.QUEUED.value, OutboxState.SENDING.value)


async def chat(
    service: OrderService,
    shop_id: str,
    phone: str,
    *,
    style: str,
    read: Callable[[], Awaitable[str | None]],
    write: Callable[[str], None],
    clock: Callable[[], datetime],
) -> None:
    """Read lines as the customer ``phone`` until ``read`` gives None; print each reply once it is sent."""
    db = service.db
    shop = await db.shops.get(ShopId(shop_id))
    inbox = Inbox(db, clock, Conversation(service, clock, console_style=style), FloodLimit(messages=1000))
    notifier = Notifier(service, {ChannelName.CONSOLE.value: ConsoleChannel()}, clock)
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=phone)
    printed = _Printed(since=clock())
    try:
        while (line := await read()) is not None:
            if not line.strip():
                continue
            inbound = ConsoleChannel.inbound(line, sender=phone, recipient=shop.id, now=clock())
            message = await inbox.accept(shop, inbound)
            await inbox.drain()
            if message is not None:
                await _send_reply(notifier, shop, message)
            for text in await printed.new(notifier, shop, customer):
                write(text)
    finally:
        await inbox.close()


async def _send_reply(notifier: Notifier, shop: Shop, message: Message) -> None:
    """Send the reply to ``message`` here unless another process has it already; wait until it is sent."""
    deadline = time.monotonic() + REPLY_WAIT_SECONDS
    while time.monotonic() < deadline:
        entry = await notifier.db.outbox.find_key(shop.id, f"reply:{message.id}")
        if entry is None or entry.state not in _UNSETTLED:
            return  # no reply (opted out, say), or sent, or settled otherwise by whoever took it
        if entry.state == OutboxState.QUEUED.value and entry.due_at <= notifier.clock():
            await notifier.send_now(entry.id)
            continue
        await asyncio.sleep(LOOK_EVERY_SECONDS)


class _Printed:
    """The console messages to this customer already shown, so each shows once, oldest first."""

    def __init__(self, since: datetime) -> None:
        self.since = since
        self.shown: set[str] = set()

    async def new(self, notifier: Notifier, shop: Shop, customer: CustomerRecord) -> list[str]:
        recent = await notifier.db.messages.recent(shop.id, customer.id)
        fresh = [
            message for message in reversed(recent)
            if message.direction == Direction.OUTBOUND and message.channel == ChannelName.CONSOLE.value
            and message.created_at >= self.since and message.id not in self.shown
        ]  # fmt: skip
        self.shown.update(message.id for message in fresh)
        return [message.body for message in fresh]
