"""Messages the AI writes when a shop asks: Gemini through the real google-genai SDK and its stand-in, the
budget in the real database, and end to end through a signed WhatsApp webhook and an order's status change
to the Twilio stand-in. Every refusal, failure or slow answer must leave the template, as without AI."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient

from bot.ai import AiParts
from bot.ai_writer import AiWriter
from bot.languages.detect import warm
from orders.lifecycle import Status
from orders.model import (
    Customer,
    Item,
    NotificationId,
    NotifyPolicy,
    Order,
    OrderData,
    OutboxEntry,
    OutboxKind,
    Shop,
    Source,
    Tracking,
)
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_ai as ai_harness
from tests.integration import test_languages as lang
from tests.integration import test_twilio as tw
from tests.standins.gemini import GeminiStandIn, GenerateRequest, Reply, Responder
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import AI_WRITER, SERVICE
from webhooks.settings import Settings

# the harnesses' fixtures, used here by name
standin = ai_harness.standin
ai = ai_harness.ai
standin_url = tw.standin_url
twilio_settings = tw.twilio_settings

pytestmark = pytest.mark.filterwarnings(  # google-genai subclasses aiohttp's ClientSession
    "ignore:Inheritance class AiohttpClientSession:DeprecationWarning"
)
TRACK_URL = "https://track.example-carrier.com/t/1Z999AA10123456784"
ON = NotifyPolicy(quiet_start="00:00", quiet_end="00:00", ai_messages=True)
GOOD_EN = f"Hi Ana! 🚚 Your order #1042 is on its way with UPS. Track it here: {TRACK_URL}"
GOOD_ES = f"¡Hola Ana! 🚚 Tu pedido #1042 ya está en camino con UPS. Puedes seguirlo aquí: {TRACK_URL}"


@pytest.fixture(autouse=True, scope="module")
def language_models() -> None:
    """lingua's models loaded before any timing: a cold load takes seconds on a busy machine."""
    warm()


async def ai_shop(db: Database, clock: Clock, **notify: Any) -> Shop:
    shop = new_shop(
        "Acme Coffee", clock(), timezone="Europe/Berlin", languages=["en", "es"],
        notify=ON.model_copy(update=notify),
    )  # fmt: skip
    await db.shops.add(shop)
    return shop


async def shipped_order(service: OrderUseCases, shop: Shop) -> Order:
    data = OrderData(
        external_id="ext-1042", number="1042", status=Status.SHIPPED,
        customer=Customer(name="Ana Lima", phone="+14155550101", email="ana@example.com"),
        items=[Item(title="Espresso beans 500g", quantity=2)],
        tracking=Tracking(carrier="UPS", number="1Z999AA10123456784", url=TRACK_URL),
    )  # fmt: skip
    return (await service.shop_events.apply_event(shop, "created", data)).order


def update(shop: Shop, order: Order, clock: Clock) -> OutboxEntry:
    return OutboxEntry(
        id=NotificationId("ntf_test"), shop_id=shop.id, order_id=order.id, kind=OutboxKind.STATUS_UPDATE,
        due_at=clock(), idempotency_key="test", created_at=clock(),
    )  # fmt: skip


@pytest.fixture
def writer(ai: AiParts, db: Database, clock: Clock) -> AiWriter:
    return AiWriter(ai.drafter, db.rate_limits, clock)


# -- the writer: setting, budget, guardrails, failures ------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "named"), [("en", GOOD_EN, "English"), ("es", GOOD_ES, "Spanish")]
)
async def test_a_good_draft_in_the_customers_language_is_used(
    writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock, language: str, text: str, named: str
) -> None:
    shop = await ai_shop(db, clock)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.answer({"text": text})

    assert await writer.write(shop, update(shop, order, clock), order, "whatsapp", language) == text

    request = ai_harness.only_request(standin)
    assert f"Language: {named}" in request.prompt
    sent = request.json_after("Facts (JSON data):")
    assert (sent["order_number"], sent["status"], sent["customer_first_name"]) == ("1042", "shipped", "Ana")
    for personal in ("+14155550101", "ana@example.com", "Lima"):  # only what the message needs goes out
        assert personal not in request.prompt
    assert writer.outcomes == {"written": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Hi Ana! Your order #1042 is on its way with UPS and will be with you on 5 November.",  # a date
        "Hi Ana! Your order #1042 is on its way with UPS, 3 days to go.",  # a number
        "Hi Ana! Your order #1042 is on its way with UPS and reaches you on Thursday.",  # a weekday
        "Hi Ana! Your order #1042 is on its way with UPS. Sorry for the wait: here is a discount.",  # a promise
    ],
)
async def test_a_draft_with_a_fact_the_order_lacks_means_the_template(
    writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock, text: str
) -> None:
    shop = await ai_shop(db, clock)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.answer({"text": text})

    assert await writer.write(shop, update(shop, order, clock), order, "whatsapp", "en") is None
    assert writer.outcomes == {"refused": 1}


async def test_a_draft_in_another_language_means_the_template(
    writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    shop = await ai_shop(db, clock)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.answer({"text": GOOD_EN})

    assert await writer.write(shop, update(shop, order, clock), order, "whatsapp", "es") is None
    assert "Language: Spanish" in ai_harness.only_request(standin).prompt


async def test_a_slow_answer_means_the_template_within_the_wait(
    ai: AiParts, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    writer = AiWriter(ai.drafter, db.rate_limits, clock, timeout=0.5)
    shop = await ai_shop(db, clock)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.answer({"text": GOOD_EN}, delay=5)

    started = time.monotonic()
    assert await writer.write(shop, update(shop, order, clock), order, "whatsapp", "en") is None
    assert time.monotonic() - started < 1.5
    assert writer.outcomes == {"timeout": 1}


async def test_a_failing_answer_means_the_template(
    writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    shop = await ai_shop(db, clock)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.fail(500)

    assert await writer.write(shop, update(shop, order, clock), order, "whatsapp", "en") is None
    assert len(standin.requests) == 1
    assert writer.outcomes == {"refused": 1}


async def test_a_spent_budget_means_the_template_and_no_call_in_any_process(
    ai: AiParts, writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    shop = await ai_shop(db, clock, ai_daily_budget=2)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.always(Reply(json.dumps({"text": GOOD_EN}, ensure_ascii=False)))
    entry = update(shop, order, clock)

    assert await writer.write(shop, entry, order, "whatsapp", "en") == GOOD_EN
    other_process = AiWriter(ai.drafter, db.rate_limits, clock)
    assert await other_process.write(shop, entry, order, "whatsapp", "en") == GOOD_EN
    assert await writer.write(shop, entry, order, "whatsapp", "en") is None
    assert await other_process.write(shop, entry, order, "whatsapp", "en") is None
    assert len(standin.requests) == 2
    assert writer.outcomes["over_budget"] == other_process.outcomes["over_budget"] == 1

    clock.advance(days=1)  # a new day, a new budget
    assert await writer.write(shop, entry, order, "whatsapp", "en") == GOOD_EN
    assert len(standin.requests) == 3


async def test_a_follow_up_without_a_text_is_worded_and_a_manual_message_is_not(
    writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    shop = await ai_shop(db, clock)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)
    standin.answer({"text": GOOD_EN})
    follow_up = update(shop, order, clock).model_copy(update={"kind": OutboxKind.FOLLOW_UP})
    manual = update(shop, order, clock).model_copy(update={"kind": OutboxKind.MANUAL, "message": "Hi"})

    assert await writer.write(shop, follow_up, order, "whatsapp", "en") == GOOD_EN
    assert await writer.write(shop, manual, order, "whatsapp", "en") is None
    assert "Check in with the customer" in ai_harness.only_request(standin).prompt


async def test_with_the_setting_off_nothing_is_asked(
    writer: AiWriter, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    shop = await ai_shop(db, clock, ai_messages=False)
    order = await shipped_order(OrderUseCases.build(db, clock), shop)

    assert await writer.write(shop, update(shop, order, clock), order, "whatsapp", "en") is None
    staff_text = update(shop, order, clock).model_copy(update={"message": "We added a free sample."})
    on = await ai_shop(db, clock)
    assert await writer.write(on, staff_text, order, "whatsapp", "en") is None  # a person's words stay
    assert standin.requests == []


# -- end to end: a signed WhatsApp webhook and a status change, to the Twilio stand-in ----------------


@pytest.fixture
async def gemini_url(aiohttp_server: ai_harness.Server, standin: GeminiStandIn) -> str:
    return str((await aiohttp_server(standin.app())).make_url(""))


@pytest.fixture
async def front(
    aiohttp_client: AiohttpClient,
    twilio_settings: Settings,
    standin_url: tuple[TwilioStandIn, str],
    gemini_url: str,
    db: Database,
    clock: Clock,
) -> AsyncIterator[lang.Shopfront]:
    settings = twilio_settings.model_copy(
        update={
            "gemini_api_key": SecretStr(ai_harness.KEY),
            "gemini_model": ai_harness.MODEL,
            "gemini_base_url": gemini_url,
        }
    )
    app = build_app(settings, clock=clock)
    yield lang.Shopfront(await aiohttp_client(app), app, standin_url[0])


async def whatsapp_shop(
    front: lang.Shopfront, db: Database, clock: Clock, *, ai_messages: bool = True
) -> tuple[Shop, Order]:
    shop = new_shop(
        "Acme Coffee", clock(), whatsapp_number=tw.SHOP_WHATSAPP, languages=["en", "es"],
        notify=ON.model_copy(update={"ai_messages": ai_messages}), timezone="Europe/Berlin",
    )  # fmt: skip
    await db.shops.add(shop)
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_WHATSAPP)
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", clock())  # the chat window is open
    data = OrderData(
        external_id="A-1042", number="1042", status=Status.PROCESSING, channel="whatsapp",
        customer=Customer(name="Lena Vogel", phone=tw.CUSTOMER_WHATSAPP),
        tracking=Tracking(carrier="UPS", number="1Z999AA10123456784", url=TRACK_URL),
    )  # fmt: skip
    order = (await front.app[SERVICE].shop_events.apply_event(shop, "created", data)).order
    await finish_background(front.app)
    return shop, order


def drafts(answers: dict[str, str]) -> Responder:
    """Gemini answering each prompt that holds one of ``answers``' keys with its text, any other with a 500
    (the order's first notification, which these tests do not look at, then goes as the template)."""

    def respond(request: GenerateRequest) -> Reply:
        for marker, text in answers.items():
            if marker in request.prompt:
                return Reply(json.dumps({"text": text}, ensure_ascii=False))
        return Reply(status=500)

    return respond


def asked(standin: GeminiStandIn, marker: str) -> GenerateRequest:
    found = [request for request in standin.requests if marker in request.prompt]
    assert len(found) == 1, standin.requests
    return found[0]


async def notifications(client: TestClient[Any, Any], shop: Shop, order: Order) -> list[dict[str, Any]]:
    progress = await Api(client, token_for(shop)).get(f"/orders/{order.id}/progress")
    found: list[dict[str, Any]] = progress["notifications"]
    return found


ASKED = "Answer the customer who asked"
OUR_LOGGERS = ("bot", "orders", "channels", "webhooks")
SHIPPED = '"status": "shipped"'


async def test_a_customers_question_on_whatsapp_gets_the_ai_answer_in_spanish(
    front: lang.Shopfront,
    standin: GeminiStandIn,
    db: Database,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for ours in OUR_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=ours)
    answer = "¡Hola Lena! 📦 Estamos preparando tu pedido #1042 con mucho cariño. Te escribimos cuando salga."
    standin.always(drafts({ASKED: answer}))
    shop, order = await whatsapp_shop(front, db, clock)

    await front.whatsapp("Hola, ¿dónde está mi pedido 1042? Lo pedí la semana pasada")

    assert front.last() == answer
    request = asked(standin, ASKED)
    assert "Language: Spanish" in request.prompt
    assert tw.CUSTOMER_WHATSAPP not in request.prompt
    replies = [n for n in await notifications(front.client, shop, order) if n["kind"] == "reply"]
    assert [(n["ai_written"], n["ai_text"]) for n in replies] == [(True, answer)]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in OUR_LOGGERS)
    assert logged and "Estamos preparando" not in logged and tw.CUSTOMER_WHATSAPP not in logged


async def test_a_status_change_goes_out_in_the_ais_words_and_the_desk_says_so(
    front: lang.Shopfront, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    text = f"Hi Lena! 🚚 Your order #1042 is on its way with UPS. Follow it here: {TRACK_URL}"
    standin.always(drafts({SHIPPED: text}))
    shop, order = await whatsapp_shop(front, db, clock)

    await front.app[SERVICE].desk.update_status(
        shop, order.id, Status.SHIPPED, source=Source.STAFF, actor="ana"
    )
    await finish_background(front.app)

    assert front.last() == text
    assert "Tell the customer their order is now in the status" in asked(standin, SHIPPED).prompt
    shipped = [n for n in await notifications(front.client, shop, order) if n["status"] == "shipped"]
    assert [(n["ai_written"], n["ai_text"]) for n in shipped] == [(True, text)]
    writer = front.app[AI_WRITER]
    assert writer is not None and writer.outcomes["written"] == 1


async def test_an_invented_date_from_the_ai_sends_the_template(
    front: lang.Shopfront, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    standin.always(
        drafts({SHIPPED: "Hi Lena! 🚚 Your order #1042 is on its way and arrives on 12 November."})
    )
    shop, order = await whatsapp_shop(front, db, clock)

    await front.app[SERVICE].desk.update_status(
        shop, order.id, Status.SHIPPED, source=Source.STAFF, actor="ana"
    )
    await finish_background(front.app)

    assert front.last().startswith("Hi Lena! 🚚 Order #1042 is on its way"), front.last()
    assert "12 November" not in front.last()
    shipped = [n for n in await notifications(front.client, shop, order) if n["status"] == "shipped"]
    assert [(n["ai_written"], n["ai_text"]) for n in shipped] == [(False, None)]


async def test_a_shop_without_the_setting_sends_templates_and_asks_nothing(
    front: lang.Shopfront, standin: GeminiStandIn, db: Database, clock: Clock
) -> None:
    standin.always(drafts({ASKED: "Hi Lena! Order #1042 is being prepared."}))
    await whatsapp_shop(front, db, clock, ai_messages=False)

    await front.whatsapp("where is my order 1042?")

    assert front.last().startswith("Hi Lena!"), front.last()
    assert front.last() != "Hi Lena! Order #1042 is being prepared."
    assert standin.requests == []
