"""What a text will look like, for a real order or a sample one, and what each platform will do with it.

The preview composes the message exactly as a send would (the same composer, the shop's texts with the one
being edited in their place) and then says, per platform: the SMS alphabet and segments it costs, whether
WhatsApp or Instagram can deliver it now (their 24-hour window) and what goes instead outside it, and
whether it is over the platform's length limit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import composer
from bot.delivery_policy import WINDOW
from bot.languages import formats
from bot.message_texts import ORDER_STATUS, PHOTO_UPDATE, SEVERAL_ORDERS
from bot.shop_texts import TextSlot, checked
from bot.speaking import facts, shop_voice
from channels.instagram import LIMITS as INSTAGRAM_LIMITS
from channels.sms_encoding import SmsCost, sms_cost
from channels.twilio import SMS_LIMITS, WHATSAPP_LIMITS
from orders.lifecycle import Status
from orders.model import CustomerRecord, Order, Shop

#: What a text says when no order is given: an order that uses every placeholder.
SAMPLE = composer.OrderFacts(
    number="1042",
    status=Status.SHIPPED,
    updated_at=datetime(2026, 11, 25, 13, 5, tzinfo=UTC),
    tracking_url="https://track.example/1Z999",
    tracking_number="1Z999",
    carrier="UPS",
    items=("1 x Sample item",),
    total="42.00",
    currency="USD",
)
SAMPLE_NAME = "Alex Sample"
#: Values of the replies' own placeholders in a preview.
#: How far ahead the sample delivery day of a preview lies (a delay message names one).
SAMPLE_DAYS_AHEAD = 3
SAMPLE_VALUES = {"about": " about order #{number}", "what": "return", "topic": "payments", "code": "12345678"}
#: What staff might write with a photo, in a preview of the photo update.
SAMPLE_CAPTION = "Packed and ready to ship"


@dataclass(frozen=True)
class Preview:
    text: str
    subject: str | None
    warnings: list[str]
    sms: SmsCost
    length: int
    max_length: int | None


def preview(
    shop: Shop,
    slot: TextSlot,
    *,
    now: datetime,
    text: str | None = None,
    order: Order | None = None,
    customer: CustomerRecord | None = None,
) -> Preview:
    """The message for ``slot`` (with ``text`` as the shop's text when given) and what platforms do with it.

    ``order`` is a real order to fill the placeholders from (else a sample); ``customer`` its customer's
    record, whose last messages say whether a windowed platform can deliver it now.
    """
    slot.known()
    texts = dict(shop.message_texts)
    if text is not None:
        texts[slot.key] = checked(slot, text)
    name = order.customer.name if order is not None else SAMPLE_NAME
    speaking = shop_voice(shop, name, slot.language)
    locale = speaking.locale if speaking.language == slot.language else slot.language
    voice = dataclasses.replace(speaking, texts=texts, language=slot.language, locale=locale)
    base = facts(order) if order is not None else SAMPLE
    about = dataclasses.replace(base, status=Status(slot.status)) if slot.kind == ORDER_STATUS else base
    if slot.kind == ORDER_STATUS:
        composed = composer.order_status(about, voice, slot.style)
    elif slot.kind == SEVERAL_ORDERS:
        composed = composer.several_orders(
            [about, dataclasses.replace(SAMPLE, number="1041")], voice, slot.style
        )
    elif slot.kind == PHOTO_UPDATE:
        composed = composer.photo_update(voice, slot.style, about.number, SAMPLE_CAPTION)
    else:
        values = {key: value.format(number=about.number) for key, value in SAMPLE_VALUES.items()}
        sample_day = now + timedelta(days=SAMPLE_DAYS_AHEAD)  # a delay's new day
        values["date"] = formats.day(sample_day, shop.timezone, voice.locale or voice.language)
        composed = composer.canned(
            slot.kind, voice, slot.style, number=about.number, status=about.status.value, **values
        )
    cost = sms_cost(composed.text)
    length, limit, limit_note = _length(slot.style, composed.text)
    warnings = _platform_notes(shop, slot, cost, customer, now)
    if limit is not None and length > limit:
        warnings.append(f"{length} {limit_note}: {slot.style} takes at most {limit}, so it would not be sent")
    return Preview(composed.text, composed.subject, warnings, cost, length, limit)


def _length(style: str, text: str) -> tuple[int, int | None, str]:
    if style == "instagram":  # Meta counts UTF-8 bytes
        return len(text.encode()), INSTAGRAM_LIMITS.max_length, "bytes"
    limits = {"sms": SMS_LIMITS, "whatsapp": WHATSAPP_LIMITS}.get(style)
    return len(text), limits.max_length if limits else None, "characters"


def _platform_notes(
    shop: Shop, slot: TextSlot, cost: SmsCost, customer: CustomerRecord | None, now: datetime
) -> list[str]:
    notes: list[str] = []
    if slot.style == "sms":
        if cost.encoding == "UCS-2":
            chars = " ".join(cost.non_gsm[:10])
            notes.append(
                f"UCS-2: {chars} {'is' if len(cost.non_gsm) == 1 else 'are'} not in GSM-7, so the whole SMS "
                "goes as UCS-2 (70 characters a segment, 67 when split)"
            )
        if cost.segments > 1:
            notes.append(
                f"{cost.segments} SMS segments ({cost.units} {cost.encoding} units): billed per segment"
            )
    if slot.style in ("whatsapp", "instagram"):
        notes.append(_window_note(slot.style, customer, now))
        if slot.kind == ORDER_STATUS:
            notes.append(_outside_window(shop, slot))
    return notes


def _window_note(style: str, customer: CustomerRecord | None, now: datetime) -> str:
    platform = "WhatsApp" if style == "whatsapp" else "Instagram"
    rule = f"{platform} takes free text only within 24 hours of the customer's last message"
    last = customer.last_inbound.get(style) if customer is not None else None
    if customer is None:
        return rule
    if last is None or now - last >= WINDOW:
        return f"{rule}; this customer's window is closed now"
    left = WINDOW - (now - last)
    return f"{rule}; this customer's window is open for {_hours(left)}"


def _outside_window(shop: Shop, slot: TextSlot) -> str:
    if slot.style == "instagram":
        return "outside the window this update goes by SMS or email instead, when the shop can send them"
    sid = shop.notify.whatsapp_templates.get(slot.status)
    if sid:
        return f"outside the window WhatsApp sends the approved template {sid} instead of this text"
    if shop.notify.whatsapp_templates.get("nudge"):
        return (
            f"outside the window no template is set for {slot.status}: the 'update ready' nudge goes first "
            "and this text follows when the customer replies"
        )
    return (
        f"outside the window no template is set for {slot.status}: this update goes by SMS or email instead"
    )


def _hours(left: timedelta) -> str:
    hours, rest = divmod(int(left.total_seconds()) // 60, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


__all__ = ["SAMPLE", "Preview", "preview"]
