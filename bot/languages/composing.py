"""Messages in a customer's own language (not English): the language's texts, filled in for one order.

English has its built-in composer (``bot.composer``), which hands every other language here. The words are
the language's default texts (``bot.languages.texts``), the same templates a shop edits, filled with the
order's facts in the customer's words: its state, the carrier's stage, the date and the amount as the
customer's locale writes them (Babel). SMS stays GSM-7, signed and short, as the English one does.
"""

from __future__ import annotations

from bot import templating
from bot.languages import formats
from bot.languages.texts import CHAT_STYLES, Texts
from bot.order_words import OrderFacts, dates_apply, one_line, stage_of, tracking_line
from bot.sms_text import sms_text
from bot.voice import Composed, Voice
from orders.lifecycle import DeliveryStage, Status, progress


def _locale(voice: Voice) -> str:
    return voice.locale or voice.language


def state(order: OrderFacts, texts: Texts) -> str:
    """``en camino``, or what the carrier says of a shipped order: ``en reparto hoy``."""
    stage = stage_of(order)
    return texts.stage_words[stage.value] if stage is not None else texts.status_words[order.status.value]


def order_values(order: OrderFacts, voice: Voice, texts: Texts) -> dict[str, str | None]:
    """What the placeholders of a text about ``order`` stand for, in the customer's words."""
    locale = _locale(voice)
    eta = None
    if order.status == Status.FULFILLED or stage_of(order) == DeliveryStage.DELIVERED:
        eta = texts.eta["delivered"]
    elif stage_of(order) == DeliveryStage.OUT_FOR_DELIVERY:
        eta = texts.eta["today"]
    return {
        "first_name": voice.first_name,
        "shop_name": voice.shop_name,
        "order_number": order.number,
        "status": state(order, texts),
        "progress": None
        if order.status == Status.CANCELLED
        else formats.share(progress(order.status), locale),
        "tracking_url": tracking_line(order),
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "eta": eta,
        "last_update": formats.when(order.updated_at, voice.timezone, locale),
        "total": formats.money(order.total, order.currency, locale),
    }


def order_status(order: OrderFacts, voice: Voice, style: str, texts: Texts) -> Composed:
    """The answer to "where is my order?" and the status update, in the customer's language."""
    formal = voice.tone == "formal" and style in CHAT_STYLES
    template = texts.status_template("formal" if formal else style, order.status.value)
    text = templating.render(template, order_values(order, voice, texts))
    subject = (
        templating.render(texts.subject, order_values(order, voice, texts)) if style == "email" else None
    )
    if style == "sms":
        return Composed(sms_text(" ".join(text.split("\n")), voice))
    if style in CHAT_STYLES and voice.signature:
        text = f"{text}\n— {one_line(voice.signature)}"
    return Composed(text, subject=subject)


def delivery_time(order: OrderFacts, voice: Voice, style: str, texts: Texts) -> Composed:
    """The status, and what is known of the date: only what the status or the carrier says, never a guess."""
    note = _arrival_note(order, voice, texts)
    if note is None:
        return order_status(order, voice, style, texts)
    if style == "sms":
        first, _, rest = templating.render(
            texts.status_template("sms", order.status.value), order_values(order, voice, texts)
        ).partition("\n")
        return Composed(sms_text(" ".join(part for part in (first, note, rest) if part), voice))
    status = order_status(order, voice, style, texts)
    first, _, rest = status.text.partition("\n")
    return Composed("\n".join(part for part in (first, note, rest) if part), subject=status.subject)


def _arrival_note(order: OrderFacts, voice: Voice, texts: Texts) -> str | None:
    if not dates_apply(order):
        return None
    if order.likely is not None and order.arrives_by is not None:
        locale = _locale(voice)
        days = {
            "likely": formats.day(order.likely, voice.timezone, locale),
            "arrives_by": formats.day(order.arrives_by, voice.timezone, locale),
        }
        return templating.render(texts.arrival["estimate"], days)
    if order.short_history and not tracking_line(order):
        return texts.arrival["no_history"]
    if order.status != Status.SHIPPED:
        return texts.arrival["not_shipped"]
    return texts.arrival["carrier" if tracking_line(order) else "unknown"]


def several_orders(orders: list[OrderFacts], voice: Voice, style: str, texts: Texts) -> Composed:
    """A short list of the customer's latest orders."""
    locale = _locale(voice)
    lines = [
        f"#{one_line(o.number)}: {state(o, texts)}"
        + ("" if o.status == Status.CANCELLED else f" ({formats.share(progress(o.status), locale)})")
        for o in orders
    ]
    listed = "; ".join(lines) if style == "sms" else "\n".join(lines)
    values = {"first_name": voice.first_name, "shop_name": voice.shop_name, "orders": "\0"}
    text = templating.render(texts.several_template(style), values).replace("\0", listed)
    return Composed(sms_text(text, voice) if style == "sms" else text)


def canned(kind: str, voice: Voice, style: str, texts: Texts, values: dict[str, str]) -> Composed:
    """One of the fixed replies in the customer's language; the English fragments it was given are translated."""
    words = dict(values)
    status = words.get("status")
    if status in texts.status_words:
        words["status"] = texts.status_words[status]
    if "topic" in words:
        words["topic"] = texts.topics.get(words["topic"], texts.topics["that"])
    if "what" in words:
        words["what"] = texts.what.get(words["what"], texts.what["refund"])
    if "about" in words:
        number = words.get("order_number")
        about = texts.for_order if kind == "refund" else texts.about
        words["about"] = about.replace("{order_number}", number) if number else ""
    template = texts.reply(kind, style, formal=voice.tone == "formal")
    text = templating.render(
        template, {"first_name": voice.first_name, "shop_name": voice.shop_name, **words}
    )
    return Composed(sms_text(text, voice) if style == "sms" else text)
