"""A question without an order number, after the bot answered about one of several orders: it is about that
one while the conversation is fresh and the order still active, on WhatsApp and in ``orderbot chat``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from bot.chat import chat
from bot.focus import FOCUS_WINDOW
from orders.lifecycle import Status
from orders.model import Customer, OrderData, Shop
from orders.usecases import OrderUseCases
from tests.conftest import Clock
from tests.integration.satisfaction_world import ANA, WorldMaker, make_world, smtp
from webhooks.keys import DATABASE, SERVICE

__all__ = ["make_world", "smtp"]  # the fixtures, used by name

PHONE = "+14155550101"


async def ana_with_two_orders(make_world: WorldMaker) -> Any:
    world = await make_world()
    world.twilio.customer_wrote(ANA)
    await world.new_order("1013", phone=ANA)
    await world.new_order("1014", phone=ANA)
    return world


async def ask(world: Any, text: str) -> str:
    """What the bot answered on WhatsApp to ``text`` from Ana."""
    before = len(world.whatsapp_to(ANA))
    await world.twilio_message(ANA, text)
    replies = world.whatsapp_to(ANA)[before:]
    assert len(replies) == 1
    return str(replies[0]["Body"])


async def test_a_follow_up_is_about_the_order_just_answered(make_world: WorldMaker) -> None:
    world = await ana_with_two_orders(make_world)
    assert "#1013" in await ask(world, "where is order 1013?")
    world.clock.advance(minutes=5)

    follow_up = await ask(world, "when will it arrive?")

    assert "#1013" in follow_up and "1014" not in follow_up


async def test_a_follow_up_after_the_window_gets_the_choice_again(make_world: WorldMaker) -> None:
    world = await ana_with_two_orders(make_world)
    assert "#1013" in await ask(world, "1013")
    world.clock.advance(seconds=FOCUS_WINDOW.total_seconds() + 60)

    follow_up = await ask(world, "when will it arrive?")

    assert "1013" in follow_up and "1014" in follow_up


async def test_an_order_no_longer_active_is_not_the_one_meant(make_world: WorldMaker) -> None:
    world = await ana_with_two_orders(make_world)
    await world.new_order("1015", phone=ANA)
    assert "#1013" in await ask(world, "where is order 1013?")
    await world.order_event("order.updated", id="A-1013", number="1013", status="cancelled")
    world.clock.advance(minutes=2)

    follow_up = await ask(world, "when will it arrive?")

    assert "1014" in follow_up and "1015" in follow_up and "1013" not in follow_up


async def test_chat_follows_the_order_it_answered_about(
    client: TestClient[Any, Any], shop: Shop, clock: Clock
) -> None:
    """``orderbot chat``: the same conversation at the terminal, its replies sent on the console."""
    service: OrderUseCases = client.app[SERVICE]
    for number in ("1013", "1014"):
        data = OrderData(
            external_id=f"ext-{number}", number=number, status=Status.SHIPPED,
            customer=Customer(name="Ana Lima", phone=PHONE),
        )  # fmt: skip
        await service.shop_events.apply_event(shop, "created", data)
    script: list[str | Callable[[], Awaitable[None] | None]] = [
        "1013",
        "when will it arrive?",
        lambda: clock.advance(seconds=FOCUS_WINDOW.total_seconds() + 60),
        "when will it arrive?",
    ]
    printed: list[str] = []

    async def read() -> str | None:
        while script:
            step = script.pop(0)
            if isinstance(step, str):
                return step
            step()
        return None

    await chat(
        service, shop.id, PHONE, stores=client.app[DATABASE], style="whatsapp", read=read,
        write=printed.append, clock=clock,
    )  # fmt: skip

    first, follow_up, later = printed
    assert "#1013" in first
    assert "#1013" in follow_up and "1014" not in follow_up
    assert "1013" in later and "1014" in later


async def test_a_request_without_a_number_goes_to_staff_about_the_order_just_answered(
    make_world: WorldMaker,
) -> None:
    world = await ana_with_two_orders(make_world)
    assert "#1013" in await ask(world, "where is order 1013?")

    await ask(world, "please cancel it")

    assert [alert for alert in world.staff_alerts() if "cancel" in alert.lower()] == [
        "❌ Cancel request for order #1013 on whatsapp."
    ]
