"""Customers in their own language, end to end: signed Twilio and Instagram webhooks into the real app and
database, answers and status notifications through the twilio SDK and the Graph API to their stand-ins (the
harnesses of ``test_twilio`` and ``test_instagram_linking``)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from orders.lifecycle import Status
from orders.model import Customer, NotifyPolicy, Order, OrderData, Shop, Source
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, finish_background
from tests.integration import test_instagram_linking as il
from tests.integration import test_twilio as tw
from tests.standins.twilio import SentRequest, TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import SERVICE
from webhooks.settings import Settings

# the harness's fixtures, used here by name
standin_url = tw.standin_url
twilio_settings = tw.twilio_settings
raw = tw.raw
instagram = il.front

_SIDS = itertools.count(1)
AWAKE = NotifyPolicy(quiet_start="00:00", quiet_end="00:00")  # no quiet hours: the test runs at any hour


class Shopfront:
    """The web app, the stand-in it sends to, and a shop that writes English, Spanish and German."""

    def __init__(self, client: TestClient[Any, Any], app: web.Application, standin: TwilioStandIn) -> None:
        self.client, self.app, self.standin = client, app, standin

    async def whatsapp(self, body: str) -> None:
        sid = f"SM{next(_SIDS):032x}"
        params = tw.fixture("whatsapp_text", Body=body, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)
        assert (await tw.post(self.client, params)).status == 200
        await finish_background(self.app)

    def sent(self) -> list[SentRequest]:
        return [r for r in self.standin.created if r["To"] == f"whatsapp:{tw.CUSTOMER_WHATSAPP}"]

    def last(self) -> str:
        return self.sent()[-1]["Body"]


@pytest.fixture
async def front(
    aiohttp_client: AiohttpClient,
    twilio_settings: Settings,
    standin_url: tuple[TwilioStandIn, str],
    db: Database,
    clock: Clock,
) -> Shopfront:
    app = build_app(twilio_settings, clock=clock)
    return Shopfront(await aiohttp_client(app), app, standin_url[0])


async def shop_and_order(
    db: Database, clock: Clock, front: Shopfront, languages: list[str]
) -> tuple[Shop, Order]:
    shop = new_shop(
        "Acme Coffee", clock(), whatsapp_number=tw.SHOP_WHATSAPP, notify=AWAKE, languages=languages
    )
    await db.shops.add(shop)
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_WHATSAPP)
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", clock())  # the chat window is open
    data = OrderData(
        external_id="A-1042", number="1042", status=Status.PROCESSING, channel="whatsapp",
        customer=Customer(name="Lena Vogel", phone=tw.CUSTOMER_WHATSAPP),
    )  # fmt: skip
    order = (await front.app[SERVICE].shop_events.apply_event(shop, "created", data)).order
    await finish_background(front.app)
    return shop, order


async def test_a_question_in_spanish_gets_a_spanish_answer_with_the_orders_status(
    front: Shopfront, db: Database, clock: Clock
) -> None:
    shop, order = await shop_and_order(db, clock, front, ["en", "es", "de"])
    await front.app[SERVICE].desk.update_status(
        shop, order.id, Status.SHIPPED, source=Source.STAFF, actor="ana"
    )
    await finish_background(front.app)

    await front.whatsapp("Hola, ¿dónde está mi pedido 1042? Lo pedí la semana pasada")
    answer = front.last()
    assert answer.startswith("¡Hola Lena! Tu pedido #1042 está en camino (75 % completado)."), answer
    assert "Última actualización:" in answer
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_WHATSAPP)
    assert customer.language == "es"


async def test_a_german_customers_next_notification_is_german_and_an_ok_does_not_change_that(
    front: Shopfront, db: Database, clock: Clock
) -> None:
    shop, order = await shop_and_order(db, clock, front, ["en", "es", "de"])
    await front.whatsapp("Hallo, wann kommt meine Bestellung 1042 an?")
    assert front.last().startswith("Hallo Lena! Deine Bestellung #1042 ist in Vorbereitung (50 % erledigt).")
    assert "noch nicht genug Bestellungen geliefert" in front.last()  # the shop has no deliveries yet

    service = front.app[SERVICE]
    await service.desk.update_status(shop, order.id, Status.SHIPPED, source=Source.STAFF, actor="ana")
    await finish_background(front.app)
    assert front.last().startswith("Hallo Lena! Deine Bestellung #1042 ist unterwegs (75 % erledigt).")

    await front.whatsapp("ok")
    assert front.last().startswith("Gern geschehen!")
    await service.desk.update_status(shop, order.id, Status.FULFILLED, source=Source.STAFF, actor="ana")
    await finish_background(front.app)
    assert front.last().startswith("Hallo Lena! Deine Bestellung #1042 ist zugestellt (100 % erledigt).")
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_WHATSAPP)
    assert customer.language == "de"


async def test_a_shop_that_does_not_write_the_language_answers_in_its_default(
    front: Shopfront, db: Database, clock: Clock
) -> None:
    shop, _ = await shop_and_order(db, clock, front, ["en"])
    await front.whatsapp("Hola, ¿dónde está mi pedido 1042? Lo pedí la semana pasada")
    assert front.last().startswith("Hi Lena! 📦 Order #1042 is being prepared"), front.last()
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_WHATSAPP)
    assert customer.language == "es"  # remembered: it speaks as soon as the shop adds Spanish


async def test_a_french_customer_on_instagram_proves_an_order_and_is_answered_in_french(
    instagram: il.Shopfront,
) -> None:
    await instagram.db.shops.save(instagram.shop.model_copy(update={"languages": ["en", "fr"]}))
    await instagram.order(
        "2001", status="shipped", customer={"name": "Claire Martin", "email": "claire@example.fr"},
        tracking={"carrier": "Colissimo", "number": "6A123", "url": "https://colissimo.example/6A123"},
    )  # fmt: skip
    first = await instagram.dm(
        il.HONEST, "Bonjour, où en est ma commande 2001 ? Mon e-mail est claire@example.fr"
    )
    assert first.startswith("Merci, vous êtes vérifié(e) !"), first
    answer = await instagram.dm(il.HONEST, "Et quand est-ce qu'elle arrivera chez moi ?")
    assert answer.startswith("Coucou Claire ! Votre commande #2001 est en route (75 % effectué) ✨"), answer
    assert "Je n'ai pas de date de livraison exacte" in answer
    assert "https://colissimo.example/6A123" in answer
