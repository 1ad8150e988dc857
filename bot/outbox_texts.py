"""What an outbox entry says: its full text in the channel's style, or a WhatsApp template's placeholders.

The planner decides whether, when and where an entry goes; these functions only word it, from the shop's
voice and the order's facts (``bot.composer``). They read nothing, so they are tested without a database.
"""

from __future__ import annotations

from bot import composer
from bot.delivery_policy import Mode
from bot.languages import formats
from bot.speaking import facts, shop_voice
from orders.model import Order, OutboxEntry, OutboxKind, Shop


def template_variables(shop: Shop, order: Order | None, mode: Mode) -> dict[str, str]:
    """Placeholders of the shop's templates: {{1}} first name, {{2}} order number (status templates) or
    shop name (the nudge), {{3}} the tracking link when there is one. Twilio refuses empty values."""
    first = composer.first_name(order.customer.name if order else None) or "there"
    if mode == Mode.NUDGE or order is None:
        return {"1": first, "2": shop.name}
    variables = {"1": first, "2": order.number}
    if order.tracking and order.tracking.url:
        variables["3"] = order.tracking.url
    return variables


def message_text(
    shop: Shop,
    entry: OutboxEntry,
    order: Order | None,
    style: str,
    name: str | None,
    language: str | None = None,
) -> tuple[str, str | None]:
    """The full message in the channel's style and the customer's ``language``, and an email's subject."""
    voice = shop_voice(shop, name, language)
    if entry.kind == OutboxKind.REPLY and entry.message:
        return entry.message, None
    if order is None:
        return entry.message or "", None
    if entry.kind == OutboxKind.PHOTO:
        composed = composer.photo_update(voice, style, order.number, entry.message)
        return composed.text, f"{shop.name}: a photo of order #{order.number}" if style == "email" else None
    if entry.message:
        text = composer.sms_text(entry.message, voice) if style == "sms" else entry.message
        return text, f"{shop.name}: order #{order.number}" if style == "email" else None
    if entry.kind == OutboxKind.DELAY:  # with the carrier's new day, or "not today" on the day promised
        subject = f"{shop.name}: order #{order.number}" if style == "email" else None
        if entry.promised_date is None:
            return composer.canned("late", voice, style, number=order.number).text, subject
        day = formats.day(entry.promised_date, shop.timezone, voice.locale or voice.language)
        return composer.canned("delay", voice, style, number=order.number, date=day).text, subject
    composed = composer.order_status(facts(order), voice, style)
    return composed.text, composed.subject


__all__ = ["message_text", "template_variables"]
