"""Asking at the right moment: one satisfaction request per delivered order, in the customer's daytime, on
their channel, by the window rules (see ``satisfaction_world`` for the app and stand-ins)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from orders.model import NotifyPolicy
from tests.integration.satisfaction_world import (
    ANA,
    BEN,
    CARA_IG,
    SATISFACTION_SID,
    WorldMaker,
    delivered_to_ana,
    make_world,
    smtp,
)

__all__ = ["make_world", "smtp"]  # the fixtures, used by name


# -- asking at the right moment -------------------------------------------------------------------------


async def test_a_delivery_schedules_one_request_for_the_next_day_sent_with_quick_replies(
    make_world: WorldMaker,
) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    delivered_at = world.clock()
    [survey] = await world.surveys()
    assert survey.due_at == delivered_at + timedelta(hours=24)
    assert (await world.order())["satisfaction"]["state"] == "scheduled"

    await world.at(hours=23, minutes=30)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "thanks, it arrived")  # her window is open when the request goes
    assert world.asked_on_whatsapp() == []

    await world.at(minutes=30)
    [asked] = world.asked_on_whatsapp()
    assert json.loads(asked["ContentVariables"]) == {"1": "Ana", "2": "1042", "3": "Acme Coffee"}
    order = await world.order()
    assert order["satisfaction"]["state"] == "asked" and order["satisfaction"]["channel"] == "whatsapp"
    progress = await world.api(f"/orders/{order['order_id']}/progress")
    assert any(e["kind"] == "satisfaction" and "sent on whatsapp" in e["note"] for e in progress["timeline"])


@pytest.mark.parametrize("quiet", ["21:00-08:00", "off"], ids=["shop-quiet-hours", "quiet-hours-off"])
async def test_a_request_falling_in_the_night_waits_for_the_customers_morning(
    make_world: WorldMaker, quiet: str
) -> None:
    start, _, end = quiet.partition("-") if quiet != "off" else ("00:00", "", "00:00")
    templates = {"satisfaction": SATISFACTION_SID}
    world = await make_world(
        notify=NotifyPolicy(whatsapp_templates=templates, quiet_start=start, quiet_end=end)
    )
    world.clock.advance(hours=11, minutes=30)  # 21:30 in Berlin, where Ana's number is
    await delivered_to_ana(world, wrote=False)
    world.twilio.approve(SATISFACTION_SID)
    await world.at(hours=24)  # due at 21:30 her time: inside the quiet hours
    [survey] = await world.surveys()
    assert survey.state == "queued" and survey.held == "quiet_hours"
    assert survey.due_at.isoformat() == "2026-11-04T07:00:00+00:00"  # 08:00 in Berlin
    assert world.asked_on_whatsapp() == []
    await world.at(hours=10, minutes=29)
    assert world.asked_on_whatsapp() == []
    await world.at(minutes=1)
    assert len(world.asked_on_whatsapp()) == 1


async def test_the_shop_sets_its_own_delay_or_turns_requests_off(make_world: WorldMaker) -> None:
    world = await make_world(notify=NotifyPolicy(csat_delay_hours=2))
    await delivered_to_ana(world)
    [survey] = await world.surveys()
    assert survey.due_at == world.clock() + timedelta(hours=2)

    answer = await world.api("/shop", "PATCH", {"csat_delay_hours": "off"}, role="admin")
    assert answer["settings"]["csat_delay_hours"] == "off"
    world.clock.advance(seconds=10)  # past the shop directory's few seconds of caching
    await world.new_order("1043", phone=BEN)
    await world.deliver("1043")
    assert await world.surveys("1043") == []
    assert (await world.order("1043"))["satisfaction"] is None


async def test_the_service_default_delay_is_a_setting(make_world: WorldMaker) -> None:
    world = await make_world(csat_delay_hours=6)
    await delivered_to_ana(world)
    [survey] = await world.surveys()
    assert survey.due_at == world.clock() + timedelta(hours=6)


async def test_one_request_per_order_however_often_it_is_delivered(make_world: WorldMaker) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    await world.deliver(event_id="delivered-again")  # the shop sends "fulfilled" once more
    order = await world.order()
    await world.api(
        "/orders/update-status", "POST", {"order_id": order["order_id"], "status": "shipped", "force": True}
    )
    await world.api("/orders/update-status", "POST", {"order_id": order["order_id"], "status": "fulfilled"})
    assert len(await world.surveys()) == 1
    world.twilio.customer_wrote(ANA)
    await world.at(hours=25)
    await world.at(hours=25)
    assert len(world.asked_on_whatsapp()) == 1


async def test_outside_the_window_the_shops_approved_template_goes(make_world: WorldMaker) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    world.twilio.approve(SATISFACTION_SID)
    world.twilio.window_closed(ANA)
    await world.at(hours=26)  # she last wrote 26 hours ago
    [asked] = world.asked_on_whatsapp()
    assert asked.get("Body") is None


async def test_outside_the_window_without_a_template_it_is_skipped_with_the_reason_shown(
    make_world: WorldMaker,
) -> None:
    world = await make_world(notify=NotifyPolicy())
    await delivered_to_ana(world)
    sent_before = len(world.twilio.created)
    await world.at(hours=26)
    assert len(world.twilio.created) == sent_before
    [survey] = await world.surveys()
    reason = "outside the 24-hour whatsapp window with no approved template"
    assert (survey.state, survey.error) == ("skipped", reason)
    order = await world.order()
    assert order["satisfaction"]["state"] == "skipped" and order["satisfaction"]["reason"] == reason
    progress = await world.api(f"/orders/{order['order_id']}/progress")
    assert f"satisfaction request not sent: {reason}" in [e["note"] for e in progress["timeline"]]


async def test_a_customer_who_opted_out_is_not_asked_and_the_order_says_so(make_world: WorldMaker) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    await world.twilio_message(ANA, "stop sending me messages")
    sent_before = len(world.twilio.created)
    await world.at(hours=24)
    assert len(world.twilio.created) == sent_before
    order = await world.order()
    assert (order["satisfaction"]["state"], order["satisfaction"]["reason"]) == (
        "skipped",
        "opted out of whatsapp",
    )


async def test_inside_the_window_without_a_template_whatsapp_asks_for_a_reply(make_world: WorldMaker) -> None:
    world = await make_world(notify=NotifyPolicy())
    await delivered_to_ana(world)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "got it, thanks")
    await world.at(hours=24)
    asked = world.whatsapp_to(ANA)[-1]
    assert asked.get("ContentSid") is None and "1 (poor) to 5 (great)" in asked["Body"]


async def test_sms_asks_to_reply_1_to_5_in_the_customers_language(make_world: WorldMaker) -> None:
    world = await make_world()
    await world.twilio_message(BEN, "hola, donde esta mi pedido 1043?", whatsapp=False)
    await world.new_order("1043", channel="sms", phone=BEN)
    await world.deliver("1043")
    await world.at(hours=24)  # 01:00 in San Francisco: it waits for the morning there
    await world.at(hours=8)
    [asked] = [
        r for r in world.twilio.created if r["To"] == BEN and "1043" in r["Body"] and "5" in r["Body"]
    ][-1:]
    assert "del 1 (mal) al 5" in asked["Body"]


async def test_instagram_asks_with_quick_replies_and_takes_a_tap(make_world: WorldMaker) -> None:
    world = await make_world()
    await world.instagram_message("hi!")
    await world.order_event(
        "order.created", id="A-1044", number="1044", status="shipped",
        customer={"name": "Cara", "instagram_id": CARA_IG}, channel="instagram",
    )  # fmt: skip
    await world.deliver("1044")
    world.clock.advance(hours=23)
    await world.instagram_message("it came, thanks")
    await world.at(hours=1)
    sent = world.graph.requests[-1].body
    assert sent["recipient"] == {"id": CARA_IG}
    assert [reply["payload"] for reply in sent["message"]["quick_replies"]] == [
        f"csat_{n}" for n in range(1, 6)
    ]
    assert all(reply["content_type"] == "text" for reply in sent["message"]["quick_replies"])

    await world.instagram_message("😍", payload="csat_5")  # the payload counts, whatever the title says
    satisfaction = (await world.order("1044"))["satisfaction"]
    assert (satisfaction["state"], satisfaction["score"], satisfaction["channel"]) == (
        "answered",
        5,
        "instagram",
    )
