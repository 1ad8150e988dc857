"""``orderbot chat``: a customer's conversation at the terminal, through the same inbox and outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.conversation import Conversation
from bot.inbox import FloodLimit, Inbox
from channels.base import ChannelName, OutboundMessage
from channels.console import ConsoleChannel
from orders.model import Shop, ShopId
from orders.service import OrderService


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
    """Read lines as the customer ``phone`` until ``read`` gives None; print each reply as it is sent."""
    db = service.db
    shop = await db.shops.get(ShopId(shop_id))
    inbox = Inbox(db, clock, Conversation(service, clock, console_style=style), FloodLimit(messages=1000))
    console = ConsoleChannel(write)
    try:
        await _converse(shop, phone, inbox, console, read, clock)
    finally:
        await inbox.close()


async def _converse(
    shop: Shop,
    phone: str,
    inbox: Inbox,
    console: ConsoleChannel,
    read: Callable[[], Awaitable[str | None]],
    clock: Callable[[], datetime],
) -> None:
    db = inbox.db
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=phone)
    while (line := await read()) is not None:
        if not line.strip():
            continue
        message = await inbox.accept(
            shop, console.inbound(line, sender=phone, recipient=shop.id, now=clock())
        )
        await inbox.drain()
        if message is None:
            continue
        for entry in await db.outbox.queued_for(shop.id, customer.id, ChannelName.CONSOLE.value):
            if entry.message and await db.outbox.set_state(shop.id, entry.id, "sent", expected="queued"):
                await console.send(
                    OutboundMessage(
                        channel=ChannelName.CONSOLE, to=phone, sender=shop.name, text=entry.message
                    )
                )
