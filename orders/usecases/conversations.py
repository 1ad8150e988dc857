"""The conversations desk: who waits for a person, each customer's messages in both directions, and a
person's answer.

Reads merge two sources: ``messages`` (every message received or sent, with its delivery state) and the
outbox entries that have no message yet or never will (queued, parked behind a WhatsApp nudge, failed,
skipped). An answer is an outbox entry like any other message (the planner decides how it goes); it
lands on the timelines of the orders it answers and clears their ``customer_waiting``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from orders.model import (
    CustomerId,
    CustomerRecord,
    Direction,
    Message,
    Order,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    Shop,
    ShopId,
)
from orders.store import MessageKey, NotFound, OrderStore, search_key
from orders.usecases.unit_of_work import UnitOfWork

ItemState = Literal["received", "ignored", "queued", "sent", "delivered", "read", "failed", "skipped"]
#: Kinds a person writes; the others the bot does.
_PERSON_KINDS = frozenset({OutboxKind.MANUAL, OutboxKind.FOLLOW_UP})
_ENTRY_STATES: dict[OutboxState, ItemState] = {
    OutboxState.QUEUED: "queued", OutboxState.SENDING: "queued", OutboxState.PARKED: "queued",
    OutboxState.FAILED: "failed", OutboxState.DEAD: "failed", OutboxState.REVIEW: "failed",
    OutboxState.SKIPPED: "skipped",
}  # fmt: skip
_MESSAGE_STATES: dict[str, ItemState] = {
    "processed": "received", "received": "received", "ignored": "ignored", "queued": "queued",
    "sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "failed",
}  # fmt: skip
#: The most orders a conversation reads for its customer (newest first).
ORDERS_SHOWN = 20


@dataclass(frozen=True)
class PhotoRef:
    """A photo staff sent with a message: the order it belongs to and its id there."""

    order_id: str
    photo_id: str


@dataclass(frozen=True)
class ConversationItem:
    """One message of a conversation, received or sent, or still to go."""

    item_id: str
    direction: Literal["in", "out"]
    channel: str | None
    text: str
    at: datetime
    state: ItemState
    #: Why it failed, was skipped, or waits (quiet hours, a nudge); None when it went.
    why: str | None
    #: ``customer``, ``bot``, or the person who wrote it.
    author: str
    intent: str | None = None
    intent_detail: str | None = None
    notification_id: str | None = None
    photos: tuple[PhotoRef, ...] = ()

    @property
    def key(self) -> MessageKey:
        return self.at, 0 if self.direction == "in" else 1, self.item_id


@dataclass(frozen=True)
class ConversationSummary:
    customer: CustomerRecord
    name: str | None
    channel: str | None
    last: ConversationItem | None
    order_numbers: list[str]


ConversationPage = tuple[list[ConversationSummary], str | None]
MessagePage = tuple[list[ConversationItem], str | None]


async def customer_orders(orders: OrderStore, shop_id: ShopId, customer: CustomerRecord) -> list[Order]:
    """The orders the customer may hear about, newest first: those of the phone they write from, the
    phones they linked, and the orders they proved (an Instagram account)."""
    by_phone = await orders.for_customer(
        shop_id, phones=[*customer.phones, *customer.linked_phones], limit=ORDERS_SHOWN
    )
    if not customer.proven_orders:
        return by_phone
    proven = await orders.get_many(shop_id, customer.proven_orders)
    every = {order.id: order for order in [*by_phone, *proven.values()]}
    return sorted(every.values(), key=lambda order: (order.created_at, order.id), reverse=True)


def _encode(parts: list[str | int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[str]:
    """The cursor's parts; ValueError on anything this module did not make."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(parts, list) or len(parts) != size:
        raise ValueError("invalid cursor")
    return [str(part) for part in parts]


def _item(message: Message, entry: OutboxEntry | None) -> ConversationItem:
    inbound = message.direction == Direction.INBOUND
    author = "customer" if inbound else _author(entry)
    state = _MESSAGE_STATES.get(message.state.value, "sent")
    return ConversationItem(
        item_id=message.id, direction="in" if inbound else "out", channel=message.channel, text=message.body,
        at=message.created_at, state=state, why=message.error_code if state == "failed" else message.note,
        author=author, intent=message.intent, intent_detail=message.intent_detail,
        notification_id=message.outbox_id, photos=_photos(entry),
    )  # fmt: skip


def _unsent_item(entry: OutboxEntry) -> ConversationItem:
    text = entry.message or (  # its words are made when it goes: what it is meanwhile
        "satisfaction request (how was your order?)" if entry.kind == OutboxKind.SATISFACTION
        else entry.kind.value.replace("_", " ") + (f": {entry.status}" if entry.status else "")
    )  # fmt: skip
    return ConversationItem(
        item_id=entry.id, direction="out", channel=entry.channel, text=text, at=entry.created_at,
        state=_ENTRY_STATES.get(entry.state, "queued"), why=entry.error or entry.held, author=_author(entry),
        notification_id=entry.id, photos=_photos(entry),
    )  # fmt: skip


def _photos(entry: OutboxEntry | None) -> tuple[PhotoRef, ...]:
    """The photo a photo update carries (its message's attachment names the same one)."""
    if entry is None or entry.photo_id is None or entry.order_id is None:
        return ()
    return (PhotoRef(entry.order_id, entry.photo_id),)


def _author(entry: OutboxEntry | None) -> str:
    if entry is not None and entry.kind in _PERSON_KINDS and entry.actor:
        return entry.actor
    return "bot"


@dataclass(frozen=True)
class Conversations:
    """What the conversations desk reads; ``db`` and ``clock`` come from the unit of work."""

    uow: UnitOfWork

    async def customer(self, shop: Shop, customer_id: str) -> tuple[CustomerRecord, list[Order]]:
        """The customer (NotFound for another shop's) and their orders, newest first."""
        customer = await self.uow.db.customers.get(shop.id, customer_id)
        return customer, await customer_orders(self.uow.db.orders, shop.id, customer)

    async def mark_read(self, shop: Shop, customer_id: str) -> None:
        if not await self.uow.db.customers.mark_read(shop.id, CustomerId(customer_id), self.uow.clock()):
            raise NotFound(f"unknown customer {customer_id}")

    async def listing(
        self, shop: Shop, *, waiting_only: bool, search: str | None, cursor: str | None, limit: int
    ) -> ConversationPage:
        """Customers waiting for a person first (the longest waiting first), then the most recently active.

        A cursor is a place in that order and the time of the first page: what becomes active or waiting
        later sorts before that place or is left out, so later pages neither repeat nor skip a conversation
        for it. A search answers one page, no cursor.
        """
        if search and search_key(search):
            found = await self._search(shop, search_key(search), waiting_only)
            return await self._summaries(shop, found[:limit]), None
        now = self.uow.clock()
        group, at, last_id, as_of = _decode(cursor, 4) if cursor else ("w", "", "", now.isoformat())
        if group not in ("w", "r"):
            raise ValueError("invalid cursor")
        listed_at = datetime.fromisoformat(as_of)
        chosen: list[CustomerRecord] = []
        if group == "w":
            waiting = [
                c for c in await self.uow.db.conversations.waiting(shop.id) if _waiting_key(c)[0] <= listed_at
            ]
            if cursor:
                waiting = [c for c in waiting if _waiting_key(c) > (datetime.fromisoformat(at), last_id)]
            chosen = waiting[: limit + 1]
        if len(chosen) <= limit and not waiting_only:
            # from the cursor on; from the top, what was active by the first page (later ones sort before it)
            before = (datetime.fromisoformat(at), last_id) if group == "r" else (listed_at, "~")
            recent = await self.uow.db.conversations.recent(
                shop.id, before=before, limit=limit + 1 - len(chosen), now=now
            )
            chosen += recent
        more = len(chosen) > limit
        page = chosen[:limit]
        return await self._summaries(shop, page), _list_cursor(page[-1], listed_at) if more and page else None

    async def _search(self, shop: Shop, term: str, waiting_only: bool) -> list[CustomerRecord]:
        """Customers with an order matching ``term`` (number, name, phone or its last 4 digits, email), and
        the customer writing from exactly that phone; in the list's order."""
        db = self.uow.db
        orders = await db.orders.page(shop.id, search=term, limit=50, now=self.uow.clock())
        phones = list(dict.fromkeys([term, *(o.customer.phone for o in orders if o.customer.phone)]))
        found = await asyncio.gather(*(db.customers.find(shop.id, phone=phone) for phone in phones))
        every = {c.id: c for c in found if c is not None and (c.waiting_since or not waiting_only)}
        return sorted(every.values(), key=_list_order)

    async def _summaries(self, shop: Shop, customers: list[CustomerRecord]) -> list[ConversationSummary]:
        return list(await asyncio.gather(*(self._summary(shop, c) for c in customers)))

    async def _summary(self, shop: Shop, customer: CustomerRecord) -> ConversationSummary:
        orders = await customer_orders(self.uow.db.orders, shop.id, customer)
        items, _ = await self._page(shop, customer, orders, before=None, limit=1)
        name = customer.name or next((o.customer.name for o in orders if o.customer.name), None)
        channel = customer.preferred_channel or next((o.channel for o in orders if o.channel), None)
        numbers = [o.number for o in orders]
        return ConversationSummary(customer, name, channel, items[-1] if items else None, numbers)

    async def messages(self, shop: Shop, customer_id: str, *, cursor: str | None, limit: int) -> MessagePage:
        """A page of the customer's conversation: the newest first page, each page in time order; the
        cursor leads to the older messages before it."""
        before: MessageKey | None = None
        if cursor:
            at, rank, item_id = _decode(cursor, 3)
            try:
                before = (datetime.fromisoformat(at), int(rank), item_id)
            except ValueError as exc:
                raise ValueError("invalid cursor") from exc
        customer, orders = await self.customer(shop, customer_id)
        return await self._page(shop, customer, orders, before=before, limit=limit)

    async def _page(
        self,
        shop: Shop,
        customer: CustomerRecord,
        orders: list[Order],
        *,
        before: MessageKey | None,
        limit: int,
    ) -> MessagePage:
        store = self.uow.db.conversations
        messages, unsent = await asyncio.gather(
            store.messages(shop.id, customer.id, before=before, limit=limit + 1),
            store.unsent(shop.id, customer.id, [o.id for o in orders]),
        )
        entries = await store.entries(shop.id, [m.outbox_id for m in messages if m.outbox_id])
        items = [_item(m, entries.get(m.outbox_id) if m.outbox_id else None) for m in messages]
        items += [_unsent_item(e) for e in unsent]
        items = sorted((i for i in items if before is None or i.key < before), key=lambda i: i.key)
        page = items[-limit:]
        more = len(items) > limit
        oldest = page[0].key if page else None
        cursor = _encode([oldest[0].isoformat(), oldest[1], oldest[2]]) if more and oldest else None
        return page, cursor


def _waiting_key(customer: CustomerRecord) -> tuple[datetime, str]:
    return customer.waiting_since or customer.created_at, customer.id


def _list_order(customer: CustomerRecord) -> tuple[int, float, str]:
    """Waiting customers first, the longest waiting first; then the most recently active."""
    if customer.waiting_since is not None:
        return 0, customer.waiting_since.timestamp(), customer.id
    active = customer.active_at.timestamp() if customer.active_at else float("-inf")
    return 1, -active, customer.id


def _list_cursor(customer: CustomerRecord, listed_at: datetime) -> str:
    """Where the next page starts, and when the first page was listed (what came later is not paged)."""
    if customer.waiting_since is not None:
        at, customer_id = _waiting_key(customer)
        return _encode(["w", at.isoformat(), customer_id, listed_at.isoformat()])
    assert customer.active_at is not None
    return _encode(["r", customer.active_at.isoformat(), customer.id, listed_at.isoformat()])


__all__ = [
    "ConversationItem",
    "ConversationPage",
    "ConversationSummary",
    "Conversations",
    "MessagePage",
    "customer_orders",
]
