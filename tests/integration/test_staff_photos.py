"""Photos staff send the desk on Telegram: ``/photo <number> [text]`` as a caption, or a reply to an order card.

Through the real webhook, python-telegram-bot (which downloads the photo from the Bot API stand-in) and the
real database; the customer's message goes to the Twilio stand-in, whose ``MediaUrl`` is fetched through the
app as Twilio would.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient, AiohttpServer

from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, token_for
from tests.integration import test_telegram as harness
from tests.integration.test_photos import GPS_IFD, jpeg_with_gps
from tests.integration.test_staff_commands import settled
from tests.integration.test_telegram import STAFF, Harness, fixture
from tests.integration.test_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.settings import Settings

telegram = harness.telegram
telegram_settings = harness.telegram_settings

pytestmark = harness.pytestmark

ANA = {"name": "Ana Gomez", "phone": "+4915112345678"}
SHOP_SMS = "+14155550132"


def photo_update(
    caption: str | None, file_id: str, *, reply_to: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A staff member's photo message, as the Bot API delivers it (sizes smallest first)."""
    data = fixture("command_help")
    message = data["message"]
    message.pop("text", None)
    message.pop("entities", None)
    message["photo"] = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s1", "width": 90, "height": 67, "file_size": 1200},
        {"file_id": file_id, "file_unique_id": "b1", "width": 640, "height": 480, "file_size": 20000},
    ]
    if caption is not None:
        message["caption"] = caption
        if caption.startswith("/"):
            message["caption_entities"] = [
                {"offset": 0, "length": len(caption.split()[0]), "type": "bot_command"}
            ]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return data


@pytest.fixture
async def twilio(aiohttp_server: AiohttpServer) -> tuple[TwilioStandIn, str]:
    standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(standin.app())
    return standin, str(server.make_url("")).rstrip("/")


@pytest.fixture
async def desk(
    aiohttp_client: AiohttpClient, telegram_settings: Settings, telegram: TelegramStandin, db: Database,
    clock: Clock, twilio: tuple[TwilioStandIn, str],
) -> Harness:  # fmt: skip
    shop = new_shop("Acme Coffee", clock(), timezone="Europe/Berlin", staff_telegram_ids=[STAFF],
                    sms_number=SHOP_SMS)  # fmt: skip
    await db.shops.add(shop)
    configured = telegram_settings.model_copy(
        update={"public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID,
                "twilio_auth_token": SecretStr(AUTH_TOKEN), "twilio_base_url": twilio[1]}
    )  # fmt: skip
    client = await aiohttp_client(build_app(configured, clock=clock))
    return Harness(client, telegram, Api(client, token_for(shop)), shop)


async def test_a_photo_captioned_photo_goes_on_the_timeline_and_to_the_customer_without_gps(
    desk: Harness, twilio: tuple[TwilioStandIn, str]
) -> None:
    order = await desk.order(number="1042", customer=ANA, channel="sms")
    desk.telegram.add_file("AgACphoto1", jpeg_with_gps())
    update = photo_update("/photo 1042 Packed and ready", "AgACphoto1")

    await desk.deliver(update)
    await desk.deliver(update)  # Telegram redelivers: nothing twice

    replies = desk.telegram.messages_to(STAFF)
    assert replies[0].text == "📸 Photo added to order #1042; it is on its way to the customer via sms."
    assert replies[0].buttons() == [("📂 Open #1042", f"open:{order['order_id']}")]
    assert desk.telegram.downloads[0] == "AgACphoto1"  # the largest size, not the thumbnail
    await settled(desk)
    view = await desk.api.get(f"/orders/{order['order_id']}/progress")
    [event] = [e for e in view["timeline"] if e["kind"] == "photo"]
    assert (event["source"], event["note"]) == ("staff", "Packed and ready")
    assert event["actor"] == f"Mara Lindqvist (tg:{STAFF})"
    [sent] = [r for r in twilio[0].created if r.get("MediaUrl")]
    assert "Packed and ready" in sent["Body"]
    assert desk.client.app is not None
    fetched = await desk.client.get(sent["MediaUrl"].removeprefix(PUBLIC_URL))
    assert fetched.status == 200
    image = Image.open(io.BytesIO(await fetched.read()))
    assert not image.getexif().get_ifd(GPS_IFD)


async def test_a_photo_sent_as_a_reply_to_an_order_card_is_for_that_order(desk: Harness) -> None:
    order = await desk.order(number="1042", customer=ANA, channel="sms")
    assert (await desk.ask("/order 1042")).startswith("📦 Order #1042")
    card = desk.telegram.messages_to(STAFF)[-1]
    desk.telegram.add_file("AgACphoto2", jpeg_with_gps())
    reply_to = {"message_id": card.message_id, "date": 1793000000, "chat": {"id": STAFF, "type": "private"},
                "text": card.text, "reply_markup": card.reply_markup}  # fmt: skip

    await desk.deliver(photo_update("On its way", "AgACphoto2", reply_to=reply_to))

    assert desk.telegram.messages_to(STAFF)[-1].text.startswith("📸 Photo added to order #1042")
    view = await desk.api.get(f"/orders/{order['order_id']}/progress")
    [event] = [e for e in view["timeline"] if e["kind"] == "photo"]
    assert event["note"] == "On its way"


async def test_a_photo_without_an_order_says_how_and_an_unknown_order_is_named(desk: Harness) -> None:
    desk.telegram.add_file("AgACphoto3", jpeg_with_gps())
    await desk.deliver(photo_update(None, "AgACphoto3"))
    await desk.deliver(photo_update("/photo 9999 hi", "AgACphoto3"))
    usage, unknown = [m.text for m in desk.telegram.messages_to(STAFF)]
    assert usage.startswith("Usage: send a photo with the caption /photo <number> [text]")
    assert unknown == "No order #9999 in Acme Coffee."
    assert desk.telegram.downloads == []
