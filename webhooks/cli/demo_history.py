"""The demo shop's past: ten weeks of delivered orders and a few customers' conversations about them.

Without a past, the demo cannot show what learns from one: the delivery dates the chat tells (they need 30
deliveries), the analytics page's days, the promises kept or broken, the satisfaction answers. So the demo
goes through the same paths a shop's history would, on a clock it moves through those weeks:

- the delivered orders come in through the import (``orders.importing``), as a shop owner's history would;
- a few customers' orders come through the shop's order events (shipped, then delivered), and each of
  those customers asks in the chat when theirs will arrive (a date is told and recorded), is told it was
  delivered, gets the satisfaction request a day later and answers it.

It is seeded once per data dir (nothing when its first order is there), the askers side by side, each on a
clock of their own; the history is fixed by a seed, its days relative to the day the demo starts.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.chat import chat
from bot.notifier import Notifier
from channels.base import ChannelName
from channels.console import ConsoleChannel
from orders.import_history import ImportRow
from orders.importing import Pending, import_orders
from orders.lifecycle import Status
from orders.model import Customer, Item, Order, OrderData, OutboxState, Place, Shop, Tracking
from orders.satisfaction import idempotency_key as survey_key
from orders.store import Database
from orders.usecases import OrderUseCases
from webhooks.cli.demo import PRODUCTS

#: The weeks of history: the analytics page's 30 days and the 90-day view both have something to show.
HISTORY_DAYS = 75
#: The first history order's external id: present, the history was seeded before.
FIRST_EXTERNAL_ID = "demo-h-0001"

_ROASTERY = Place(country="US", region="NY")
#: Destination region and the days in transit (least, most) from the roastery in New York.
_LANES = [("NY", 1, 3), ("NJ", 1, 3), ("PA", 2, 4), ("IL", 3, 5), ("TX", 4, 6), ("FL", 3, 6), ("CA", 5, 8)]
_FIRST = ["Grace", "Hiro", "Isabel", "Jonas", "Kemi", "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa"]  # fmt: skip
_LAST = ["Hopper", "Tanaka", "Cruz", "Berg", "Bello", "Walsh", "Rossi", "Kim", "Novak"]
#: Customers of the past: most bought once or twice (phones in the 555-01xx range kept for fiction).
_PEOPLE = [
    (
        f"{_FIRST[index % len(_FIRST)]} {_LAST[(index + index // len(_FIRST)) % len(_LAST)]}",
        f"+1415555{120 + index:04d}",
    )
    for index in range(72)
]
#: The customers who ask about their order: days ago it shipped, the hour they ask (shop time), their
#: satisfaction answer, and whether the order comes later than the day they were told.
_ASKERS = [
    (26, 9, "5", False), (21, 13, "4, lovely coffee", False), (17, 20, "5 stars", False),
    (14, 8, "2, the bag was torn", True), (11, 12, "4", False), (8, 18, "3, it came late", True),
]  # fmt: skip


class DemoClock:
    """The clock the demo moves through its past; every part seeding the history reads it."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Asker:
    """A customer whose order goes through the shop's events and who talks to the chat about it."""

    data: OrderData
    phone: str
    asks_at: datetime
    answer: str
    late: bool


def history(now: datetime, timezone: str) -> tuple[list[ImportRow], list[Asker]]:
    """The orders of the last ``HISTORY_DAYS``, oldest first and numbered up to 1000 (the live orders are
    1001 on): the delivered and cancelled ones to import, and the askers'."""
    rng, zone = random.Random(20261207), ZoneInfo(timezone)  # noqa: S311  (a fixed, believable history)
    placed: list[tuple[datetime, int | None]] = []  # when, and which asker's order it is
    for days_ago in range(HISTORY_DAYS, 4, -1):
        day = (now - timedelta(days=days_ago)).astimezone(zone).replace(minute=0, second=0, microsecond=0)
        placed += [(day.replace(hour=rng.randint(8, 21)), None) for _ in range(rng.choice((1, 2, 2, 3)))]
    placed += [((now - timedelta(days=a[0], hours=30)).astimezone(zone), i) for i, a in enumerate(_ASKERS)]
    placed.sort(key=lambda one: one[0])
    rows: list[ImportRow] = []
    askers: list[Asker] = []
    for index, (created, asking) in enumerate(placed):
        number, (name, phone) = str(1001 - len(placed) + index), _PEOPLE[index % len(_PEOPLE)]
        title, price = PRODUCTS[index % len(PRODUCTS)]
        region, fastest, slowest = _LANES[index % len(_LANES)]
        shipped = created + timedelta(hours=rng.uniform(14, 50))
        delivered = shipped + timedelta(days=rng.uniform(fastest, slowest))
        order = OrderData(
            external_id=f"demo-h-{index + 1:04d}", number=number, created_at=created,
            customer=Customer(name=name, phone=phone, email=f"{name.split()[0].lower()}@example.com"),
            items=[Item(title=title, quantity=1 + index % 2, price=Decimal(price))],
            total=Decimal(price) * (1 + index % 2), currency="USD",
            tracking=Tracking(carrier="UPS", number=f"1Z999AA2{index:010d}", url=None),
            ship_from=_ROASTERY, ship_to=Place(country="US", region=region),
            channel=("whatsapp", "sms", "instagram")[index % 3],
        )  # fmt: skip
        if asking is not None:
            days, hour, answer, late = _ASKERS[asking]
            shipped = now - timedelta(days=days)
            data = order.model_copy(update={"status": Status.SHIPPED, "updated_at": shipped})
            asks = shipped.astimezone(zone).replace(hour=hour) + timedelta(days=1)
            askers.append(Asker(data, phone, asks, answer, late))
        elif rng.random() < 0.06:
            times = {"status": Status.CANCELLED, "cancelled_at": created + timedelta(hours=3)}
            rows.append(ImportRow(**{**dict(order), **times}))
        elif delivered < now - timedelta(hours=2):
            times = {"paid_at": created, "shipped_at": shipped, "delivered_at": delivered}
            rows.append(ImportRow(**{**dict(order), **times}))
    return rows, askers


async def seed_history(
    db: Database, shop: Shop, now: datetime, build: Callable[[DemoClock], OrderUseCases]
) -> None:
    """The demo shop's past, once: nothing when its first history order exists."""
    if await db.orders.find_external(shop.id, FIRST_EXTERNAL_ID) is not None:
        return
    rows, askers = history(now, shop.timezone)
    await import_orders(
        build(DemoClock(now)), shop, [Pending(index, data=data) for index, data in enumerate(rows, 1)]
    )
    # each asker on a clock of their own: their orders and customers are apart, so they go side by side
    await asyncio.gather(*(_ask_and_deliver(db, build, shop, asker, now) for asker in askers))


async def _ask_and_deliver(
    db: Database, build: Callable[[DemoClock], OrderUseCases], shop: Shop, asker: Asker, now: datetime
) -> None:
    """One asker's order: shipped, asked about in the chat, delivered on the day told (or later), and the
    satisfaction request answered; each at its own time, each message sent when it was due."""
    clock = DemoClock(now)
    service = build(clock)
    channels = {ChannelName.CONSOLE.value: ConsoleChannel()}
    sender = Notifier(service.desk, channels, clock, stores=db, promises=service.promises)
    clock.at = asker.data.updated_at or now
    order = (await service.shop_events.apply_event(shop, "created", asker.data)).order
    await _send_due(db, sender, shop, order)
    clock.at = asker.asks_at
    asking = ["where is my order?", f"when will {order.number} arrive?"]
    await _talk(
        service, db, shop, clock, asker.phone, [*asking, "thanks!"] if asker.answer[0] == "5" else asking
    )
    told = await db.promises.for_order(shop.id, order.id)
    if not told:
        return
    promise = told[-1]  # both dates are the end of a day: delivered in that day's afternoon, or a day late
    day = (
        promise.promised_date + timedelta(days=1)
        if asker.late
        else promise.promised_likely or promise.promised_date
    )
    delivered = day - timedelta(hours=8)
    if delivered >= now - timedelta(hours=2):
        return
    clock.at = delivered
    done = asker.data.model_copy(update={"status": Status.FULFILLED, "updated_at": delivered})
    order = (await service.shop_events.apply_event(shop, "updated", done)).order
    await _send_due(db, sender, shop, order)
    survey = await db.outbox.find_key(shop.id, survey_key(order))
    if survey is None or survey.due_at >= now - timedelta(hours=2):
        return
    clock.at = survey.due_at + timedelta(minutes=1)
    await sender.send_now(survey.id, shop_id=shop.id)
    clock.at = survey.due_at + timedelta(hours=1 + len(asker.answer) % 4)  # whenever they read it
    await _talk(service, db, shop, clock, asker.phone, [asker.answer])


async def _send_due(db: Database, sender: Notifier, shop: Shop, order: Order) -> None:
    """Send what the order's change queued and is due now, as the dispatcher would have then."""
    for entry in await db.outbox.for_order(shop.id, order.id):
        if entry.state == OutboxState.QUEUED.value and entry.due_at <= sender.clock():
            await sender.send_now(entry.id, shop_id=shop.id)


async def _talk(
    service: OrderUseCases, db: Database, shop: Shop, clock: DemoClock, phone: str, lines: list[str]
) -> None:
    said = iter(lines)

    async def read() -> str | None:
        clock.at += timedelta(minutes=2)
        return next(said, None)

    await chat(
        service, shop.id, phone, stores=db, style="whatsapp", read=read, write=lambda _: None, clock=clock
    )
