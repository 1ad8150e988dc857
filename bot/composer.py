"""Messages in each platform's style: pure functions of plain data.

WhatsApp is casual with the first name and emoji; SMS is concise, GSM-7 only, one 160-character segment
where possible and signed with the shop's name; Instagram is friendly with emoji; email is professional and
detailed; Telegram (staff) is compact; the console is plain. A shipped order with the carrier's delivery
stage says that stage (out for delivery, ready for pickup, a delivery problem) instead of "on its way".

A shop may replace any of these texts with its own (``bot.message_texts`` lists them): its texts come in
with the ``Voice``, as data, and a text of its own is sent as the shop wrote it, placeholders filled in.
"""

from __future__ import annotations

import re

from bot import templating
from bot.languages import composing, formats
from bot.languages.texts import TEXTS
from bot.message_texts import (
    ORDER_STATUS,
    PHOTO_UPDATE,
    REPLIES,
    REPLY_EMOJI,
    SEVERAL_ORDERS,
    STAGE_EMOJI,
    STATUS_EMOJI,
    default_text,
    text_key,
)
from bot.order_words import (
    OrderFacts,
    arrival_note,
    eta,
    local_time,
    next_line,
    one_line,
    progress_note,
    short_state,
    stage_of,
    state,
    status_line,
    tracking_line,
)
from bot.sms_text import GSM7, SMS_SEGMENT, sms_text, to_gsm7
from bot.voice import Composed, Voice
from orders.lifecycle import Status, progress


def order_status(order: OrderFacts, voice: Voice, style: str) -> Composed:
    """The answer to "where is my order?" (also used for status-update notifications)."""
    if own := shop_text(voice, ORDER_STATUS, order.status.value, style):
        subject = _email_subject(order, voice) if style == "email" else None
        return Composed(templating.render(own, order_values(order, voice)), subject=subject)
    if texts := TEXTS.get(voice.language):
        return composing.order_status(order, voice, style, texts)
    styles = {"sms": _status_sms, "whatsapp": _status_chat, "instagram": _status_chat, "email": _status_email}
    return styles.get(style, _status_plain)(order, voice, style)


def shop_text(voice: Voice, kind: str, status: str, style: str) -> str | None:
    """The shop's own text for this message in the customer's language, else none (the language's default).

    A text speaks only the language it was written in: a Spanish customer gets the shop's Spanish text, or
    the Spanish default, never the shop's English one.
    """
    return voice.texts.get(text_key(kind, status, style, voice.language))


def order_values(order: OrderFacts, voice: Voice) -> dict[str, str | None]:
    """What the placeholders of a text about ``order`` stand for, in the customer's language."""
    if texts := TEXTS.get(voice.language):
        return composing.order_values(order, voice, texts)
    return {
        "first_name": voice.first_name,
        "shop_name": voice.shop_name,
        "order_number": order.number,
        "status": short_state(order),
        "progress": None if order.status == Status.CANCELLED else f"{progress(order.status)}%",
        "tracking_url": order.tracking_url,
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "eta": eta(order),
        "last_update": local_time(order.updated_at, voice.timezone),
        "total": formats.money(order.total, order.currency, voice.locale or voice.language),
    }


def _status_sms(order: OrderFacts, voice: Voice, style: str) -> Composed:
    parts = [f"{status_line(order)}{progress_note(order)}."]
    tracking, nxt = tracking_line(order), next_line(order)
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
    stage = stage_of(order)
    emoji = STAGE_EMOJI[stage] if stage is not None else STATUS_EMOJI[order.status]
    lines = [f"{hello}{emoji} {status_line(order)}{progress_note(order, ' done')}."]
    if nxt := next_line(order):
        lines.append(nxt)
    if tracking := tracking_line(order):
        lines.append(f"Track it here 👉 {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    if style == "instagram":
        lines.append("Anything else? Just message me ✨")
    return Composed(_signed("\n".join(lines), voice))


def _status_formal(order: OrderFacts, voice: Voice) -> Composed:
    """A shop that prefers a formal tone: no emoji, a plain greeting, its signature."""
    lines = [f"Hello {voice.first_name}," if voice.first_name else "Hello,"]
    lines.append(f"{status_line(order)}{progress_note(order, ' complete')}.")
    if nxt := next_line(order):
        lines.append(nxt)
    if tracking := tracking_line(order):
        lines.append(f"Tracking: {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    return Composed(_signed("\n".join(lines), voice))


def _signed(text: str, voice: Voice) -> str:
    return f"{text}\n— {one_line(voice.signature)}" if voice.signature else text


def _status_email(order: OrderFacts, voice: Voice, style: str) -> Composed:
    subject = _email_subject(order, voice)
    lines = [
        f"Dear {voice.first_name or 'customer'},",
        "",
        f"{status_line(order)}{progress_note(order, ' complete')}.",
    ]
    if order.items:
        lines += ["", "Items:", *[f"  - {one_line(item)}" for item in order.items]]
    if total := one_line(order.total):
        lines.append(f"Total: {total} {one_line(order.currency)}".rstrip())
    number, url = one_line(order.tracking_number), one_line(order.tracking_url)
    if number or url:
        lines.append("")
    if number:
        carrier = one_line(order.carrier)
        lines.append(f"Tracking number: {carrier} {number}" if carrier else f"Tracking number: {number}")
    if url:
        lines.append(f"Track your parcel: {url}")
    if nxt := next_line(order):
        lines += ["", nxt]
    when = local_time(order.updated_at, voice.timezone)
    lines += ["", f"Last update: {when}", "", "Kind regards,", voice.signature or voice.shop_name]
    return Composed("\n".join(lines), subject=subject)


def _email_subject(order: OrderFacts, voice: Voice) -> str:
    return f"{one_line(voice.shop_name)}: order #{one_line(order.number)} {state(order)}"


def _status_plain(order: OrderFacts, voice: Voice, style: str) -> Composed:
    lines = [f"{status_line(order)}{progress_note(order)}."]
    if nxt := next_line(order):
        lines.append(nxt)
    if tracking := tracking_line(order):
        lines.append(f"Tracking: {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    return Composed("\n".join(lines))


def delivery_time(order: OrderFacts, voice: Voice, style: str) -> Composed:
    """The answer to "when will it arrive?": the status, and the dates learned from the shop's deliveries.

    An order out for delivery arrives today and a delivered one has arrived, as the status already says.
    Otherwise the dates in ``order`` (``orders.eta``) are told; without them no date is made up (a made-up
    one is a broken promise): the answer says the history is too short, or points to the carrier's
    tracking, which has the carrier's own estimate.
    """
    if (texts := TEXTS.get(voice.language)) and not shop_text(voice, ORDER_STATUS, order.status.value, style):
        return composing.delivery_time(order, voice, style, texts)
    note = arrival_note(order, voice.timezone)
    if note is None:
        return order_status(order, voice, style)
    if style == "sms":
        parts = [f"{status_line(order)}{progress_note(order)}.", note]
        if tracking := tracking_line(order):
            parts.append(f"Track: {tracking}")
        return Composed(sms_text(" ".join(parts), voice))
    status = order_status(order, voice, style)
    first, _, rest = status.text.partition("\n")
    return Composed("\n".join(part for part in (first, note, rest) if part), subject=status.subject)


def several_orders(orders: list[OrderFacts], voice: Voice, style: str) -> Composed:
    """A short list of the customer's latest orders."""
    texts = TEXTS.get(voice.language)
    if texts is not None and not shop_text(voice, SEVERAL_ORDERS, "any", style):
        return composing.several_orders(orders, voice, style, texts)
    lines = [
        f"#{one_line(o.number)}: {composing.state(o, texts) if texts else short_state(o)}{progress_note(o)}"
        for o in orders
    ]
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
    if texts := TEXTS.get(voice.language):
        return composing.canned(kind, voice, style, texts, named)
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
_BLANK_LINES = re.compile(r"\n{3,}")


def photo_update(voice: Voice, style: str, number: str, caption: str | None) -> Composed:
    """The text sent with a photo staff attached: the shop's own as written, else the default (SMS signed
    and GSM-7 as every default is), with the caption in it."""
    values = {"first_name": voice.first_name, "shop_name": voice.shop_name, "order_number": number}
    values["caption"] = caption
    if own := shop_text(voice, PHOTO_UPDATE, "any", style):
        return Composed(templating.render(own, values))
    default = default_text(PHOTO_UPDATE, "any", style, voice.language).removesuffix(" -{shop_name}")
    text = _BLANK_LINES.sub("\n\n", templating.render(default, values))  # an email without a caption
    return Composed(sms_text(" ".join(text.split("\n")), voice) if style == "sms" else text)


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
