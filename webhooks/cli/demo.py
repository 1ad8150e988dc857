"""The demo shop for ``orderbot serve --demo``: about 30 orders over every status and age.

It is a simulator shop: what it would send its customers goes to the built-in console channel instead of a
provider, and shows as delivered on the order desk, so a newcomer sees every text the service would send.
Quiet hours are off, so that shows at once whatever the hour is where the demo customers live.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from orders.lifecycle import Status
from orders.model import Customer, Item, NotifyPolicy, OrderData, Shop, Thresholds, Tracking
from orders.shops import new_shop
from orders.store import OrderStore, ShopStore
from orders.usecases import OrderUseCases

DEMO_SHOP_NAME = "Demo Coffee Roasters"

_CUSTOMERS = [
    ("Ana Lima", "+14155550101"),
    ("Ben Okafor", "+447700900102"),
    ("Chloé Martin", "+33612345603"),
    ("Dev Patel", "+919876543204"),
    ("Emma Schulz", "+4915123456705"),
    ("Femi Adeyemi", "+2348012345606"),
]
#: What the demo roastery sells (its past orders too: ``webhooks.cli.demo_history``).
PRODUCTS = [
    ("Ethiopia Yirgacheffe 250 g", "14.50"),
    ("House Espresso 1 kg", "32.00"),
    ("Pour-over kit", "45.90"),
]

# (status, hours since the order was placed, hours in its current status)
_PLAN: list[tuple[Status, float, float]] = [
    *[(Status.PENDING, h, h) for h in (0.5, 3, 20, 30, 60, 75)],
    *[(Status.PROCESSING, h, h - 10) for h in (12, 30, 50, 90, 100, 130)],
    *[(Status.SHIPPED, h, h - 40) for h in (60, 80, 120, 200, 300, 320)],
    *[(Status.FULFILLED, h, 20) for h in (90, 150, 200, 260, 400, 500)],
    *[(Status.CANCELLED, h, h - 2) for h in (10, 40, 70, 200, 300, 380)],
]


async def ensure_demo_shop(
    service: OrderUseCases, shops: ShopStore, orders: OrderStore, now: datetime
) -> Shop:
    """The demo shop and its orders, created once; running it again changes nothing."""
    shop = await shops.find_by_name(DEMO_SHOP_NAME)
    if shop is None:
        # auto-progression on, so the demo shows the rules moving due orders on by themselves
        shop = new_shop(
            DEMO_SHOP_NAME, now, timezone="America/New_York", simulator=True,
            notify=NotifyPolicy(quiet_start="00:00", quiet_end="00:00"), rules=Thresholds(auto_progress=True),
        )  # fmt: skip
        await shops.add(shop)
    elif not shop.simulator:  # a demo shop kept from before shops could be simulators: it sent nothing
        shop = shop.model_copy(update={"simulator": True})
        await shops.save(shop)
    for index, (status, placed_hours, status_hours) in enumerate(_PLAN):
        name, phone = _CUSTOMERS[index % len(_CUSTOMERS)]
        title, price = PRODUCTS[index % len(PRODUCTS)]
        quantity = 1 + index % 3
        number = str(1001 + index)
        if await orders.find_external(shop.id, f"demo-{number}") is not None:
            continue
        tracked = status in (Status.SHIPPED, Status.FULFILLED) or (status == Status.PROCESSING and index % 2)
        data = OrderData(
            external_id=f"demo-{number}",
            number=number,
            status=status,
            customer=Customer(name=name, phone=phone, email=f"{name.split()[0].lower()}@example.com"),
            items=[Item(title=title, quantity=quantity, price=Decimal(price))],
            total=Decimal(price) * quantity,
            currency="USD",
            tracking=Tracking(carrier="UPS", number=f"1Z999AA1{index:010d}", url=None) if tracked else None,
            channel=("whatsapp", "sms", "instagram")[index % 3],
            created_at=now - timedelta(hours=placed_hours),
            updated_at=now - timedelta(hours=status_hours),
        )
        await service.shop_events.apply_event(shop, "created", data)
    if shop.rules.auto_progress:  # the orders already due move on now, with their reasons on the timeline
        await service.progression.sweep(shop)
    return shop
