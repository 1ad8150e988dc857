"""Quiet hours in the customer's own local time: whether a message may go now, or when it may.

Pure functions. The customer's time zone comes from their phone number's country (libphonenumber's time
zone data) when its zones keep one time; otherwise the shop's. Urgent messages (an answer to the
customer's own question, out for delivery, a delivery problem, staff alerts) are never held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezones

from orders.model import OutboxKind

#: Kinds that answer someone right now: never held for quiet hours.
URGENT_KINDS = frozenset({OutboxKind.REPLY, OutboxKind.STAFF_ALERT})
_UNKNOWN_ZONE = "Etc/Unknown"


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` to ``end`` local time (over midnight when ``end`` is earlier); off when equal."""

    start: time
    end: time

    @classmethod
    def parse(cls, start: str, end: str) -> QuietHours:
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    @property
    def off(self) -> bool:
        return self.start == self.end

    def contains(self, local: time) -> bool:
        if self.off:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def customer_zone(phone: str | None, shop_zone: str, at: datetime) -> ZoneInfo:
    """The phone number's zone, else its country's; the shop's when they disagree on the time at ``at``.

    A number's own prefix names one zone in most countries (+49 → Berlin, +1 415 → Los Angeles); where it
    does not (UK mobiles), the country's zones are used when they all keep the same time.
    """
    zones = _zones_of(phone) if phone else []
    offsets = {at.astimezone(zone).utcoffset() for zone in zones}
    return zones[0] if len(offsets) == 1 else ZoneInfo(shop_zone)


def _zones_of(phone: str) -> list[ZoneInfo]:
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return []
    for names in (
        phone_timezones.time_zones_for_number(number),
        phone_timezones._country_level_time_zones_for_number(number),  # the country's zones
    ):
        known = [name for name in names if name != _UNKNOWN_ZONE]
        if known:
            try:
                return [ZoneInfo(name) for name in known]
            except ZoneInfoNotFoundError:
                return []
    return []


def is_urgent(kind: OutboxKind, urgent: bool) -> bool:
    return urgent or kind in URGENT_KINDS


def held_until(now: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime | None:
    """When quiet hours end, if ``now`` is inside them in ``zone``; None when a message may go now."""
    local = now.astimezone(zone)
    if not quiet.contains(local.time()):
        return None
    end_day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    # wall-clock end in the zone (a DST gap moves it by the zone's own rules), then back to UTC
    end = datetime.combine(end_day, quiet.end, tzinfo=zone)
    return end.astimezone(now.tzinfo)


def quiet_decision(
    now: datetime,
    *,
    kind: OutboxKind,
    urgent: bool,
    phone: str | None,
    shop_zone: str,
    quiet: QuietHours,
) -> datetime | None:
    """When a message may go: None for now, else the end of the customer's quiet hours."""
    if is_urgent(kind, urgent):
        return None
    return held_until(now, customer_zone(phone, shop_zone, now), quiet)


__all__ = ["QuietHours", "customer_zone", "held_until", "is_urgent", "quiet_decision"]
