"""Which channel reaches a customer now, and how: free text, an approved template, or park and nudge.

Pure functions over what is known of the customer and the shop. The channel they last wrote on comes
first, then the order's, then what the shop can send on (WhatsApp, SMS, email). WhatsApp outside the
24-hour window takes only an approved template: the shop's template for a shipped order's delivery stage
(``out_for_delivery``, ``ready_for_pickup``, ``delivery_problem``), else for the order's status, else the
"update ready, reply to see it" nudge while the full message is parked until the customer writes back;
with neither it falls back to SMS, then email, and so does a parked message whose nudge went unanswered
(``nudge_unanswered``). Instagram outside its window falls back the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from channels.base import PHONE_CHANNELS

WINDOW = timedelta(hours=24)
WINDOWED = ("whatsapp", "instagram")
FALLBACKS = ("whatsapp", "sms", "email")
NUDGE = "nudge"


class Mode(StrEnum):
    TEXT = "text"
    TEMPLATE = "template"  # the shop's approved template for the order's status
    NUDGE = "nudge"  # the nudge template now, the full message once the customer replies


@dataclass(frozen=True)
class Reach:
    """What is known of one customer and the shop sending to them."""

    now: datetime
    wanted: str | None
    shop_channels: frozenset[str]
    phone: str | None = None
    email: str | None = None
    instagram_id: str | None = None
    opted_out: frozenset[str] = frozenset()
    last_inbound: Mapping[str, datetime] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)
    status: str | None = None  # the order's status, for a status update (templates exist per status)
    stage: str | None = None  # a shipped order's delivery stage: its template wins over the status's
    nudge_unanswered: bool = False  # nudged before without a reply: no second nudge, fall back instead
    fallbacks: tuple[str, ...] = FALLBACKS  # tried after ``wanted``, in this order


@dataclass(frozen=True)
class Route:
    channel: str
    address: str
    mode: Mode = Mode.TEXT
    content_sid: str | None = None
    passed_over: tuple[str, ...] = ()  # why earlier channels were not used


class NoRoute(Exception):
    """No channel reaches the customer; ``str`` says why for each one tried."""


def in_window(reach: Reach, channel: str) -> bool:
    last = reach.last_inbound.get(channel)
    return last is not None and reach.now - last <= WINDOW


def address(reach: Reach, channel: str) -> str | None:
    if channel == "email":
        return reach.email
    if channel == "instagram":
        return reach.instagram_id
    return reach.phone if channel in PHONE_CHANNELS else None


def route(reach: Reach) -> Route:
    """The first channel that can carry the message now, and how; NoRoute with every reason otherwise."""
    candidates = list(dict.fromkeys(filter(None, [reach.wanted, *reach.fallbacks])))
    reasons: list[str] = []
    for channel in candidates:
        if channel in reach.opted_out:
            reasons.append(f"opted out of {channel}")
            continue
        if channel not in reach.shop_channels:
            continue
        to = address(reach, channel)
        if not to:
            continue
        if channel not in WINDOWED or in_window(reach, channel):
            return Route(channel, to, passed_over=tuple(reasons))
        found = _outside_window(reach, channel, to, tuple(reasons))
        if found is not None:
            return found
        reasons.append(_closed(reach, channel))
    raise NoRoute("; ".join(reasons) or "no channel reaches this customer")


def _closed(reach: Reach, channel: str) -> str:
    if channel != "whatsapp":
        return f"outside the 24-hour {channel} window"
    if reach.nudge_unanswered:
        return "outside the 24-hour whatsapp window and no reply to the nudge"
    return "outside the 24-hour whatsapp window with no approved template"


def _outside_window(reach: Reach, channel: str, to: str, reasons: tuple[str, ...]) -> Route | None:
    """WhatsApp's templates, for a customer who wants WhatsApp or has written on it before."""
    if channel != "whatsapp" or not (reach.wanted == "whatsapp" or "whatsapp" in reach.last_inbound):
        return None
    if sid := _status_template(reach):
        return Route(channel, to, Mode.TEMPLATE, sid, reasons)
    if not reach.nudge_unanswered and (sid := reach.templates.get(NUDGE)):
        return Route(channel, to, Mode.NUDGE, sid, reasons)
    return None


def _status_template(reach: Reach) -> str | None:
    """The shop's template for this status update: its delivery stage's, else its status's."""
    if reach.status is None:
        return None
    if reach.status == "shipped" and reach.stage is not None and (sid := reach.templates.get(reach.stage)):
        return sid
    return reach.templates.get(reach.status)


__all__ = ["NUDGE", "WINDOW", "Mode", "NoRoute", "Reach", "Route", "in_window", "route"]
