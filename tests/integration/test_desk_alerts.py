"""Staff alerts reach someone: every alert is in the desk (``GET /api/v1/alerts``) as it happens, goes by
email to the shop's staff addresses through its own SMTP server, and one nobody can receive is still shown.

Through the real app, inbox, conversation, notifier and database; email through aiosmtplib to the SMTP
stand-in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.staff_alerts import StaffAlerts
from bot.staff_deliveries import NO_STAFF
from orders.lifecycle import Status
from orders.model import EmailSettings, Shop
from orders.store import Database
from tests.conftest import Api, Clock, Sends, token_for
from tests.integration.test_conversation import ANA, place, say
from tests.standins.smtp import SmtpStandin, running_smtp
from webhooks.keys import INBOX, SERVICE

STAFF_EMAILS = ["desk@acme.example", "owner@acme.example"]
OUR_LOGGERS = {"orders", "bot", "channels", "webhooks", "aiohttp"}
COMPLAINT = "⚠️ Ana Lima on whatsapp reports a problem (damaged item) about order #1042."


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with running_smtp() as server:
        yield server


async def with_staff_email(db: Database, shop: Shop, server: SmtpStandin) -> Shop:
    settings = EmailSettings(
        host=server.host, port=server.port, security="none", from_address="orders@acme.example"
    )
    changed = shop.model_copy(update={"staff_emails": STAFF_EMAILS, "email": settings})
    await db.shops.save(changed)
    return changed


async def test_a_complaint_is_in_the_desk_at_once_and_emailed_to_every_staff_address(
    client: TestClient[Any, Any], api: Api, db: Database, shop: Shop, clock: Clock, smtp: SmtpStandin,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    shop = await with_staff_email(db, shop, smtp)
    app = client.app
    await place(app[SERVICE], shop, "1042", ANA, Status.FULFILLED)
    await say(app[INBOX], shop, clock, "the mug in order 1042 arrived broken")

    [alert] = (await api.get("/alerts"))["alerts"]  # recorded before it was queued: there before any send
    assert (alert["source"], alert["text"], alert["seen_at"]) == ("alert", COMPLAINT, None)
    order = await db.orders.find_number(shop.id, "1042")
    assert order is not None and alert["order_id"] == order.id

    await Sends(app).dispatch()
    # (the reply to Ana goes by email too: this app has no WhatsApp)
    mails = [mail for mail in smtp.mailbox.received if set(mail.rcpt_tos) <= set(STAFF_EMAILS)]
    assert sorted(address for mail in mails for address in mail.rcpt_tos) == STAFF_EMAILS
    for mail in mails:
        message = mail.message()
        assert message["Subject"] == f"[Acme Coffee] {COMPLAINT}"
        body = message.get_body(("plain",))
        assert body is not None and COMPLAINT in body.get_content()
    [alert] = (await api.get("/alerts"))["alerts"]
    assert alert["delivery"] == {"state": "sent", "error": None, "reached": 2}
    # who complained, their words and the staff's addresses stay out of the service's logs (the SMTP
    # stand-in's own log is the mail server's)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in OUR_LOGGERS)
    assert "alert" in ours  # the notifier logged the alert's send
    for personal in ("Ana Lima", "Ana", "arrived broken", *STAFF_EMAILS, ANA):
        assert personal not in ours


async def test_an_alert_nobody_can_receive_is_shown_in_the_desk_and_marked_seen_once(
    client: TestClient[Any, Any], api: Api, db: Database, shop: Shop, other_shop: Shop, clock: Clock
) -> None:
    assert not shop.staff_telegram_ids and not shop.staff_emails
    created = await api.post(
        "/orders", {"number": "1042", "customer": {"name": "Ana", "phone": ANA}}, status=201
    )
    clock.advance(hours=49)
    scan = StaffAlerts(client.app[SERVICE].attention, clock, stores=db)
    assert await scan.scan() == 1  # a shop with nobody on Telegram is scanned too
    await Sends(client.app).dispatch()

    [alert] = (await api.get("/alerts"))["alerts"]
    assert alert["source"] == "attention" and alert["order_id"] == created["order_id"]
    assert alert["text"].startswith("⚠️ Order #1042 needs attention: pending too long")
    assert alert["delivery"] == {"state": "skipped", "error": NO_STAFF, "reached": 0}

    theirs = Api(client, token_for(other_shop))
    assert (await theirs.get("/alerts"))["alerts"] == []
    await theirs.post(f"/alerts/{alert['alert_id']}/seen", status=404)

    seen = await api.post(f"/alerts/{alert['alert_id']}/seen")
    assert (seen["seen_by"], seen["seen_at"]) == (
        "staff@" + shop.id,
        clock().isoformat().replace("+00:00", "Z"),
    )
    clock.advance(minutes=5)
    again = await Api(client, token_for(shop, subject="someone-else")).post(
        f"/alerts/{alert['alert_id']}/seen"
    )
    assert again["seen_by"] == seen["seen_by"]  # the first mark stays
    assert (await api.get("/alerts", unseen="true"))["alerts"] == []


async def test_alerts_page_newest_first_with_a_cursor(
    client: TestClient[Any, Any], api: Api, db: Database, shop: Shop, clock: Clock
) -> None:
    for number in ("1042", "1043", "1044"):
        await place(client.app[SERVICE], shop, number, ANA, Status.FULFILLED)
        await say(client.app[INBOX], shop, clock, f"the mug in order {number} arrived broken")
        clock.advance(minutes=1)
    first = await api.get("/alerts", limit=2)
    rest = await api.get("/alerts", limit=2, cursor=first["next_cursor"])
    texts = [a["text"] for a in first["alerts"] + rest["alerts"]]
    assert [t.split("#")[1][:4] for t in texts] == ["1044", "1043", "1042"]
    assert rest["next_cursor"] is None
    await api.get("/alerts", status=400, cursor="not-a-cursor")
