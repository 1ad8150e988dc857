"""Photo updates through REST API v1: upload, GridFS, the media route, and each channel's send.

The real app and database; Twilio through its SDK against the Messages API stand-in, Instagram against the
Graph API stand-in, email against the SMTP stand-in. What a provider would fetch is fetched through the
app's own ``/media/<token>`` route, as Twilio and Meta do.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient, AiohttpServer

from orders.model import EmailSettings, Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, finish_background, token_for
from tests.integration.test_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL
from tests.integration.test_twilio import fixture as twilio_fixture
from tests.integration.test_twilio import post as twilio_post
from tests.standins.graph import GraphStandin
from tests.standins.smtp import SmtpStandin, running_smtp
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import CLOCK, NOTIFIER
from webhooks.settings import Settings

SHOP_SMS, SHOP_WHATSAPP, SHOP_IG = "+14155550132", "+14155238886", "17841400000000001"
ANA_PHONE, ANA_IG = "+4915112345678", "6543210987654321"
IG_TOKEN = "IGAAstandin-photo-token"
GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG whose EXIF says where it was taken (Berlin) and with which camera."""
    exif = Image.Exif()
    exif[0x010F] = "Acme Camera"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the test's own premise
    return data


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with running_smtp() as server:
        yield server


class Desk:
    """The app with every provider pointed at a stand-in, and REST API v1 as the shop."""

    def __init__(self, client: TestClient[Any, Any], shop: Shop, db: Database, twilio: TwilioStandIn,
                 graph: GraphStandin, smtp: SmtpStandin) -> None:  # fmt: skip
        self.client, self.shop, self.db = client, shop, db
        self.twilio, self.graph, self.smtp = twilio, graph, smtp
        self.headers = {"Authorization": f"Bearer {token_for(shop)}"}

    async def order(self, **fields: Any) -> dict[str, Any]:
        response = await self.client.post("/api/v1/orders", json=fields, headers=self.headers)
        assert response.status == 201, await response.text()
        order: dict[str, Any] = await response.json()
        await self.settled()
        return order

    async def in_window(
        self, *, phone: str | None = None, instagram_id: str | None = None, channel: str
    ) -> None:
        """The customer wrote on ``channel`` a minute ago: its 24-hour window is open."""
        if phone is not None and channel == "whatsapp":
            self.twilio.customer_wrote(phone)
        customer = await self.db.customers.find_or_create(
            self.shop.id, now=self.client_clock(), phone=phone, instagram_id=instagram_id
        )
        await self.db.customers.record_inbound(
            self.shop.id, customer.id, channel, self.client_clock() - timedelta(minutes=1)
        )

    def client_clock(self) -> datetime:
        assert self.client.app is not None
        now: datetime = self.client.app[CLOCK]()
        return now

    async def upload(self, order_id: str, data: bytes, *, filename: str = "photo.jpg",
                     content_type: str = "image/jpeg", caption: str | None = None, notify: bool | None = None,
                     headers: dict[str, str] | None = None, token: str | None = None) -> Any:  # fmt: skip
        form = FormData()
        form.add_field("file", data, filename=filename, content_type=content_type)
        if caption is not None:
            form.add_field("caption", caption)
        if notify is not None:
            form.add_field("notify", "true" if notify else "false")
        auth = {"Authorization": f"Bearer {token}"} if token else self.headers
        return await self.client.post(
            f"/api/v1/orders/{order_id}/photos", data=form, headers={**auth, **(headers or {})}
        )

    async def settled(self) -> None:
        assert self.client.app is not None
        await finish_background(self.client.app)

    async def progress(self, order_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/orders/{order_id}/progress", headers=self.headers)
        assert response.status == 200
        view: dict[str, Any] = await response.json()
        return view

    async def fetch(self, url: str) -> Any:
        """What a provider gets for a media URL the app gave out (it names the app's public URL)."""
        assert url.startswith(f"{PUBLIC_URL}/media/"), url
        return await self.client.get(url.removeprefix(PUBLIC_URL))

    async def stored_files(self) -> int:
        return await self.db.orders._orders.database["photos.files"].count_documents({})


@pytest.fixture
async def desk(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer, settings: Settings, db: Database,
    clock: Clock, smtp: SmtpStandin,
) -> Desk:  # fmt: skip
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, windows=True)
    twilio_server = await aiohttp_server(twilio.app())
    graph = GraphStandin(IG_TOKEN)
    graph_server = await aiohttp_server(graph.app())
    configured = settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_base_url": str(twilio_server.make_url("")).rstrip("/"),
            "instagram_access_token": SecretStr(IG_TOKEN),
            "graph_base_url": str(graph_server.make_url("")),
        }
    )
    email = EmailSettings(host=smtp.host, port=smtp.port, security="none", from_address="orders@acme.example")
    shop = new_shop(
        "Acme Coffee", clock(), sms_number=SHOP_SMS, whatsapp_number=SHOP_WHATSAPP, instagram_id=SHOP_IG,
        email=email,
    )  # fmt: skip
    await db.shops.add(shop)
    client = await aiohttp_client(build_app(configured, clock=clock))
    return Desk(client, shop, db, twilio, graph, smtp)


ANA = {"name": "Ana Gomez", "phone": ANA_PHONE, "email": "ana@example.com"}


async def test_a_whatsapp_photo_goes_with_a_media_url_that_serves_the_reencoded_image_without_gps(
    desk: Desk,
) -> None:
    order = await desk.order(number="1042", customer=ANA, channel="whatsapp")
    await desk.in_window(phone=ANA_PHONE, channel="whatsapp")
    before = len(desk.twilio.created)

    response = await desk.upload(order["order_id"], jpeg_with_gps(), caption="Packed and ready")
    assert response.status == 201, await response.text()
    answer = await response.json()
    await desk.settled()

    [sent] = desk.twilio.created[before:]
    assert sent["To"] == f"whatsapp:{ANA_PHONE}"
    assert sent["Body"] == "📸 Hi Ana! Here's a photo of your order #1042.\nPacked and ready"
    [media_url] = sent.getall("MediaUrl")
    fetched = await desk.fetch(media_url)
    assert fetched.status == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(await fetched.read()))
    assert image.format == "JPEG" and image.size == (640, 480)
    assert not image.getexif().get_ifd(GPS_IFD) and not dict(image.getexif())  # no GPS, no EXIF at all
    # the same image the shop's tools read, and its place on the order
    own = await desk.client.get(answer["url"].removeprefix(PUBLIC_URL), headers=desk.headers)
    assert own.status == 200 and await own.read() == await (await desk.fetch(media_url)).read()
    view = await desk.progress(order["order_id"])
    [event] = [e for e in view["timeline"] if e["kind"] == "photo"]
    assert (event["photo_id"], event["note"]) == (answer["photo_id"], "Packed and ready")
    [note] = [n for n in view["notifications"] if n["kind"] == "photo"]
    assert note["state"] == "sent"
    [message] = [m async for m in desk.db.messages._messages.find({"outbox_id": note["notification_id"]})]
    assert message["attachments"] == [
        {"url": f"/api/v1/orders/{order['order_id']}/photos/{answer['photo_id']}",
         "content_type": "image/jpeg", "photo_id": answer["photo_id"]}
    ]  # fmt: skip


async def test_outside_the_whatsapp_window_the_nudge_goes_first_and_the_photo_follows_the_reply(
    desk: Desk,
) -> None:
    nudge = "HX" + "c" * 32
    desk.twilio.approve(nudge)
    admin = {"Authorization": f"Bearer {token_for(desk.shop, role='admin')}"}
    changed = await desk.client.patch(
        "/api/v1/shop", json={"whatsapp_templates": {"nudge": nudge}}, headers=admin
    )
    assert changed.status == 200, await changed.text()
    order = await desk.order(number="1053", customer=ANA, channel="whatsapp")
    response = await desk.upload(order["order_id"], jpeg_with_gps(), caption="Packed and ready")
    assert response.status == 201
    await desk.settled()

    assert [r.get("ContentSid") for r in desk.twilio.created] == [nudge]  # one nudge, no image yet
    notes = (await desk.progress(order["order_id"]))["notifications"]
    assert {n["kind"]: n["state"] for n in notes}["photo"] == "parked"

    inbound = twilio_fixture("whatsapp_text", Body="ok, show me")
    assert (await twilio_post(desk.client, inbound)).status == 200
    desk.twilio.customer_wrote(ANA_PHONE)
    await desk.settled()
    assert desk.client.app is not None
    await desk.client.app[NOTIFIER].run_once()
    await desk.settled()

    [photo] = [r for r in desk.twilio.created if r.get("MediaUrl")]
    assert photo["Body"] == "📸 Hi Ana! Here's a photo of your order #1053.\nPacked and ready"
    assert (await desk.fetch(photo["MediaUrl"])).status == 200


async def test_sms_from_a_us_number_sends_mms(desk: Desk) -> None:
    order = await desk.order(number="1043", customer={"name": "Bo", "phone": ANA_PHONE}, channel="sms")
    before = len(desk.twilio.created)
    response = await desk.upload(order["order_id"], jpeg_with_gps())
    assert response.status == 201
    await desk.settled()
    [sent] = desk.twilio.created[before:]
    assert sent["From"] == SHOP_SMS
    [media_url] = sent.getall("MediaUrl")
    assert (await desk.fetch(media_url)).status == 200
    assert "/media/" not in sent["Body"]


async def test_sms_from_a_number_without_mms_carries_the_link_in_the_text(desk: Desk, clock: Clock) -> None:
    uk = new_shop("Acme UK", clock(), sms_number="+447700900123", timezone="Europe/London")
    await desk.db.shops.add(uk)
    desk.headers = {"Authorization": f"Bearer {token_for(uk)}"}
    order = await desk.order(number="2001", customer={"name": "Bo", "phone": ANA_PHONE}, channel="sms")
    before = len(desk.twilio.created)
    response = await desk.upload(order["order_id"], jpeg_with_gps(), caption="Boxed")
    assert response.status == 201
    await desk.settled()
    [sent] = desk.twilio.created[before:]
    assert sent["From"] == "+447700900123" and not sent.getall("MediaUrl")
    text, link = sent["Body"].rsplit("\n", 1)
    assert text == "Order #2001: a photo for you. Boxed -Acme UK"
    fetched = await desk.fetch(link)
    assert fetched.status == 200 and fetched.headers["Content-Type"] == "image/jpeg"


async def test_the_shops_own_photo_text_is_what_the_customer_gets(desk: Desk) -> None:
    admin = {"Authorization": f"Bearer {token_for(desk.shop, role='admin')}"}
    own = "Look {first_name}: order {order_number} is packed! {caption}"
    saved = await desk.client.put(
        "/api/v1/templates/photo_update/any/whatsapp/en", json={"text": own}, headers=admin
    )
    assert saved.status == 200, await saved.text()
    order = await desk.order(number="2002", customer=ANA, channel="whatsapp")
    await desk.in_window(phone=ANA_PHONE, channel="whatsapp")
    before = len(desk.twilio.created)
    assert (await desk.upload(order["order_id"], jpeg_with_gps(), caption="Ribbon on top")).status == 201
    await desk.settled()
    [sent] = desk.twilio.created[before:]
    assert sent["Body"] == "Look Ana: order 2002 is packed! Ribbon on top"
    assert sent.getall("MediaUrl")


async def test_an_instagram_photo_is_an_image_attachment_then_the_text(desk: Desk) -> None:
    order = await desk.order(number="1044", customer={"name": "Ana Gomez", "instagram_id": ANA_IG},
                             channel="instagram")  # fmt: skip
    await desk.in_window(instagram_id=ANA_IG, channel="instagram")
    response = await desk.upload(order["order_id"], jpeg_with_gps(), caption="Ready to ship")
    assert response.status == 201
    await desk.settled()
    image, text = [request.body for request in desk.graph.requests][-2:]
    assert image["recipient"] == {"id": ANA_IG}
    assert image["message"]["attachment"]["type"] == "image"
    url = image["message"]["attachment"]["payload"]["url"]
    fetched = await desk.fetch(url)
    assert fetched.status == 200 and fetched.headers["Content-Type"] == "image/jpeg"
    assert text["message"] == {"text": "📸 Hey Ana! Here's a photo of your order #1044 ✨\nReady to ship"}


async def test_an_email_photo_is_embedded_inline(desk: Desk) -> None:
    order = await desk.order(number="1045", customer={"name": "Ana Gomez", "email": "ana@example.com"},
                             channel="email")  # fmt: skip
    response = await desk.upload(order["order_id"], jpeg_with_gps(), caption="Wrapped")
    assert response.status == 201
    await desk.settled()
    [received] = desk.smtp.mailbox.received[-1:]
    email = received.message()
    html = email.get_body(("html",))
    assert html is not None
    [image] = [part for part in email.walk() if part.get_content_type() == "image/jpeg"]
    cid = str(image["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html.get_content()
    embedded = Image.open(io.BytesIO(image.get_content()))
    assert embedded.size == (640, 480) and not embedded.getexif().get_ifd(GPS_IFD)
    assert "Wrapped" in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_pdf_named_png_is_refused_with_415_and_nothing_is_kept(desk: Desk) -> None:
    order = await desk.order(number="1046", customer=ANA, channel="whatsapp")
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = await desk.upload(order["order_id"], pdf, filename="photo.png", content_type="image/png")
    assert response.status == 415
    assert (await response.json())["error"]["code"] == "unsupported_media_type"
    await desk.settled()
    view = await desk.progress(order["order_id"])
    assert [e["kind"] for e in view["timeline"]] == ["status"]
    assert not [n for n in view["notifications"] if n["kind"] == "photo"]
    assert await desk.stored_files() == 0


async def test_a_six_megabyte_image_is_refused_with_413_and_nothing_is_kept(desk: Desk) -> None:
    order = await desk.order(number="1047", customer=ANA, channel="whatsapp")
    big = jpeg_with_gps() + b"\0" * (6 * 1024 * 1024)  # a real JPEG, padded past 5 MB
    response = await desk.upload(order["order_id"], big)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"
    view = await desk.progress(order["order_id"])
    assert [e["kind"] for e in view["timeline"]] == ["status"]
    assert await desk.stored_files() == 0


async def test_another_shops_order_is_404_and_nothing_is_kept(desk: Desk, other_shop: Shop) -> None:
    order = await desk.order(number="1048", customer=ANA, channel="whatsapp")
    response = await desk.upload(order["order_id"], jpeg_with_gps(), token=token_for(other_shop))
    assert response.status == 404
    assert await desk.stored_files() == 0
    photo = await desk.upload(order["order_id"], jpeg_with_gps(), notify=False)
    photo_id = (await photo.json())["photo_id"]
    other = {"Authorization": f"Bearer {token_for(other_shop)}"}
    read = await desk.client.get(f"/api/v1/orders/{order['order_id']}/photos/{photo_id}", headers=other)
    assert read.status == 404


async def test_a_media_link_expires_and_opens_nothing_else(desk: Desk, clock: Clock) -> None:
    order = await desk.order(number="1049", customer={"name": "Bo", "phone": ANA_PHONE}, channel="sms")
    await desk.upload(order["order_id"], jpeg_with_gps())
    await desk.settled()
    [media_url] = desk.twilio.created[-1].getall("MediaUrl")
    token = media_url.rsplit("/", 1)[1]
    assert len(token) >= 43
    assert (await desk.fetch(media_url)).status == 200
    changed = token[:-1] + ("B" if token.endswith("A") else "A")
    for path in (f"/media/{changed}", "/media/short", f"/media/{token}/x", "/media/"):
        assert (await desk.client.get(path)).status == 404, path

    clock.advance(days=7, seconds=1)
    expired = await desk.fetch(media_url)
    assert expired.status == 404
    assert (await expired.json())["error"]["code"] == "not_found"


async def test_a_retry_with_the_same_idempotency_key_keeps_one_photo_and_one_message(desk: Desk) -> None:
    order = await desk.order(number="1050", customer={"name": "Bo", "phone": ANA_PHONE}, channel="sms")
    before = len(desk.twilio.created)
    answers = []
    for _ in range(2):
        response = await desk.upload(order["order_id"], jpeg_with_gps(), headers={"Idempotency-Key": "up-1"})
        assert response.status == 201
        answers.append(await response.json())
        await desk.settled()
    assert answers[0] == answers[1]
    view = await desk.progress(order["order_id"])
    assert [e["kind"] for e in view["timeline"]].count("photo") == 1
    assert len(desk.twilio.created) - before == 1


async def test_notify_false_keeps_the_photo_on_the_timeline_and_tells_no_one(desk: Desk) -> None:
    order = await desk.order(number="1051", customer={"name": "Bo", "phone": ANA_PHONE}, channel="sms")
    before = len(desk.twilio.created)
    response = await desk.upload(order["order_id"], jpeg_with_gps(), notify=False)
    assert response.status == 201
    await desk.settled()
    assert len(desk.twilio.created) == before
    thumb = await desk.client.get(
        f"/api/v1/orders/{order['order_id']}/photos/{(await response.json())['photo_id']}",
        params={"size": "thumb"}, headers=desk.headers,
    )  # fmt: skip
    assert thumb.status == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(await thumb.read())).size) == 320


async def test_a_chunked_upload_past_5_mb_is_refused_while_most_of_it_is_unsent(desk: Desk) -> None:
    """No declared length to refuse early: the route reads the file as it arrives and stops past 5 MB."""
    order = await desk.order(number="1052", customer=ANA, channel="whatsapp")
    server = desk.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = "\r\n".join(
        [
            f"POST /api/v1/orders/{order['order_id']}/photos HTTP/1.1",
            f"Host: {server.host}",
            f"Authorization: {desk.headers['Authorization']}",
            "Content-Type: multipart/form-data; boundary=xyzzy",
            "Transfer-Encoding: chunked",
        ]
    )
    part = (
        b'--xyzzy\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg_with_gps()
    )
    writer.write(head.encode() + b"\r\n\r\n" + b"%x\r\n%s\r\n" % (len(part), part))
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    chunk_size, sent = 64 * 1024, 0
    chunk = b"%x\r\n%s\r\n" % (chunk_size, b"\0" * chunk_size)
    while sent < 16 * 1024 * 1024 and not answer.done():
        try:
            writer.write(chunk)
            await writer.drain()
        except ConnectionError:
            break
        sent += chunk_size
        await asyncio.sleep(0.001)  # the server runs in this loop: let it read what arrived
    status_line = (await asyncio.wait_for(answer, 10)).split(b"\r\n", 1)[0]
    writer.close()

    assert int(status_line.split()[1]) == 413
    assert sent < 6 * 1024 * 1024, f"answered after {sent / 2**20:.1f} MiB of 16"
    assert await desk.stored_files() == 0


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("application/json", b'{"file": "x"}', 415, "unsupported_media_type"),
        ("multipart/form-data", b"x", 400, "malformed"),
        ("multipart/form-data; boundary=b", b"garbage", 400, "malformed"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="caption"\r\n\r\nhi\r\n--b--\r\n',
         422, "invalid_field"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="notify"\r\n\r\nmaybe\r\n--b--\r\n',
         422, "invalid_field"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="extra"\r\n\r\n1\r\n--b--\r\n',
         422, "invalid_field"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="caption"\r\n\r\n\xff\xfe\r\n--b--\r\n',
         422, "invalid_field"),
    ],
)  # fmt: skip
async def test_a_malformed_form_is_refused_with_a_clear_error_and_nothing_is_kept(
    desk: Desk, content_type: str, body: bytes, status: int, code: str
) -> None:
    order = await desk.order(number="1060", customer=ANA, channel="whatsapp")
    response = await desk.client.post(
        f"/api/v1/orders/{order['order_id']}/photos",
        data=body,
        headers={**desk.headers, "Content-Type": content_type},
    )
    assert response.status == status, await response.text()
    assert (await response.json())["error"]["code"] == code
    assert await desk.stored_files() == 0


async def test_a_photo_update_shows_in_the_customers_conversation_with_its_thumbnail(desk: Desk) -> None:
    order = await desk.order(number="1042", customer=ANA, channel="whatsapp")
    await desk.in_window(phone=ANA_PHONE, channel="whatsapp")
    response = await desk.upload(order["order_id"], jpeg_with_gps(), caption="Packed and ready")
    assert response.status == 201, await response.text()
    photo_id = (await response.json())["photo_id"]
    await desk.settled()
    customer = await desk.db.customers.find_or_create(desk.shop.id, now=desk.client_clock(), phone=ANA_PHONE)

    listed = await desk.client.get(f"/api/v1/customers/{customer.id}/messages", headers=desk.headers)
    assert listed.status == 200, await listed.text()
    [message] = [m for m in (await listed.json())["messages"] if m["photos"]]
    assert message["text"].endswith("Packed and ready") and message["state"] == "sent"
    url = f"/api/v1/orders/{order['order_id']}/photos/{photo_id}"
    assert message["photos"] == [{"order_id": order["order_id"], "photo_id": photo_id, "url": url}]
    thumb = await desk.client.get(f"{url}?size=thumb", headers=desk.headers)
    assert thumb.status == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(await thumb.read())).size) <= 320
