"""Which channel reaches a customer now, and how: the pure route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery_policy import Mode, NoRoute, Reach, route

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PHONE, EMAIL = "+4915112345678", "ana@example.com"
STATUS_SID, NUDGE_SID = "HX" + "a" * 32, "HX" + "b" * 32
EVERY = frozenset({"whatsapp", "sms", "email", "instagram"})


def reach(**changes: object) -> Reach:
    fields: dict[str, object] = {
        "now": NOW, "wanted": "whatsapp", "shop_channels": EVERY, "phone": PHONE, "email": EMAIL,
        "last_inbound": {"whatsapp": NOW - timedelta(hours=2)},
    }  # fmt: skip
    return Reach(**{**fields, **changes})  # type: ignore[arg-type]


STALE = {"whatsapp": NOW - timedelta(hours=25)}


def test_inside_the_window_whatsapp_takes_free_text() -> None:
    assert route(reach()) == route(reach(templates={"shipped": STATUS_SID}, status="shipped"))
    found = route(reach())
    assert (found.channel, found.address, found.mode) == ("whatsapp", PHONE, Mode.TEXT)


def test_the_window_ends_after_24_hours() -> None:
    edge = {"whatsapp": NOW - timedelta(hours=24)}
    assert route(reach(last_inbound=edge, shop_channels=frozenset({"whatsapp"}))).mode == Mode.TEXT
    with pytest.raises(NoRoute):
        route(reach(last_inbound=STALE, shop_channels=frozenset({"whatsapp"})))


def test_outside_the_window_the_status_template_then_the_nudge() -> None:
    both = {"shipped": STATUS_SID, "nudge": NUDGE_SID}
    found = route(reach(last_inbound=STALE, templates=both, status="shipped"))
    assert (found.mode, found.content_sid) == (Mode.TEMPLATE, STATUS_SID)
    found = route(reach(last_inbound=STALE, templates=both, status="processing"))
    assert (found.mode, found.content_sid) == (Mode.NUDGE, NUDGE_SID)
    found = route(reach(last_inbound=STALE, templates=both, status=None))  # not a status update
    assert found.mode == Mode.NUDGE


def test_without_templates_sms_then_email() -> None:
    found = route(reach(last_inbound=STALE))
    assert (found.channel, found.address) == ("sms", PHONE)
    assert found.passed_over == ("outside the 24-hour whatsapp window with no approved template",)
    found = route(reach(last_inbound=STALE, shop_channels=frozenset({"whatsapp", "email"})))
    assert (found.channel, found.address) == ("email", EMAIL)


def test_whatsapp_templates_only_for_customers_who_use_whatsapp() -> None:
    # wanted SMS, opted out of it, never wrote on WhatsApp: no template to a stranger, email instead
    found = route(
        reach(wanted="sms", last_inbound={}, opted_out=frozenset({"sms"}), templates={"nudge": NUDGE_SID})
    )
    assert found.channel == "email"


def test_instagram_outside_its_window_falls_back_or_gives_the_reason() -> None:
    stale = {"instagram": NOW - timedelta(days=2)}
    found = route(reach(wanted="instagram", instagram_id="ig-1", last_inbound=stale))
    assert found.channel == "sms"
    with pytest.raises(NoRoute, match="outside the 24-hour instagram window"):
        route(reach(wanted="instagram", instagram_id="ig-1", last_inbound=stale, phone=None, email=None))


def test_opted_out_and_unreachable_say_why() -> None:
    with pytest.raises(NoRoute, match="opted out of whatsapp; opted out of sms"):
        route(reach(opted_out=frozenset({"whatsapp", "sms"}), email=None))
    with pytest.raises(NoRoute, match="no channel reaches this customer"):
        route(reach(phone=None, email=None))


def test_a_channel_the_shop_does_not_have_is_passed_over() -> None:
    assert route(reach(wanted="sms", shop_channels=frozenset({"whatsapp"}))).channel == "whatsapp"


def test_an_unanswered_nudge_is_not_sent_again_the_message_falls_back_to_sms_then_email() -> None:
    nudged = reach(last_inbound=STALE, templates={"nudge": NUDGE_SID}, nudge_unanswered=True)
    assert route(reach(last_inbound=STALE, templates={"nudge": NUDGE_SID})).mode == Mode.NUDGE
    assert (route(nudged).channel, route(nudged).mode) == ("sms", Mode.TEXT)
    by_email = reach(
        last_inbound=STALE, templates={"nudge": NUDGE_SID}, nudge_unanswered=True,
        shop_channels=frozenset({"whatsapp", "email"}),
    )  # fmt: skip
    assert (route(by_email).channel, route(by_email).address) == ("email", EMAIL)
    with pytest.raises(NoRoute, match="no reply to the nudge"):
        route(reach(
            last_inbound=STALE, templates={"nudge": NUDGE_SID}, nudge_unanswered=True,
            shop_channels=frozenset({"whatsapp"}),
        ))  # fmt: skip


def test_an_unanswered_nudge_still_goes_as_free_text_once_the_customer_writes() -> None:
    found = route(reach(templates={"nudge": NUDGE_SID}, nudge_unanswered=True))
    assert (found.channel, found.mode) == ("whatsapp", Mode.TEXT)
