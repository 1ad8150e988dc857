"""Answers to satisfaction requests by quick reply, by text and by signed email link; low scores; stats (see
``satisfaction_world`` for the app and stand-ins)."""

from __future__ import annotations

from tests.integration.satisfaction_world import (
    ANA,
    WorldMaker,
    asked_ana,
    asked_by_email,
    make_world,
    smtp,
)

__all__ = ["make_world", "smtp"]  # the fixtures, used by name


# -- answers --------------------------------------------------------------------------------------------


async def test_a_tapped_quick_reply_is_the_answer(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    # the shop's template titles its buttons in words; Twilio posts the title as Body, the id as ButtonPayload
    await world.twilio_message(ANA, "Loved it", ButtonPayload="csat_5", ButtonText="Loved it")
    order = await world.order()
    assert (order["satisfaction"]["state"], order["satisfaction"]["score"]) == ("answered", 5)
    assert "Thank you for your feedback!" in world.whatsapp_to(ANA)[-1]["Body"]
    customer = await world.db.customers.find(world.shop.id, phone=ANA)
    assert customer is not None and [a["score"] for a in customer.satisfaction] == [5]
    assert world.staff_alerts() == []


async def test_a_text_answer_keeps_its_comment(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "4, but the box was crushed")
    order = await world.order()
    assert (order["satisfaction"]["score"], order["satisfaction"]["comment"]) == (
        4,
        "but the box was crushed",
    )
    progress = await world.api(f"/orders/{order['order_id']}/progress")
    assert "rated 4/5 by whatsapp: but the box was crushed" in [e["note"] for e in progress["timeline"]]
    stats = (await world.api("/orders/stats"))["satisfaction"]
    assert stats["by_channel"]["whatsapp"] == {
        "asked": 1, "answered": 1, "average": 4.0, "satisfied_share": 1.0, "response_rate": 1.0,
    }  # fmt: skip


async def test_a_number_is_no_score_without_an_open_request_nor_an_order_number_with_one(
    make_world: WorldMaker,
) -> None:
    world = await make_world()
    await world.new_order(phone=ANA)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "4")
    assert (await world.order())["satisfaction"] is None
    await world.deliver()
    await world.at(hours=24)
    await world.twilio_message(ANA, "1042")  # her order's number, while the request is open
    assert "1042" in world.whatsapp_to(ANA)[-1]["Body"]
    await world.twilio_message(ANA, "2 items missing")
    order = await world.order()
    assert order["satisfaction"]["state"] == "asked"


async def test_a_low_score_alerts_staff_at_once_with_the_order(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "2 - the box arrived crushed")
    [alert] = world.staff_alerts()
    assert "#1042" in alert and "2/5" in alert and "the box arrived crushed" in alert
    order = await world.order()
    assert "customer_waiting" in [r for item in (await world.api("/orders/requiring-attention"))["orders"]
                                  if item["order_id"] == order["order_id"] for r in item["reasons"]]  # fmt: skip
    assert "sorry" in world.whatsapp_to(ANA)[-1]["Body"]


async def test_an_answer_counts_once(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "5")
    await world.twilio_message(ANA, "1")  # later, after it was answered: a message like any other
    order = await world.order()
    assert order["satisfaction"]["score"] == 5
    assert world.staff_alerts() == []


async def test_a_score_days_after_the_request_is_no_longer_an_answer(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    world.clock.advance(days=3, seconds=1)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "5")
    assert (await world.order())["satisfaction"]["state"] == "asked"


# -- email links ----------------------------------------------------------------------------------------


# -- email links ----------------------------------------------------------------------------------------


async def test_an_email_link_answers_once_after_the_customer_confirms(make_world: WorldMaker) -> None:
    world = await make_world()
    links = await asked_by_email(world)
    assert (await world.order("1045"))["satisfaction"]["channel"] == "email"

    page = await world.client.get(links[4])
    assert page.status == 200 and "4 out of 5" in await page.text()
    assert (await world.order("1045"))["satisfaction"]["state"] == "asked"  # opening a link records nothing

    answered = await world.client.post(links[4], data={"comment": "Lovely beans"})
    assert answered.status == 200, await answered.text()
    satisfaction = (await world.order("1045"))["satisfaction"]
    assert (satisfaction["score"], satisfaction["comment"]) == (4, "Lovely beans")

    again = await world.client.post(links[1], data={})
    assert again.status == 409
    assert (await world.order("1045"))["satisfaction"]["score"] == 4
    stats = (await world.api("/orders/stats"))["satisfaction"]
    assert stats["by_channel"]["email"]["answered"] == 1


async def test_a_changed_email_link_is_refused(make_world: WorldMaker) -> None:
    world = await make_world()
    links = await asked_by_email(world)
    header, _, signature = links[5].removeprefix("/csat/").split(".")
    swapped = f"/csat/{header}.{links[1].removeprefix('/csat/').split('.')[1]}.{signature}"  # score 1, 5's signature
    tampered = links[5][:-2] + ("AA" if not links[5].endswith("AA") else "BB")
    for path in (swapped, tampered, "/csat/not-a-token"):
        assert (await world.client.get(path)).status == 400
        assert (await world.client.post(path, data={})).status == 400
    assert (await world.order("1045"))["satisfaction"]["state"] == "asked"
    world.clock.advance(days=14)  # the links work as long as the request takes answers
    assert (await world.client.post(links[5], data={})).status == 410
    assert (await world.order("1045"))["satisfaction"]["state"] == "asked"


async def test_a_low_score_by_email_alerts_staff(make_world: WorldMaker) -> None:
    world = await make_world()
    links = await asked_by_email(world)
    response = await world.client.post(links[1], data={"comment": "Never arrived complete"})
    assert response.status == 200
    await world.sends.dispatch()
    [alert] = world.staff_alerts()
    assert "#1045" in alert and "1/5" in alert


# -- stats ----------------------------------------------------------------------------------------------


async def test_stats_carry_average_share_of_4_and_5_and_response_rate_per_channel(
    make_world: WorldMaker,
) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "5")
    for number, phone in (("1050", "+4915112345601"), ("1051", "+4915112345602"), ("1052", "+4915112345603")):
        world.twilio.customer_wrote(phone)
        await world.twilio_message(phone, "hello")
        await world.new_order(number, phone=phone)
        await world.deliver(number)
    world.twilio.customer_wrote("+4915112345601")
    world.twilio.customer_wrote("+4915112345602")
    world.twilio.customer_wrote("+4915112345603")
    await world.at(hours=24)
    await world.twilio_message("+4915112345601", "2")
    await world.twilio_message("+4915112345602", "4 lovely")  # "lovely" is no comment word: not an answer
    await world.twilio_message("+4915112345602", "4")
    links = await asked_by_email(world)
    assert (await world.client.post(links[3], data={})).status == 200
    stats = (await world.api("/orders/stats"))["satisfaction"]
    assert stats["by_channel"]["whatsapp"] == {
        "asked": 4, "answered": 3, "average": round((5 + 2 + 4) / 3, 2), "satisfied_share": round(2 / 3, 4),
        "response_rate": 0.75,
    }  # fmt: skip
    assert stats["by_channel"]["email"] == {
        "asked": 1, "answered": 1, "average": 3.0, "satisfied_share": 0.0, "response_rate": 1.0,
    }  # fmt: skip
    assert (stats["asked"], stats["answered"], stats["average"]) == (5, 4, 3.5)
    assert stats["satisfied_share"] == 0.5 and stats["response_rate"] == 0.8
