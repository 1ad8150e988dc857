"""Messages in each platform's style: pure functions of plain data.

WhatsApp is casual with the first name and emoji; SMS is concise, GSM-7 only, one 160-character segment
where possible and signed with the shop's name; Instagram is friendly with emoji; email is professional and
detailed; Telegram (staff) is compact; the console is plain.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from orders.lifecycle import Status, next_status, progress

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
SMS_SEGMENT = 160
_GSM7_REPLACEMENTS = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": " ",
}  # fmt: skip

_STATUS_WORDS = {
    Status.PENDING: "received and waiting to be processed",
    Status.PROCESSING: "being prepared",
    Status.SHIPPED: "on its way",
    Status.FULFILLED: "delivered",
    Status.CANCELLED: "cancelled",
}
_STATUS_EMOJI = {
    Status.PENDING: "🧾",
    Status.PROCESSING: "📦",
    Status.SHIPPED: "🚚",
    Status.FULFILLED: "✅",
    Status.CANCELLED: "❌",
}
_NEXT_WORDS = {
    Status.PROCESSING: "we start preparing it",
    Status.SHIPPED: "it ships",
    Status.FULFILLED: "it arrives",
}


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


@dataclass(frozen=True)
class Voice:
    """Who speaks: the shop, its time zone, its signature and tone, and the customer's first name."""

    shop_name: str
    timezone: str = "UTC"
    first_name: str | None = None
    signature: str | None = None
    tone: str = "friendly"


@dataclass(frozen=True)
class Composed:
    text: str
    subject: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def to_gsm7(text: str) -> str:
    """Only characters every phone can show in one GSM-7 SMS: accents stripped, quotes made plain."""
    out = []
    for original in text:
        ch = _GSM7_REPLACEMENTS.get(original, original)
        if all(c in GSM7 for c in ch):
            out.append(ch)
            continue
        plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        out.append("".join(c for c in plain if c in GSM7))
    return " ".join("".join(out).split(" ")).replace("  ", " ").strip()


def local_time(at: datetime, timezone: str) -> str:
    """``25 Nov, 14:05`` in the shop's time zone."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%d %b, %H:%M")


def _status_line(order: OrderFacts) -> str:
    return f"Order #{order.number} is {_STATUS_WORDS[order.status]}"


def _next_line(order: OrderFacts) -> str | None:
    step = next_status(order.status)
    return f"Next: {_NEXT_WORDS[step]}." if step in _NEXT_WORDS else None


def _tracking(order: OrderFacts) -> str | None:
    if order.tracking_url:
        return order.tracking_url
    if order.tracking_number:
        return f"{order.carrier or 'tracking'} {order.tracking_number}".strip()
    return None


def order_status(order: OrderFacts, voice: Voice, style: str) -> Composed:
    """The answer to "where is my order?" (also used for status-update notifications)."""
    styles = {"sms": _status_sms, "whatsapp": _status_chat, "instagram": _status_chat, "email": _status_email}
    return styles.get(style, _status_plain)(order, voice, style)


def _status_sms(order: OrderFacts, voice: Voice, style: str) -> Composed:
    parts = [f"{_status_line(order)} ({progress(order.status)}%)."]
    tracking, nxt = _tracking(order), _next_line(order)
    if tracking:
        parts.append(f"Track: {tracking}")
    elif nxt:
        parts.append(nxt)
    return Composed(sms_text(" ".join(parts), voice))


def _status_chat(order: OrderFacts, voice: Voice, style: str) -> Composed:
    hello = "Hey" if style == "instagram" else "Hi"
    hello = f"{hello} {voice.first_name}! " if voice.first_name else f"{hello}! "
    lines = [f"{hello}{_STATUS_EMOJI[order.status]} {_status_line(order)} ({progress(order.status)}% done)."]
    if nxt := _next_line(order):
        lines.append(nxt)
    if tracking := _tracking(order):
        lines.append(f"Track it here 👉 {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    if style == "instagram":
        lines.append("Anything else? Just message me ✨")
    return Composed("\n".join(lines))


def _status_email(order: OrderFacts, voice: Voice, style: str) -> Composed:
    subject = f"{voice.shop_name}: order #{order.number} is {_STATUS_WORDS[order.status]}"
    lines = [f"Dear {voice.first_name or 'customer'},", "", f"{_status_line(order)}."]
    if order.items:
        lines += ["", "Items:", *[f"  - {item}" for item in order.items]]
    if order.total:
        lines.append(f"Total: {order.total} {order.currency or ''}".rstrip())
    if tracking := _tracking(order):
        lines += ["", f"Tracking: {tracking}"]
    if nxt := _next_line(order):
        lines += ["", nxt]
    when = local_time(order.updated_at, voice.timezone)
    lines += ["", f"Last update: {when}", "", "Kind regards,", voice.signature or voice.shop_name]
    return Composed("\n".join(lines), subject=subject)


def _status_plain(order: OrderFacts, voice: Voice, style: str) -> Composed:
    lines = [f"{_status_line(order)} ({progress(order.status)}%)."]
    if nxt := _next_line(order):
        lines.append(nxt)
    if tracking := _tracking(order):
        lines.append(f"Tracking: {tracking}")
    lines.append(f"Last update: {local_time(order.updated_at, voice.timezone)}")
    return Composed("\n".join(lines))


def sms_text(body: str, voice: Voice) -> str:
    """GSM-7 only, signed, and cut to one segment when the signature still fits."""
    signature = f" -{to_gsm7(voice.signature or voice.shop_name)}"
    text = to_gsm7(body)
    if len(text) + len(signature) <= SMS_SEGMENT:
        return text + signature
    room = SMS_SEGMENT - len(signature) - 3
    if room >= 60 and "http" not in text[room:]:
        return text[:room].rstrip() + "..." + signature
    return text + signature


def several_orders(orders: list[OrderFacts], voice: Voice, style: str) -> Composed:
    """A short list of the customer's latest orders."""
    lines = [f"#{o.number}: {o.status.value} ({progress(o.status)}%)" for o in orders]
    if style == "sms":
        return Composed(sms_text("Your orders: " + "; ".join(lines), voice))
    lead = {"whatsapp": "Here are your latest orders 📋", "instagram": "Here are your latest orders 📋"}.get(
        style, "Your latest orders:"
    )
    tail = "Reply with an order number for details."
    return Composed("\n".join([lead, *lines, tail]))


_PLAIN = {
    "no_orders": "I couldn't find any orders for you yet. If you ordered with another phone number or email, "
    "reply with your order number.",
    "unknown_order": "I couldn't find order #{number} for you. Check the number, or reply 'human' to reach our team.",
    "menu": "I can help with: order status (send your order number), tracking, your orders, cancelling, "
    "or reaching a person (reply 'human').",
    "human": "Thanks, I've asked our team to get back to you here as soon as they can.",
    "cancel": "I've passed your request to cancel order #{number} to our team; they'll confirm here shortly.",
    "cancel_closed": "Order #{number} is already {status}, so it can't be cancelled. Reply 'human' for help.",
    "greeting": "Hi! Send me your order number and I'll tell you where it is.",
    "thanks": "You're welcome! Anything else, just ask.",
    "opted_out": "You won't get more messages from {shop} here. Reply START to resume.",
    "opted_in": "You'll get order updates from {shop} here again. Reply STOP to opt out.",
    "help": "{shop} order updates. Send your order number for its status. Reply STOP to opt out.",
    "link_needed": "To keep your orders private, please send your order number and the email or the last "
    "4 digits of the phone number on the order.",
    "linked": "Thanks, you're verified! I can now tell you about your orders here.",
    "not_linked": "Sorry, those details don't match an order I can share. Please check and try again.",
}
_EMOJI = {"greeting": "👋", "thanks": "😊", "human": "🙋", "no_orders": "🔎", "linked": "🎉", "menu": "🤖"}


def canned(kind: str, voice: Voice, style: str, **values: str) -> Composed:
    """One of the fixed replies, in the platform's style."""
    text = _PLAIN[kind].format(shop=voice.shop_name, **values)
    if style == "sms":
        return Composed(sms_text(text, voice))
    if style in ("whatsapp", "instagram") and kind in _EMOJI:
        name = f" {voice.first_name}" if voice.first_name and kind in ("greeting", "thanks") else ""
        if kind == "greeting":
            text = text.replace("Hi!", f"Hi{name}!", 1)
        return Composed(f"{text} {_EMOJI[kind]}")
    return Composed(text)


def first_name(full_name: str | None) -> str | None:
    if not full_name or not full_name.strip():
        return None
    return full_name.strip().split()[0]
