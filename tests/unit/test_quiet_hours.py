"""Quiet hours in the customer's local time: the pure decision."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.quiet_hours import QuietHours, customer_zone, held_until, is_urgent, quiet_decision
from orders.model import OutboxKind

NIGHT = QuietHours.parse("21:00", "08:00")
BERLIN_MOBILE, SF, UK_MOBILE, US_TOLL_FREE = "+4915112345678", "+14155550101", "+447700900123", "+18005550100"


def utc(hour: int, minute: int = 0, day: int = 2, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        (BERLIN_MOBILE, "Europe/Berlin"),
        (SF, "America/Los_Angeles"),
        ("+5511987654321", "America/Sao_Paulo"),
        (US_TOLL_FREE, "Asia/Tokyo"),  # all of North America: the shop's zone
        ("+79161234567", "Asia/Tokyo"),  # Russia spans eleven zones
        ("not a phone", "Asia/Tokyo"),
        (None, "Asia/Tokyo"),
    ],
)
def test_the_customers_zone_comes_from_the_number_else_the_shop(phone: str | None, zone: str) -> None:
    assert customer_zone(phone, "Asia/Tokyo", utc(12)) == ZoneInfo(zone)


def test_a_country_whose_zones_keep_one_time_counts_as_one_zone() -> None:
    # UK mobiles carry no region, but every UK zone (London, Jersey, Guernsey, Man) keeps the same time
    zone = customer_zone(UK_MOBILE, "Asia/Tokyo", utc(12))
    assert utc(12).astimezone(zone).utcoffset() == utc(12).astimezone(ZoneInfo("Europe/London")).utcoffset()


@pytest.mark.parametrize(
    ("local", "quiet"),
    [(time(20, 59), False), (time(21, 0), True), (time(23, 30), True), (time(0, 0), True),
     (time(7, 59), True), (time(8, 0), False), (time(12, 0), False)],
)  # fmt: skip
def test_quiet_hours_span_midnight(local: time, quiet: bool) -> None:
    assert NIGHT.contains(local) is quiet


def test_quiet_hours_within_one_day_and_off() -> None:
    siesta = QuietHours.parse("13:00", "15:00")
    assert siesta.contains(time(14, 0)) and not siesta.contains(time(15, 0)) and not siesta.contains(time(9))
    off = QuietHours.parse("00:00", "00:00")
    assert off.off and not off.contains(time(3, 0))


def test_a_late_message_waits_until_eight_the_next_morning_local() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 21:30 UTC is 22:30 in Berlin (CET, UTC+1 in November): held until 08:00 Berlin = 07:00 UTC
    assert held_until(utc(21, 30), berlin, NIGHT) == utc(7, day=3)
    # 05:00 UTC is 06:00 in Berlin: held until 08:00 the same day
    assert held_until(utc(5), berlin, NIGHT) == utc(7)
    assert held_until(utc(12), berlin, NIGHT) is None


def test_the_end_follows_the_zones_daylight_saving_change() -> None:
    # the night of 28-29 March 2026 Berlin moves to summer time: 08:00 local is 06:00 UTC the next day
    assert held_until(utc(22, month=3, day=28), ZoneInfo("Europe/Berlin"), NIGHT) == utc(6, month=3, day=29)


def test_the_decision_uses_the_customers_time_not_the_shops() -> None:
    # 16:00 UTC: midnight-ish in Tokyo (the shop), 17:00 in Berlin (the customer): it goes now
    assert quiet_decision(
        utc(16), kind=OutboxKind.STATUS_UPDATE, urgent=False, phone=BERLIN_MOBILE, shop_zone="Asia/Tokyo",
        quiet=NIGHT,
    ) is None  # fmt: skip
    # 06:00 UTC is 22:00 the evening before in San Francisco: held until 08:00 there (16:00 UTC)
    assert quiet_decision(
        utc(6), kind=OutboxKind.STATUS_UPDATE, urgent=False, phone=SF, shop_zone="Europe/Berlin", quiet=NIGHT
    ) == utc(16)  # fmt: skip
    # without a usable number, the shop's zone decides
    assert quiet_decision(
        utc(14), kind=OutboxKind.FOLLOW_UP, urgent=False, phone=None, shop_zone="Asia/Tokyo", quiet=NIGHT
    ) == utc(23)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "urgent", "expected"),
    [
        (OutboxKind.REPLY, False, True),  # an answer to the customer's own question
        (OutboxKind.STAFF_ALERT, False, True),
        (OutboxKind.STATUS_UPDATE, True, True),  # out for delivery, a delivery problem
        (OutboxKind.STATUS_UPDATE, False, False),
        (OutboxKind.FOLLOW_UP, False, False),
        (OutboxKind.MANUAL, False, False),
    ],
)
def test_urgent_messages_go_at_once(kind: OutboxKind, urgent: bool, expected: bool) -> None:
    assert is_urgent(kind, urgent) is expected
    night = utc(23)  # midnight in Berlin
    decision = quiet_decision(
        night, kind=kind, urgent=urgent, phone=BERLIN_MOBILE, shop_zone="UTC", quiet=NIGHT
    )
    assert (decision is None) is expected
