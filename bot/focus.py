"""Which order a customer is talking about when a message names none: the one the bot last wrote about.

A customer with several orders who has just asked about one ("where is 1013?") and then asks "when will it
arrive?" means that one, as a person behind the counter would understand. Nothing new is stored for it: the
answer is read back from the customer's latest messages sent to them (each names the outbox entry it came
from, and the entry names its order). Only answers count (the bot's replies and staff's): a status update
of another order sent meanwhile is news, not what the customer was asking about. The caller still checks that the order is among those the customer
may see and may be asking about; this module only says which order was last spoken of.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from orders.model import CustomerId, Direction, OrderId, OutboxKind, ShopId
from orders.store import ConversationStore

#: How long an order stays the one a conversation is about: long enough for a customer to read the answer,
#: look something up and come back with a follow-up; much later, a question without a number is more likely
#: a new one, and is answered with the choice of their orders.
FOCUS_WINDOW = timedelta(minutes=30)
#: The outbox entries that answer the customer, rather than tell them news.
ANSWER_KINDS = frozenset({OutboxKind.REPLY, OutboxKind.MANUAL})
#: How far back in the conversation the order is looked for: a few exchanges (a "thanks" and its answer may
#: follow the answer about the order); one read of this many messages by the conversation's index.
FOCUS_LOOKBACK_MESSAGES = 10


class FocusStores(Protocol):
    """The conversation's latest messages and the outbox entries they came from."""

    @property
    def conversations(self) -> ConversationStore: ...


async def order_in_focus(
    stores: FocusStores, shop_id: ShopId, customer_id: CustomerId, now: datetime
) -> OrderId | None:
    """The order of the newest answer sent to the customer within ``FOCUS_WINDOW`` that was about one."""
    recent = await stores.conversations.messages(
        shop_id, customer_id, before=None, limit=FOCUS_LOOKBACK_MESSAGES
    )
    sent = [
        m.outbox_id
        for m in recent
        if m.direction == Direction.OUTBOUND
        and m.outbox_id is not None
        and now - m.created_at <= FOCUS_WINDOW
    ]
    if not sent:
        return None
    entries = await stores.conversations.entries(shop_id, list(sent))
    for entry_id in sent:  # newest first, as the messages came
        entry = entries.get(entry_id)
        if (
            entry is not None
            and entry.kind in ANSWER_KINDS
            and entry.order_id is not None
            and entry.customer_id in (None, customer_id)
        ):
            return entry.order_id
    return None
