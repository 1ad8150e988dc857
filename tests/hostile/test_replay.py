"""Providers' real deliveries (the fixtures), each delivered one to three times, in any order.

Retries carry what the provider's retries carry (the same event id, ``MessageSid``, ``mid``, ``update_id``,
body), so whatever the order: one order per external id, one message per provider id, one reply or
notification per thing that deserves one, and an order's status never moves backwards; it ends at the
status of the newest event. Every example uses fresh ids, so examples share the database but not orders.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.lifecycle import Status
from orders.model import DeliveryState, Direction, Message, MessageId, new_id
from tests.hostile.conftest import Target
from tests.hostile.garbage import ORDER_EVENT, fixtures_of
from tests.hostile.routes import BY_NAME
from tests.integration import test_instagram as ig
from tests.integration import test_telegram as tg
from tests.integration import test_twilio as tw
from webhooks.shop_platforms import shopify, woocommerce
from webhooks.shop_platforms.generic import EVENT_ID_HEADER

REPLAYS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RANK = {Status.PENDING: 0, Status.PROCESSING: 1, Status.SHIPPED: 2, Status.FULFILLED: 3}
DELIVERY_RANK = {DeliveryState.SENT: 0, DeliveryState.DELIVERED: 1, DeliveryState.READ: 2}

_fresh = itertools.count(1)


@dataclass(frozen=True)
class Delivery:
    route: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Life:
    """One order's deliveries, oldest first, and the status each one says the order has."""

    external_id: str
    deliveries: list[Delivery]
    statuses: list[Status]


async def deliver(target: Target, delivery: Delivery) -> None:
    hook = BY_NAME[delivery.route]
    headers = {**hook.signed(target.shop, delivery.body), **delivery.headers}
    response = await target.client.post(hook.path(target.shop), data=delivery.body, headers=headers)
    assert response.status == 200, await response.text()
    await target.settle()


@st.composite
def schedules(draw: st.DrawFn, count: int) -> list[int]:
    """Each of ``count`` deliveries one to three times, shuffled."""
    copies = draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
    return draw(st.permutations([n for n, times in enumerate(copies) for _ in range(times)]))


# -- orders ---------------------------------------------------------------------------------------------


def generic_life(n: int) -> Life:
    external = f"H-{n}"
    steps = [("order.created", "pending"), ("order.updated", "processing"), ("order.updated", "shipped"),
             ("order.updated", "fulfilled")]  # fmt: skip
    deliveries = []
    for hour, (kind, status) in enumerate(steps, start=9):
        order = {**ORDER_EVENT["order"], "id": external, "number": f"H{n}", "status": status,
                 "updated_at": f"2026-11-01T{hour:02}:00:00Z"}  # fmt: skip
        body = json.dumps({"event": kind, "order": order}).encode()
        deliveries.append(Delivery("orders", body, {EVENT_ID_HEADER: f"{external}-{hour}"}))
    return Life(external, deliveries, [Status(status) for _, status in steps])


def shopify_life(n: int) -> Life:
    order_id = 8_000_000_000 + n
    names = [("orders_create_pending", "orders/create"), ("orders_paid", "orders/paid"),
             ("orders_fulfilled", "orders/fulfilled"), ("orders_updated_delivered", "orders/updated")]  # fmt: skip
    deliveries = []
    for step, (name, topic) in enumerate(names):
        payload = json.loads((ig.FIXTURES.parent / "shopify" / f"{name}.json").read_text())
        # numbers are unique per shop: each life is another order, with a number of its own
        body = json.dumps(
            {**payload, "id": order_id, "name": f"#{order_id}", "order_number": order_id}
        ).encode()
        headers = {shopify.TOPIC_HEADER: topic, shopify.EVENT_ID_HEADER: f"{order_id}-{step}"}
        deliveries.append(Delivery("shopify", body, headers))
    statuses = [Status.PENDING, Status.PROCESSING, Status.SHIPPED, Status.FULFILLED]
    return Life(f"shopify:{order_id}", deliveries, statuses)


def woocommerce_life(n: int) -> Life:
    order_id = 900_000 + n
    names = [("order_pending", "order.created"), ("order_processing", "order.updated"),
             ("order_completed", "order.updated")]  # fmt: skip
    deliveries = []
    for step, (name, topic) in enumerate(names):
        payload = json.loads((ig.FIXTURES.parent / "woocommerce" / f"{name}.json").read_text())
        body = json.dumps({**payload, "id": order_id, "number": str(order_id)}).encode()
        headers = {woocommerce.TOPIC_HEADER: topic, woocommerce.DELIVERY_ID_HEADER: f"{order_id}-{step}"}
        deliveries.append(Delivery("woocommerce", body, headers))
    return Life(f"woocommerce:{order_id}", deliveries, [Status.PENDING, Status.PROCESSING, Status.FULFILLED])


LIVES = {"orders": generic_life, "shopify": shopify_life, "woocommerce": woocommerce_life}


@pytest.mark.parametrize("source", list(LIVES))
@REPLAYS
@given(data=st.data())
async def test_replayed_and_shuffled_order_events_make_one_order_that_never_goes_back(
    target: Target, source: str, data: st.DataObject
) -> None:
    life = LIVES[source](next(_fresh))
    schedule = data.draw(schedules(len(life.deliveries)), label="schedule")
    ranks = []

    for step in schedule:
        await deliver(target, life.deliveries[step])
        stored = await target.raw["orders"].find_one({"external_id": life.external_id})
        assert stored is not None
        ranks.append(RANK[Status(stored["status"])])

    order = await target.raw["orders"].find_one({"external_id": life.external_id})
    assert order is not None
    assert ranks == sorted(ranks), f"the order moved backwards: {ranks}"
    assert await target.raw["orders"].count_documents({"external_id": life.external_id}) == 1
    assert order["status"] == life.statuses[max(schedule)]  # the newest event's status
    timeline = [event["status"] for event in order["timeline"]]
    assert len(timeline) == len(set(timeline)), timeline
    outbox = target.raw["outbox"].find({"order_id": order["_id"], "kind": "status_update"})
    notified = Counter([entry["status"] async for entry in outbox])
    assert all(times == 1 for times in notified.values()), notified
    assert set(notified) <= set(timeline)


@pytest.mark.parametrize("source", list(LIVES))
async def test_a_life_delivered_once_in_order_walks_through_every_status(target: Target, source: str) -> None:
    """What the shuffled deliveries are measured against: in order, each delivery moves the order on."""
    life = LIVES[source](next(_fresh))
    for delivery in life.deliveries:
        await deliver(target, delivery)
    order = await target.raw["orders"].find_one({"external_id": life.external_id})
    assert order is not None
    assert [event["status"] for event in order["timeline"]] == life.statuses


# -- messages -------------------------------------------------------------------------------------------


def twilio_messages(n: int) -> list[Delivery]:
    deliveries = []
    for step, text in enumerate(["Where is my order #1001?", "hello?"]):
        sid = f"SMhostile{n:08}{step:02}"
        # a new customer each example: one sender's ninth message in a window is stored but not answered
        sender = f"+1415{n:07}"
        fields = tw.fixture(
            "sms_inbound", MessageSid=sid, SmsMessageSid=sid, SmsSid=sid, Body=text, From=sender
        )
        body = urlencode(fields).encode()
        deliveries.append(
            Delivery("twilio-messages", body, {"Content-Type": "application/x-www-form-urlencoded"})
        )
    return deliveries


def instagram_messages(n: int) -> list[Delivery]:
    deliveries = []
    for step, text in enumerate(["Hi! Where is my order #1001?", "anyone there?"]):
        payload = fixtures_of("instagram")[0]
        message = payload["entry"][0]["messaging"][0]["message"]
        message.update(mid=f"aWdf-hostile-{n}-{step}", text=text)
        payload["entry"][0]["messaging"][0]["sender"]["id"] = f"7{n:015}"
        deliveries.append(
            Delivery("instagram", json.dumps(payload).encode(), {"Content-Type": "application/json"})
        )
    return deliveries


def telegram_updates(n: int) -> list[Delivery]:
    deliveries = []
    for step, text in enumerate(["/help", "/stats"]):
        update = tg.command(text)
        update["update_id"] = 700_000_000 + n * 10 + step
        update["message"]["message_id"] = n * 10 + step
        deliveries.append(
            Delivery("telegram", json.dumps(update).encode(), {"Content-Type": "application/json"})
        )
    return deliveries


MESSAGES = {"twilio-messages": twilio_messages, "instagram": instagram_messages, "telegram": telegram_updates}


async def replies(target: Target, route: str) -> int:
    """What the service said back on ``route``'s platform so far."""
    if route == "telegram":
        return len(target.telegram.messages_to(tg.STAFF))
    return await target.raw["outbox"].count_documents({"kind": "reply"})


@pytest.mark.parametrize("route", list(MESSAGES))
@REPLAYS
@given(data=st.data())
async def test_replayed_and_shuffled_messages_are_stored_and_answered_once(
    target: Target, route: str, data: st.DataObject
) -> None:
    deliveries = MESSAGES[route](next(_fresh))
    schedule = data.draw(schedules(len(deliveries)), label="schedule")
    inbound_before = await target.raw["messages"].count_documents({"direction": "in"})
    replies_before = await replies(target, route)

    for step in schedule:
        await deliver(target, deliveries[step])

    stored = await target.raw["messages"].count_documents({"direction": "in"}) - inbound_before
    assert stored == (0 if route == "telegram" else len(deliveries))
    assert await replies(target, route) - replies_before == len(deliveries)


# -- delivery receipts ----------------------------------------------------------------------------------


@REPLAYS
@given(data=st.data())
async def test_replayed_and_shuffled_status_callbacks_never_move_a_message_back(
    target: Target, data: st.DataObject
) -> None:
    sid = f"SMhostile{next(_fresh):024}"
    await target.db.messages.add(outbound(target, sid))
    names = ["status_sent", "status_delivered", "status_read"]
    deliveries = [
        Delivery("twilio-status", urlencode(tw.fixture(name, MessageSid=sid, SmsSid=sid)).encode(), {})
        for name in names
    ]
    schedule = data.draw(schedules(len(deliveries)), label="schedule")
    ranks = []

    for step in schedule:
        await deliver_status(target, deliveries[step])
        message = await target.raw["messages"].find_one({"provider_id": sid})
        assert message is not None
        ranks.append(DELIVERY_RANK[DeliveryState(message["state"])])

    assert ranks == sorted(ranks), ranks
    assert ranks[-1] == max(schedule)


async def deliver_status(target: Target, delivery: Delivery) -> None:
    hook = BY_NAME[delivery.route]
    headers = {**hook.signed(target.shop, delivery.body), "Content-Type": "application/x-www-form-urlencoded"}
    response = await target.client.post(hook.path(target.shop), data=delivery.body, headers=headers)
    assert response.status == 204, await response.text()


def outbound(target: Target, sid: str) -> Message:
    at = target.shop.created_at + timedelta(minutes=1)
    return Message(
        id=MessageId(new_id("msg")),
        shop_id=target.shop.id,
        channel="whatsapp",
        direction=Direction.OUTBOUND,
        provider_id=sid,
        sender=tw.SHOP_WHATSAPP,
        recipient=tw.CUSTOMER_WHATSAPP,
        body="Your order #1001 is on its way!",
        state=DeliveryState.SENT,
        created_at=at,
        updated_at=at,
    )


# -- the same delivery, many times at once ------------------------------------------------------------


async def deliver_concurrently(target: Target, delivery: Delivery, times: int) -> list[int]:
    hook = BY_NAME[delivery.route]
    headers = {**hook.signed(target.shop, delivery.body), **delivery.headers}
    path = hook.path(target.shop)

    async def once() -> int:
        response = await target.client.post(path, data=delivery.body, headers=headers)
        await response.read()
        return response.status

    statuses = await asyncio.gather(*(once() for _ in range(times)))
    await target.settle()
    return list(statuses)


@pytest.mark.parametrize("source", list(LIVES))
async def test_an_order_event_delivered_eight_times_at_once_makes_one_order(
    target: Target, source: str
) -> None:
    life = LIVES[source](next(_fresh))

    statuses = await deliver_concurrently(target, life.deliveries[0], 8)

    assert all(status < 500 for status in statuses), statuses
    assert 200 in statuses, statuses
    order = await target.raw["orders"].find_one({"external_id": life.external_id})
    assert order is not None
    assert await target.raw["orders"].count_documents({"external_id": life.external_id}) == 1
    assert len(order["timeline"]) == 1
    assert await target.raw["outbox"].count_documents({"order_id": order["_id"]}) <= 1


@pytest.mark.parametrize("route", list(MESSAGES))
async def test_a_message_delivered_eight_times_at_once_is_stored_and_answered_once(
    target: Target, route: str
) -> None:
    delivery = MESSAGES[route](next(_fresh))[0]
    inbound_before = await target.raw["messages"].count_documents({"direction": "in"})
    replies_before = await replies(target, route)

    statuses = await deliver_concurrently(target, delivery, 8)

    assert all(status < 500 for status in statuses), statuses
    assert 200 in statuses, statuses
    stored = await target.raw["messages"].count_documents({"direction": "in"}) - inbound_before
    assert stored == (0 if route == "telegram" else 1)
    assert await replies(target, route) - replies_before == 1
