"""The analytics days counted as things happen, through the real app, database and providers' SDKs.

The world is the satisfaction tests' (``satisfaction_world``): a Berlin shop on WhatsApp, SMS, Instagram and
email, orders by signed order webhooks, customers by signed Twilio webhooks, sends through the Twilio SDK
to its stand-in. The shop also takes AfterShip's signed webhooks, for moves on a carrier's word.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from orders.model import Direction, NotificationId, OrderId, OutboxEntry, OutboxKind, Shop
from orders.shops import new_shop
from orders.store import Database
from orders.store.analytics import nested
from tests.conftest import Api, Clock, flush_counters, token_for
from tests.integration import test_carrier_webhooks as carriers
from tests.integration.satisfaction_world import (
    ACCOUNT_SID,
    ANA,
    AUTH_TOKEN,
    BEN,
    PUBLIC_URL,
    World,
    WorldMaker,
    make_world,
    smtp,
)
from webhooks.keys import SERVICE

__all__ = ["make_world", "smtp"]  # the fixtures, used by name

FIXTURES = Path(__file__).parent.parent / "fixtures"
UPS = carriers.UPS_NUMBER


async def with_aftership(world: World) -> None:
    """The world's shop also takes AfterShip's webhooks (no API key: no tracker is registered)."""
    shop = world.shop.model_copy(update={"aftership_webhook_secret": carriers.AFTERSHIP_SECRET})
    await world.db.shops.save(shop)
    world.shop = shop


async def from_carrier(world: World, tag: str, at: str, event_id: str) -> None:
    body = carriers.aftership_update(tag, at, event_id=event_id)
    await carriers.from_aftership(world.client, world.shop, body)
    await world.sends.dispatch()


async def provider_reports(world: World, to: str, status: str) -> None:
    """Twilio's signed status callback for the latest message sent to ``to``."""
    sent = [
        m
        async for m in world.db.analytics_sources.messages(world.shop.id)
        if m.direction == Direction.OUTBOUND and m.recipient.endswith(to)
    ]
    latest = max(sent, key=lambda m: m.created_at)
    name = {"delivered": "status_delivered", "undelivered": "status_undelivered_30005"}[status]
    params = json.loads((FIXTURES / "twilio" / f"{name}.json").read_text())
    params.update(MessageSid=latest.provider_id, SmsSid=latest.provider_id, AccountSid=ACCOUNT_SID)
    url = f"{PUBLIC_URL}/webhooks/twilio/status"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = await world.client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 204, await response.text()


async def promise(world: World, number: str, day: datetime) -> None:
    """A date told to the customer of order ``number`` in a message that was sent (the ledger's record)."""
    order = await world.db.orders.find_external(world.shop.id, f"A-{number}")
    assert order is not None
    entry = OutboxEntry(
        id=NotificationId(f"ntf_promise_{number}"), shop_id=world.shop.id, order_id=OrderId(order.id),
        kind=OutboxKind.REPLY, channel="whatsapp", due_at=world.clock(), created_at=world.clock(),
        idempotency_key=f"reply:promise-{number}", promised_date=day,
    )  # fmt: skip
    assert await world.app[SERVICE].promises.record(entry, "whatsapp", "It should arrive by then.")


async def live_and_recount(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    await flush_counters(world.app)  # counted by the app's client, read through the test's
    live = await world.db.analytics.days(
        world.shop.id, datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date()
    )
    recount = await world.app[SERVICE].analytics.recount(world.shop)
    return live, {day: nested(counts) for day, counts in recount.items()}


async def test_the_live_days_equal_a_recount_after_a_realistic_mix(make_world: WorldMaker) -> None:
    world = await make_world()
    await with_aftership(world)
    # customers write: Ana on WhatsApp about her order, Ben by SMS
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "where is my order 1042?")
    await world.twilio_message(BEN, "hello", whatsapp=False)
    # order 1042 of Ana, shipped (told on WhatsApp, delivered by Twilio's report); 1050 of Ben, pending,
    # whose first message fails for good (an unsubscribed number)
    await world.new_order(phone=ANA)
    await provider_reports(world, ANA, "delivered")
    world.twilio.fail_next(status=400, code=21610)
    await world.order_event(
        "order.created", id="A-1050", number="1050", status="pending", channel="sms",
        customer={"name": "Ben Ortiz", "phone": BEN},
    )  # fmt: skip
    # order 1060 of Ana, shipped with a UPS parcel; dates told for 1042 (kept) and 1060 (broken)
    await world.order_event(
        "order.created", id="A-1060", number="1060", status="shipped", channel="whatsapp",
        customer={"name": "Ana Lima", "phone": ANA}, tracking={"carrier": "UPS", "number": UPS},
    )  # fmt: skip
    await promise(world, "1042", world.clock() + timedelta(days=3))
    await promise(world, "1060", world.clock() + timedelta(hours=1))
    # a day later the rules move 1050 on (pending over 24 h), and staff ship it; Ben's SMS is undelivered
    await world.at(hours=25)
    moved = await world.api(f"/orders/{(await world.order('1050'))['order_id']}/auto-progress", "POST")
    assert moved["applied"] and moved["order"]["status"] == "processing"
    body = {"order_id": moved["order"]["order_id"], "status": "shipped"}
    await world.api("/orders/update-status", "POST", body)
    await world.sends.dispatch()
    await provider_reports(world, BEN, "undelivered")
    # the shop delivers 1042, the carrier 1060; Ana is asked the next day and answers 2 (staff are alerted)
    await world.deliver()
    await from_carrier(world, "Delivered", "2026-11-03T15:00:00+01:00", "as-delivered")
    world.twilio.customer_wrote(ANA)
    await world.at(hours=24)
    await world.twilio_message(ANA, "2")
    assert world.staff_alerts()  # on Telegram: not a notification of the page
    # and the shop brings in its history
    rows = [json.loads(line) for line in (FIXTURES / "import" / "history.jsonl").read_text().splitlines()]
    await world.api("/orders/import", "POST", {"orders": rows[:3]}, role="admin")

    live, recount = await live_and_recount(world)
    assert live == recount
    answer = await world.api("/analytics?from=2026-03-01&to=2026-11-30")
    week = {day: i for i, day in enumerate(answer["days"])}
    nov2, nov3, nov4 = week["2026-11-02"], week["2026-11-03"], week["2026-11-04"]
    assert answer["new_orders"][nov2] == 3 and answer["new_orders"][week["2026-03-01"]] == 1
    assert answer["orders_by_status"]["fulfilled"][nov3] == 2  # 1042 by the shop, 1060 by the carrier
    assert answer["automatic_moves"]["rules"][nov3] == 1 and answer["automatic_moves"]["carrier"][nov3] == 1
    assert answer["promises"]["kept"][nov3] == 1 and answer["promises"]["broken"][nov3] == 1
    assert answer["promises"]["kept_share"] == 0.5
    notified = answer["notifications"].values()
    # one refused by Twilio (never sent), one reported undelivered, one reported delivered
    totals = [sum(channel[what] for channel in notified) for what in ("sent", "delivered", "failed")]
    assert totals == [8, 1, 2]
    assert answer["notifications"]["whatsapp"]["delivered"] == 1 and "telegram" not in answer["notifications"]
    assert answer["satisfaction"]["whatsapp"] == {  # both delivered orders asked about, one answered
        "asked": 2, "answered": 1, "score_sum": 2, "satisfied": 0, "average": 2.0, "response_rate": 0.5,
    }  # fmt: skip
    assert answer["orders_by_status"]["fulfilled"][week["2026-03-07"]] == 1  # the import, on its own day
    assert answer["handover_days"]["counts"][2] == 1  # H-1001: created Mar 1, shipped Mar 3
    assert sum(answer["messages_by_hour"]) == 3 and answer["messages_by_hour"][10] == 2  # 09:00 UTC is 10:00
    assert answer["intents"].get("order_status") == 1
    assert sum(answer["new_orders"][nov4:]) == 0


async def test_an_event_at_half_past_eleven_local_counts_on_that_local_day(make_world: WorldMaker) -> None:
    world = await make_world()
    world.clock.now = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    await world.order_event(
        "order.created", id="A-1", number="1", status="pending", created_at="2026-11-02T22:30:00Z"
    )
    world.clock.now = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # 00:30 on the 3rd in Berlin
    await world.order_event(
        "order.created", id="A-2", number="2", status="pending", created_at="2026-11-02T23:30:00Z"
    )
    answer = await world.api("/analytics?from=2026-11-02&to=2026-11-03")
    assert answer["new_orders"] == [1, 1]
    assert answer["orders_by_status"]["pending"] == [1, 1]


async def test_a_replayed_order_event_counts_once(make_world: WorldMaker) -> None:
    world = await make_world()
    await world.order_event("order.created", "evt-1", id="A-1", number="1", status="pending")
    shipped = {"id": "A-1", "number": "1", "status": "shipped", "updated_at": "2026-11-02T09:00:00Z"}
    for _ in range(2):  # the platform retries with the same delivery id
        await world.order_event("order.updated", "evt-2", **shipped)
    await world.order_event("order.updated", "evt-3", **shipped)  # and sends the same news again
    await world.order_event("order.created", "evt-1", id="A-1", number="1", status="pending")
    answer = await world.api("/analytics?from=2026-11-02&to=2026-11-02")
    assert answer["new_orders"] == [1]
    assert answer["orders_by_status"]["shipped"] == [1]
    assert answer["handover_days"]["counts"][0] == 1
    live, recount = await live_and_recount(world)
    assert live == recount


async def test_a_shop_sees_only_its_own_days(
    client: Any, db: Database, clock: Clock, api: Api, shop: Shop
) -> None:
    other = new_shop("Other Coffee", clock(), timezone="Europe/Berlin")
    await db.shops.add(other)
    other_api = Api(client, token_for(other))
    await other_api.post("/orders", {"number": "9", "customer": {"name": "Zoe"}}, status=201)
    mine = await api.get("/analytics", 200, **{"from": "2026-11-02", "to": "2026-11-02"})
    theirs = await other_api.get("/analytics", 200, **{"from": "2026-11-02", "to": "2026-11-02"})
    assert (mine["new_orders"], theirs["new_orders"]) == ([0], [1])
