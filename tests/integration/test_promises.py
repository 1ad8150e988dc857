"""The promise ledger and delay messages (issue 29 items 2 and 4), through the real app and database.

The shop is a simulator shop (its messages go to the console channel, as the demo's do, so each is really
sent) in New York, with quiet hours off so nothing waits. Orders arrive by the generic order webhook; the
carriers' news by signed AfterShip and EasyPost webhooks built from the documented fixtures
(``tests/integration/test_carrier_webhooks``). A chat answer that states a date is queued as the
conversation queues its replies, with ``promised_date`` set.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.staff_alerts import StaffAlerts
from orders.model import NotificationId, NotifyPolicy, OrderId, OutboxEntry, OutboxKind, Promise, Shop
from orders.promises import day_end
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_order_webhook as generic
from tests.integration.test_carrier_webhooks import (
    AFTERSHIP_SECRET,
    EASYPOST_BODY,
    EASYPOST_SECRET,
    UPS_NUMBER,
    aftership_estimate,
    aftership_update,
    client,
    from_aftership,
    from_easypost,
    stand_ins,
    store_api,
)
from webhooks.keys import NOTIFIER, SERVICE
from webhooks.settings import Settings

# the carrier tests' fixtures, used here by name (``store`` is this module's own shop)
__all__ = ["client", "stand_ins", "store_api"]

NEW_YORK = "America/New_York"


@pytest.fixture
async def store(db: Database, clock: Clock) -> Shop:
    created = new_shop(
        "Acme Coffee", clock(), timezone=NEW_YORK, simulator=True,
        notify=NotifyPolicy(quiet_start="00:00", quiet_end="00:00"),
        aftership_webhook_secret=AFTERSHIP_SECRET, aftership_api_key="asat_test_key",
        easypost_webhook_secret=EASYPOST_SECRET, easypost_api_key="EZTK_test_key",
    )  # fmt: skip
    await db.shops.add(created)
    return created


async def ship(
    client: TestClient[Any, Any], store: Shop, *, external_id: str = "ext-1", number: str = "1001",
    tracking: str = UPS_NUMBER, ship_to: str = "NY", created_at: str = "2026-11-01T10:00:00Z",
) -> str:  # fmt: skip
    """A shipped order from the shop's webhook, to a customer with a phone, from New Jersey to ``ship_to``."""
    payload = {
        "event": "order.created",
        "order": {
            "id": external_id, "number": number, "status": "shipped", "created_at": created_at,
            "customer": {"name": "Ana Lima", "phone": "+12125550101"}, "channel": "whatsapp",
            "tracking": {"carrier": "UPS", "number": tracking},
            "ship_from": {"country": "US", "region": "NJ"}, "ship_to": {"country": "US", "region": ship_to},
        },
    }  # fmt: skip
    answer = await generic.deliver(client, store, payload, event_id=f"evt-{external_id}")
    await finish_background(client.app)
    order_id: str = answer["order_id"]
    return order_id


async def tell_date(
    client: TestClient[Any, Any], db: Database, store: Shop, clock: Clock, order_id: str, day: date,
    *, key: str = "reply:msg-1", due_in_hours: float = 0,
) -> OutboxEntry:  # fmt: skip
    """Queue a chat answer that states ``day`` (as the conversation queues its replies) and dispatch."""
    now = clock()
    entry = OutboxEntry(
        id=NotificationId(f"ntf_{key.replace(':', '_')}"), shop_id=store.id, order_id=OrderId(order_id),
        kind=OutboxKind.REPLY, channel="whatsapp", message=f"It should arrive by {day:%a %b} {day.day}.",
        due_at=now + timedelta(hours=due_in_hours),
        created_at=now, idempotency_key=key, promised_date=day_end(day, NEW_YORK),
        promised_likely=day_end(day, NEW_YORK),
    )  # fmt: skip
    queued = await db.outbox.add(entry)
    await finish_background(client.app)
    await client.app[NOTIFIER].run_once()
    return queued


async def ledger(db: Database, store: Shop, order_id: str) -> list[Promise]:
    return sorted(await db.promises.for_order(store.id, OrderId(order_id)), key=lambda p: p.told_at)


async def notifications(api: Api, order_id: str, kind: str) -> list[dict[str, Any]]:
    progress = await api.get(f"/orders/{order_id}/progress")
    return [n for n in progress["notifications"] if n["kind"] == kind]


# -- the ledger -------------------------------------------------------------------------------------------


async def test_a_date_told_is_recorded_when_sent_once_not_when_queued(
    client: TestClient[Any, Any], db: Database, store: Shop, clock: Clock
) -> None:
    order_id = await ship(client, store)
    later = await tell_date(
        client, db, store, clock, order_id, date(2026, 11, 5), key="reply:later", due_in_hours=2
    )
    assert later.state == "queued" and await ledger(db, store, order_id) == []  # queued is not told

    await tell_date(client, db, store, clock, order_id, date(2026, 11, 5))
    [promise] = await ledger(db, store, order_id)
    assert (promise.order_number, promise.channel, promise.kind, promise.outcome) == (
        "1001",
        "whatsapp",
        "reply",
        "open",
    )
    assert (promise.promised_day, promise.timezone, promise.lane) == (
        "2026-11-05",
        NEW_YORK,
        "US-NJ → US-NY (ups)",
    )
    assert promise.wording == "It should arrive by Thu Nov 5."
    assert promise.told_at == clock()

    # the same message queued again (a redelivered question) and a dispatcher pass after it: still one
    await tell_date(client, db, store, clock, order_id, date(2026, 11, 5))
    [sent] = [e for e in await db.outbox.for_order(store.id, OrderId(order_id)) if e.id == promise.id]
    assert not await client.app[SERVICE].promises.record(sent, "whatsapp", "again")
    assert len(await ledger(db, store, order_id)) == 1


async def test_delivery_marks_promises_kept_or_broken_by_the_shops_day_not_utcs(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock
) -> None:
    by_carrier = await ship(client, store)
    by_shop = await ship(client, store, external_id="ext-2", number="1002", tracking="1Z2", ship_to="PA")
    for order_id in (by_carrier, by_shop):
        await tell_date(client, db, store, clock, order_id, date(2026, 11, 5), key=f"reply:{order_id}")
    clock.advance(days=5)

    # 23:30 in New York on the 5th is the 6th in UTC: kept
    delivered = aftership_update("Delivered", "2026-11-05T23:30:00-05:00", event_id="as-d")
    await from_aftership(client, store, delivered)
    [kept] = await ledger(db, store, by_carrier)
    assert (kept.outcome, kept.delivered_at) == ("kept", datetime(2026, 11, 6, 4, 30, tzinfo=UTC))

    # 00:30 in New York on the 6th, from the shop: broken
    update = {"event": "order.updated", "order": {"id": "ext-2", "status": "fulfilled",
              "updated_at": "2026-11-06T00:30:00-05:00"}}  # fmt: skip
    await generic.deliver(client, store, update, event_id="evt-ext-2-done")
    await finish_background(client.app)
    [broken] = await ledger(db, store, by_shop)
    assert (broken.outcome, broken.delivered_at) == ("broken", datetime(2026, 11, 6, 5, 30, tzinfo=UTC))


async def test_the_report_sums_promises_by_lane_and_month(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock
) -> None:
    first = await ship(client, store)
    second = await ship(client, store, external_id="ext-2", number="1002", tracking="1Z2", ship_to="PA")
    third = await ship(client, store, external_id="ext-3", number="1003", tracking="1Z3", ship_to="PA")
    await tell_date(client, db, store, clock, first, date(2026, 11, 5), key="r1")  # told on the 2nd: 3 days
    await tell_date(client, db, store, clock, second, date(2026, 11, 4), key="r2")  # 2 days
    await tell_date(client, db, store, clock, third, date(2026, 12, 1), key="r3")  # 29 days, left open
    clock.advance(days=5)
    for external_id, at in (("ext-1", "2026-11-05T12:00:00-05:00"), ("ext-2", "2026-11-05T12:00:00-05:00")):
        update = {
            "event": "order.updated",
            "order": {"id": external_id, "status": "fulfilled", "updated_at": at},
        }
        await generic.deliver(client, store, update, event_id=f"done-{external_id}")
    await finish_background(client.app)

    report = await promise_report(store_api, "2026-11-01", "2026-12-31")
    figures = ("promises", "kept", "broken", "open", "kept_share", "mean_promised_days")
    assert [report[name] for name in figures] == [3, 1, 1, 1, 0.5, 2.5]
    assert (report["from"], report["to"]) == ("2026-11-01", "2026-12-31")
    lanes = {lane["lane"]: [lane[name] for name in figures] for lane in report["by_lane"]}
    assert lanes == {
        "US-NJ → US-NY (ups)": [1, 1, 0, 0, 1.0, 3.0],
        "US-NJ → US-PA (ups)": [2, 0, 1, 1, 0.0, 2.0],
    }
    months = {month["month"]: [month[name] for name in figures] for month in report["by_month"]}
    assert months == {"2026-11": [2, 1, 1, 0, 0.5, 2.5], "2026-12": [1, 0, 0, 1, None, None]}

    november = await promise_report(store_api, "2026-11-01", "2026-11-30")
    assert (november["promises"], [m["month"] for m in november["by_month"]]) == (2, ["2026-11"])
    refused = await promise_report(store_api, "2026-12-01", "2026-11-01", status=422)
    assert refused["error"]["code"] == "invalid_field"
    assert (await promise_report(store_api, "soon", "2026-11-01", status=422))["error"]["code"]


async def promise_report(api: Api, first: str, last: str, status: int = 200) -> dict[str, Any]:
    response = await api.client.get(
        "/api/v1/promises/report", headers=api.headers, params={"from": first, "to": last}
    )
    assert response.status == status, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


# -- at risk ----------------------------------------------------------------------------------------------


async def attention(api: Api) -> list[tuple[str, list[str]]]:
    found = await api.get("/orders/requiring-attention", reason="promise_at_risk")
    return [(o["order_id"], o["reasons"]) for o in found["orders"]]


async def test_a_promise_due_tomorrow_not_out_for_delivery_enters_the_attention_queue_before_the_day(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock
) -> None:
    order_id = await ship(client, store)
    safe = await ship(client, store, external_id="ext-2", number="1002", tracking="1Z2")
    # 04:00 on the 2nd in New York: the 3rd is tomorrow; the 10th is far off
    await tell_date(client, db, store, clock, order_id, date(2026, 11, 3), key="r1")
    await tell_date(client, db, store, clock, safe, date(2026, 11, 10), key="r2")
    ledger_ = client.app[SERVICE].promises
    assert await ledger_.watch(store) == 1
    assert await attention(store_api) == [(order_id, ["promise_at_risk"])]
    progress = await store_api.get(f"/orders/{order_id}/progress")
    assert progress["timeline"][-1]["note"] == (
        "delivery date at risk: promised for Tue Nov 3 (tomorrow); no carrier estimate says it will make it"
    )
    assert await ledger_.watch(store) == 0  # entered once

    with_staff = store.model_copy(update={"staff_telegram_ids": [5550001]})
    alerts = StaffAlerts(client.app[SERVICE].attention, clock, stores=db)
    assert await alerts.scan_shop(with_staff) == 1
    [alert] = [e for e in await db.outbox.for_order(store.id, OrderId(order_id)) if e.kind == "staff_alert"]
    assert alert.message is not None and alert.message.splitlines()[::2] == [
        "⚠️ Order #1001 needs attention: a delivery date told to the customer is at risk.",
        "delivery date at risk: promised for Tue Nov 3 (tomorrow); no carrier estimate says it will make it",
    ]

    # out for delivery on the day: no longer at risk
    clock.advance(days=1)
    out = aftership_update("OutForDelivery", "2026-11-03T07:00:00-05:00", event_id="as-out")
    await from_aftership(client, store, out)
    await ledger_.watch(store)
    assert await attention(store_api) == []


async def test_a_carrier_estimate_after_the_promise_is_at_risk_and_tells_the_customer_the_carriers_day(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock
) -> None:
    order_id = await ship(client, store)
    await tell_date(client, db, store, clock, order_id, date(2026, 11, 5), key="r1")
    payload = json.loads(aftership_update("InTransit", "2026-11-02T03:00:00Z", event_id="as-1"))
    payload["msg"]["aftership_estimated_delivery_date"] = {"estimated_delivery_date": "2026-11-07"}
    await from_aftership(client, store, json.dumps(payload).encode())
    assert await notifications(store_api, order_id, "delay") == []  # a first estimate is no delay

    ledger_ = client.app[SERVICE].promises
    clock.advance(minutes=15)
    assert await ledger_.watch(store) == 1
    assert await attention(store_api) == [(order_id, ["promise_at_risk"])]
    await finish_background(client.app)
    [told] = await notifications(store_api, order_id, "delay")
    assert told["state"] == "delivered"
    promises = await ledger(db, store, order_id)
    assert [(p.kind, p.promised_day) for p in promises] == [("reply", "2026-11-05"), ("delay", "2026-11-07")]
    assert "Sat, Nov 7" in promises[1].wording
    # told now: the latest promise is the carrier's day, far enough off, so the order leaves the queue
    await ledger_.watch(store)
    assert await attention(store_api) == []
    assert len(await notifications(store_api, order_id, "delay")) == 1


# -- delay messages ---------------------------------------------------------------------------------------


async def test_a_later_carrier_estimate_tells_the_customer_once_per_new_day(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock
) -> None:
    order_id = await ship(client, store)
    sent = 1793606400  # 2026-11-02T08:00:00Z, an hour before the test clock's now
    await from_aftership(client, store, aftership_estimate("2026-11-04", sent - 600, event_id="edd-0"))
    assert await notifications(store_api, order_id, "delay") == []  # the first estimate
    await from_aftership(client, store, aftership_estimate("2026-11-06", sent - 300, event_id="edd-1"))
    await from_aftership(
        client, store, aftership_estimate("2026-11-06", sent - 200, event_id="edd-2")
    )  # equal
    await from_aftership(
        client, store, aftership_estimate("2026-11-05", sent - 100, event_id="edd-3")
    )  # earlier
    await from_aftership(
        client, store, aftership_estimate("2026-11-06", sent, event_id="edd-4")
    )  # back to the 6th
    delays = await notifications(store_api, order_id, "delay")
    assert [n["state"] for n in delays] == ["delivered"]
    [promise] = await ledger(db, store, order_id)
    assert (promise.kind, promise.promised_day) == ("delay", "2026-11-06")
    assert promise.wording.startswith(
        "Sorry, order #1001 is running late: the carrier now expects to deliver it on Fri, Nov 6."
    )

    # EasyPost's est_delivery_date on a tracker update, later again: one more message
    body = json.loads(EASYPOST_BODY)
    body["id"] = "evt_later"
    body["result"].update(tracking_code=UPS_NUMBER, est_delivery_date="2026-11-09T00:00:00Z")
    body["result"]["tracking_details"][-1].update(datetime="2026-11-02T08:30:00Z")
    encoded = json.dumps(body).encode()
    await from_easypost(client, store, encoded)
    await from_easypost(client, store, encoded)  # a retry of the same event
    assert [p.promised_day for p in await ledger(db, store, order_id)] == ["2026-11-06", "2026-11-09"]
    assert len(await notifications(store_api, order_id, "delay")) == 2


async def test_a_later_carrier_estimate_within_the_day_told_tells_nobody(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock
) -> None:
    order_id = await ship(client, store)
    await tell_date(client, db, store, clock, order_id, date(2026, 11, 10))  # the customer expects the 10th
    sent = 1793606400
    await from_aftership(client, store, aftership_estimate("2026-11-04", sent - 600, event_id="edd-0"))
    await from_aftership(client, store, aftership_estimate("2026-11-06", sent - 300, event_id="edd-1"))
    assert await notifications(store_api, order_id, "delay") == []  # still before the 10th
    await from_aftership(client, store, aftership_estimate("2026-11-11", sent, event_id="edd-2"))
    assert [n["state"] for n in await notifications(store_api, order_id, "delay")] == ["delivered"]
    assert [p.promised_day for p in await ledger(db, store, order_id)] == ["2026-11-10", "2026-11-11"]


async def test_on_the_day_promised_past_noon_not_out_for_delivery_the_customer_hears_it_may_not_come_today(
    client: TestClient[Any, Any], db: Database, store: Shop, store_api: Api, clock: Clock, settings: Settings
) -> None:
    order_id = await ship(client, store)
    await tell_date(client, db, store, clock, order_id, date(2026, 11, 3))
    clock.now = datetime(2026, 11, 3, 16, 0, tzinfo=UTC)  # 11:00 on the 3rd in New York
    moving = aftership_update(
        "InTransit", "2026-11-03T08:00:00-05:00", event_id="as-1", location="Newark, NJ"
    )
    await from_aftership(client, store, moving)
    watch = client.app[SERVICE].promises.watch
    await watch(store)
    await finish_background(client.app)
    assert await attention(store_api) == [(order_id, ["promise_at_risk"])]  # staff know already
    assert await notifications(store_api, order_id, "delay") == []  # the morning is not over

    clock.advance(hours=1, minutes=15)
    await watch(store)
    await watch(store)
    await finish_background(client.app)
    [late] = await notifications(store_api, order_id, "delay")
    assert late["state"] == "delivered"
    sent = await db.client[settings.mongodb_db].messages.find_one({"outbox_id": late["notification_id"]})
    assert sent is not None and sent["body"].startswith(
        "Sorry, order #1001 may not arrive today as we said: the carrier hasn't sent it out for delivery yet."
    )
    assert [p.kind for p in await ledger(db, store, order_id)] == ["reply"]  # no new date, no new promise


async def test_the_delay_texts_are_editable_and_previewed_in_the_customers_language(
    client: TestClient[Any, Any], store: Shop
) -> None:
    admin = Api(client, token_for(store, role="admin"))
    listed = await admin.get("/templates", language="es")
    delay = next(t for t in listed["templates"] if (t["kind"], t["style"]) == ("delay", "whatsapp"))
    assert delay["placeholders"] == ["first_name", "shop_name", "order_number", "date"]
    seen = await admin.post("/templates/preview", {"kind": "delay", "style": "whatsapp", "language": "es"})
    assert "el transportista prevé entregarlo el jue, 5 nov" in seen["text"]  # three days after the 2nd
    late = await admin.post("/templates/preview", {"kind": "late", "style": "sms"})
    assert late["text"].startswith("Sorry, order #")
    own = "Order #{order_number} is late, now {date}."
    await admin.client.put(
        "/api/v1/templates/delay/any/whatsapp/en", headers=admin.headers, json={"text": own}
    )
    seen = await admin.post("/templates/preview", {"kind": "delay", "style": "whatsapp"})
    assert seen["text"].endswith("is late, now Thu, Nov 5.")
