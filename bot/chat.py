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
from bot.satisfaction_answers import SurveyAnswers
from bot.stores import ChatStores, NotifierStores
from channels.base import ChannelName
from channels.console import ConsoleChannel
from orders.model import Message, OutboxState, Shop, ShopId
from orders.usecases import OrderUseCases

#: How long a turn waits for its reply to be sent (by this process or another) before it gives up on it.
REPLY_WAIT_SECONDS = 10.0
#: How often it looks again meanwhile: a running ``serve``'s dispatcher polls every half second.
LOOK_EVERY_SECONDS = 0.05
_UNSETTLED = (OutboxState.QUEUED.value, OutboxState.SENDING.value)


async def chat(
    service: OrderUseCases,
    shop_id: str,
    phone: str,
    *,
    stores: ChatStores,
    style: str,
    read: Callable[[], Awaitable[str | None]],
    write: Callable[[str], None],
    clock: Callable[[], datetime],
) -> None:
    """Read lines as the customer ``phone`` until ``read`` gives None; print each reply once it is sent."""
    shop = await stores.shops.get(ShopId(shop_id))
    conversation = Conversation(
        service.desk, clock, console_style=style, stores=stores, estimates=service.estimates,
        survey_answers=SurveyAnswers(service.desk, clock, stores=stores),
    )  # fmt: skip
    inbox = Inbox(stores, clock, conversation, FloodLimit(messages=1000))
    # with the ledger, as every sender has it: a dated reply sent here is a promise like one sent by ``serve``
    notifier = Notifier(
        service.desk, {ChannelName.CONSOLE.value: ConsoleChannel()}, clock, stores=stores,
        promises=service.promises,
    )  # fmt: skip
    try:
        while (line := await read()) is not None:
            if not line.strip():
                continue
            inbound = ConsoleChannel.inbound(line, sender=phone, recipient=shop.id, now=clock())
            message = await inbox.accept(shop, inbound)
            await inbox.drain()
            if message is not None and (reply := await _reply(notifier, stores, shop, message)) is not None:
                write(reply)
    finally:
        await inbox.close()


async def _reply(notifier: Notifier, stores: NotifierStores, shop: Shop, message: Message) -> str | None:
    """The reply to ``message`` as it was sent, by this process or another; None when there is none.

    It is sent here unless another process has it already, and read back from the record of the send.
    """
    deadline = time.monotonic() + REPLY_WAIT_SECONDS
    entry = await stores.outbox.find_key(shop.id, f"reply:{message.id}")
    while entry is not None and entry.state in _UNSETTLED and time.monotonic() < deadline:
        if entry.state != OutboxState.QUEUED.value or not await notifier.send_now(entry.id):
            await asyncio.sleep(LOOK_EVERY_SECONDS)
        entry = await stores.outbox.find_key(shop.id, f"reply:{message.id}")
    if entry is None:
        return None
    if entry.provider_id is None:
        return f"(no reply sent: {entry.state}{f', {entry.error}' if entry.error else ''})"
    sent = await stores.messages.by_provider_id(ChannelName.CONSOLE.value, entry.provider_id)
    return sent.body if sent is not None else entry.message
