"""Messages in each platform's style: pure functions of plain data.

WhatsApp is casual with the first name and emoji; SMS is concise, GSM-7 only, one 160-character segment
where possible and signed with the shop's name; Instagram is friendly with emoji; email is professional and
detailed; Telegram (staff) is compact; the console is plain. A shipped order with the carrier's delivery
stage says that stage (out for delivery, ready for pickup, a delivery problem) instead of "on its way".

A shop may replace any of these texts with its own (``bot.message_texts`` lists them): its texts come in
with the ``Voice``, as data, and a text of its own is sent as the shop wrote it, placeholders filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import templating
from bot.message_texts import (
    DEFAULT_LANGUAGE,
    NEXT_WORDS,
    ORDER_STATUS,
    REPLIES,
    REPLY_EMOJI,
    SEVERAL_ORDERS,
    STAGE_EMOJI,
    STAGE_NEXT,
    STAGE_WORDS,
    STATUS_EMOJI,
    STATUS_WORDS,
    text_key,
)
from bot.sms_text import GSM7, SMS_SEGMENT, sms_text, to_gsm7
from orders.lifecycle import DeliveryStage, Status, next_status, progress


@dataclass(frozen=True)
class OrderFacts:
    """What a message may say about an order; nothing else reaches the composer."""

    number: str
    status: Status
    updated_at: datetime
    tracking_url: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    items: tuple[str, ...] = ()
    total: str | None = None
    currency: str | None = None
    stage: DeliveryStage | None = None  # the carrier's latest news; said only while the order is shipped


@dataclass(frozen=True)
class Voice:
    """Who speaks: the shop, its time zone, its signature and tone, and the customer's first name."""

    shop_name: str
    timezone: str = "UTC"
    first_name: str | None = None
    signature: str | None = None
    tone: str = "friendly"
    #: The customer's language, when known; the shop's texts in it win over its English ones.
    language: str = DEFAULT_LANGUAGE
    #: The shop's own texts by ``text_key``; a kind without one speaks with the built-in words.
    texts: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Composed:
    text: str
    subject: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def local_time(at: datetime, timezone: str) -> str:
    """``25 Nov, 14:05`` in the shop's time zone (UTC when it is unknown; naive times are UTC)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%d %b, %H:%M")


def _one_line(value: str | None) -> str:
    """A value from the shop's data, flattened so that it cannot break a message's layout."""
    return " ".join((value or "").split())


def _stage(order: OrderFacts) -> DeliveryStage | None:
    return order.stage if order.status == Status.SHIPPED else None


def _state(order: OrderFacts) -> str:
    """``is on its way``, or what the carrier says of a shipped order: ``is out for delivery today``."""
    stage = _stage(order)
    return STAGE_WORDS[stage] if stage is not None else f"is {STATUS_WORDS[order.status]}"


def _status_line(order: OrderFacts) -> str:
    return f"Order #{_one_line(order.number)} {_state(order)}"


def _progress(order: OrderFacts, suffix: str = "") -> str:
    """`` (75%)``; nothing for a cancelled order, where "0% done" would only confuse."""
    return "" if order.status == Status.CANCELLED else f" ({progress(order.status)}%{suffix})"


def _next_line(order: OrderFacts) -> str | None:
    stage = _stage(order)
    if stage in STAGE_NEXT:
        return STAGE_NEXT[stage]
    step = next_status(order.status)
    return f"Next: {NEXT_WORDS[step]}." if step in NEXT_WORDS else None


def _tracking(order: OrderFacts) -> str | None:
    if url := _one_line(order.tracking_url):
        return url
    if number := _one_line(order.tracking_number):
        return f"{_one_line(order.carrier) or 'tracking'} {number}"
    return None


def order_status(order: OrderFacts, voice: Voice, style: str) -> Composed:
    """The answer to "where is my order?" (also used for status-update notifications)."""
    if own := shop_text(voice, ORDER_STATUS, order.status.value, style):
        subject = _email_subject(order, voice) if style == "email" else None
        return Composed(templating.render(own, order_values(order, voice)), subject=subject)
    styles = {"sms": _status_sms, "whatsapp": _status_chat, "instagram": _status_chat, "email": _status_email}
    return styles.get(style, _status_plain)(order, voice, style)


def shop_text(voice: Voice, kind: str, status: str, style: str) -> str | None:
    """The shop's own text for this message: in the customer's language, else in English, else none."""
    for language in dict.fromkeys((voice.language, DEFAULT_LANGUAGE)):
        if (text := voice.texts.get(text_key(kind, status, style, language))) is not None:
            return text
    return None


def order_values(order: OrderFacts, voice: Voice) -> dict[str, str | None]:
    """What the placeholders of a text about ``order`` stand for."""
    return {
        "first_name": voice.first_name,
        "shop_name": voice.shop_name,
        "order_number": order.number,
        "status": _short_state(order),
        "progress": None if order.status == Status.CANCELLED else f"{progress(order.status)}%",
        "tracking_url": order.tracking_url,
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "eta": _eta(order),
        "last_update": local_time(order.updated_at, voice.timezone),
    }


def _eta(order: OrderFacts) -> str | None:
    """What is known of when it arrives: only what a carrier or the status says, never a guess."""
    if order.status == Status.FULFILLED or _stage(order) == DeliveryStage.DELIVERED:
        return "delivered"
    if _stage(order) == DeliveryStage.OUT_FOR_DELIVERY:
        return "today"
    return None


def _status_sms(order: OrderFacts, voice: Voice, style: str) -> Composed:
    parts = [f"{_status_line(order)}{_progress(order)}."]
    tracking, nxt = _tracking(order), _next_line(order)
    if tracking:
        parts.append(f"Track: {tracking}")
    elif nxt:
        parts.append(nxt)
    return Composed(sms_text(" ".join(parts), voice))


def _status_chat(order: OrderFacts, voice: Voice, style: str) -> Composed:
    hello = "Hey" if style == "instagram" else "Hi"
    hello = f"{hello} {voice.first_name}! " if voice.first_name else f"{hello}! "
    if voice.tone == "formal":
        return _status_formal(order, voice)
    stage = _stage(order)
    emoji = STAGE_EMOJI[stage] if stage is not None else STATUS_EMOJI[order.status]
    lines = [f"{hello}{emoji} {_status_line(order)}{_progress(order, ' done')}."]
    if nxt := _next_line(order):
        lines.append(nxt)
    if tracking := _tracking(order):
        lines.append(f"Track it here 👉 {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    if style == "instagram":
        lines.append("Anything else? Just message me ✨")
    return Composed(_signed("\n".join(lines), voice))


def _status_formal(order: OrderFacts, voice: Voice) -> Composed:
    """A shop that prefers a formal tone: no emoji, a plain greeting, its signature."""
    lines = [f"Hello {voice.first_name}," if voice.first_name else "Hello,"]
    lines.append(f"{_status_line(order)}{_progress(order, ' complete')}.")
    if nxt := _next_line(order):
        lines.append(nxt)
    if tracking := _tracking(order):
        lines.append(f"Tracking: {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    return Composed(_signed("\n".join(lines), voice))


def _signed(text: str, voice: Voice) -> str:
    return f"{text}\n— {_one_line(voice.signature)}" if voice.signature else text


def _status_email(order: OrderFacts, voice: Voice, style: str) -> Composed:
    subject = _email_subject(order, voice)
    lines = [
        f"Dear {voice.first_name or 'customer'},",
        "",
        f"{_status_line(order)}{_progress(order, ' complete')}.",
    ]
    if order.items:
        lines += ["", "Items:", *[f"  - {_one_line(item)}" for item in order.items]]
    if total := _one_line(order.total):
        lines.append(f"Total: {total} {_one_line(order.currency)}".rstrip())
    number, url = _one_line(order.tracking_number), _one_line(order.tracking_url)
    if number or url:
        lines.append("")
    if number:
        carrier = _one_line(order.carrier)
        lines.append(f"Tracking number: {carrier} {number}" if carrier else f"Tracking number: {number}")
    if url:
        lines.append(f"Track your parcel: {url}")
    if nxt := _next_line(order):
        lines += ["", nxt]
    when = local_time(order.updated_at, voice.timezone)
    lines += ["", f"Last update: {when}", "", "Kind regards,", voice.signature or voice.shop_name]
    return Composed("\n".join(lines), subject=subject)


def _email_subject(order: OrderFacts, voice: Voice) -> str:
    return f"{_one_line(voice.shop_name)}: order #{_one_line(order.number)} {_state(order)}"


def _status_plain(order: OrderFacts, voice: Voice, style: str) -> Composed:
    lines = [f"{_status_line(order)}{_progress(order)}."]
    if nxt := _next_line(order):
        lines.append(nxt)
    if tracking := _tracking(order):
        lines.append(f"Tracking: {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    return Composed("\n".join(lines))


def delivery_time(order: OrderFacts, voice: Voice, style: str) -> Composed:
    """The answer to "when will it arrive?": the status, and the date only when someone gave one.

    An order out for delivery arrives today and a delivered one has arrived, as the status already says.
    Otherwise no date is known (orders carry none, and a made-up one is a broken promise), so the answer
    says so and points to the carrier's tracking, which has the carrier's own estimate.
    """
    note = _arrival_note(order)
    if note is None:
        return order_status(order, voice, style)
    if style == "sms":
        parts = [f"{_status_line(order)}{_progress(order)}.", note]
        if tracking := _tracking(order):
            parts.append(f"Track: {tracking}")
        return Composed(sms_text(" ".join(parts), voice))
    status = order_status(order, voice, style)
    first, _, rest = status.text.partition("\n")
    return Composed("\n".join(part for part in (first, note, rest) if part), subject=status.subject)


def _arrival_note(order: OrderFacts) -> str | None:
    """What to add about the date: nothing when the status already answers "when"."""
    if order.status in (Status.FULFILLED, Status.CANCELLED) or _stage(order) not in (
        None,
        DeliveryStage.IN_TRANSIT,
    ):
        return None
    if order.status != Status.SHIPPED:
        return "It hasn't shipped yet, so there's no delivery date yet."
    if _tracking(order):
        return "I don't have an exact delivery date; the carrier's tracking shows their latest estimate."
    return "I don't have an exact delivery date for it yet."


def _short_state(order: OrderFacts) -> str:
    """``shipped``, or a shipped order's carrier stage: ``out for delivery``."""
    stage = _stage(order)
    return stage.value.replace("_", " ") if stage is not None else order.status.value


def several_orders(orders: list[OrderFacts], voice: Voice, style: str) -> Composed:
    """A short list of the customer's latest orders."""
    lines = [f"#{_one_line(o.number)}: {_short_state(o)}{_progress(o)}" for o in orders]
    if own := shop_text(voice, SEVERAL_ORDERS, "any", style):
        listed = "; ".join(lines) if style == "sms" else "\n".join(lines)
        values = {"first_name": voice.first_name, "shop_name": voice.shop_name}
        return Composed(_with_list(templating.render(own, values | {"orders": "\0"}), listed))
    if style == "sms":
        return Composed(sms_text("Your orders: " + "; ".join(lines), voice))
    lead = {"whatsapp": "Here are your latest orders 📋", "instagram": "Here are your latest orders 📋"}.get(
        style, "Your latest orders:"
    )
    tail = "Reply with an order number for details."
    return Composed("\n".join([lead, *lines, tail]))


def canned(kind: str, voice: Voice, style: str, **values: str) -> Composed:
    """One of the fixed replies, in the platform's style (``number=`` fills ``{order_number}``)."""
    named = {_ALIASES.get(name, name): value for name, value in values.items()}
    if own := shop_text(voice, kind, "any", style):
        return Composed(
            templating.render(own, {"first_name": voice.first_name, "shop_name": voice.shop_name, **named})
        )
    text = REPLIES[kind].format(shop_name=voice.shop_name, **named)
    if style == "sms":
        return Composed(sms_text(text, voice))
    if style in ("whatsapp", "instagram") and kind in REPLY_EMOJI and voice.tone != "formal":
        if voice.first_name and kind == "greeting":
            text = text.replace("Hi!", f"Hi {voice.first_name}!", 1)
        if voice.first_name and kind == "thanks":
            text = text.replace("You're welcome!", f"You're welcome, {voice.first_name}!", 1)
        return Composed(f"{text} {REPLY_EMOJI[kind]}")
    return Composed(text)


_ALIASES = {"number": "order_number", "shop": "shop_name"}


def _with_list(text: str, listed: str) -> str:
    """The rendered text with the order list where ``{orders}`` stood (the list keeps its own lines)."""
    return text.replace("\0", listed)


def first_name(full_name: str | None) -> str | None:
    if not full_name or not full_name.strip():
        return None
    return full_name.strip().split()[0]


__all__ = [
    "GSM7",
    "SMS_SEGMENT",
    "Composed",
    "OrderFacts",
    "Voice",
    "canned",
    "delivery_time",
    "first_name",
    "local_time",
    "order_status",
    "order_values",
    "several_orders",
    "shop_text",
    "sms_text",
    "to_gsm7",
]
