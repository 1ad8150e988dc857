"""Messages in each platform's style: pure functions of plain data.

WhatsApp is casual with the first name and emoji; SMS is concise, GSM-7 only, one 160-character segment
where possible and signed with the shop's name; Instagram is friendly with emoji; email is professional and
detailed; Telegram (staff) is compact; the console is plain. A shipped order with the carrier's delivery
stage says that stage (out for delivery, ready for pickup, a delivery problem) instead of "on its way".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orders.lifecycle import DeliveryStage, Status, next_status, progress

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
SMS_SEGMENT = 160
# Characters outside GSM-7's basic set that have a faithful plain stand-in (the rest lose their accents, or
# go). The GSM-7 extension characters (€ [ ] { } ~ ^ | \) cost two septets and some phones show them badly.
_GSM7_REPLACEMENTS = {
    "\u2019": "'", "\u2018": "'", "\u201a": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": ".", "\u00d7": "x", "\u00f7": "/", "\u2044": "/",
    "\u2192": "->", "\u2190": "<-", "\u20ac": "EUR", "[": "(", "]": ")", "{": "(", "}": ")",
    "\\": "/", "|": "/", "~": "-", "^": "",
}  # fmt: skip
# Links are kept working rather than made pretty: inside one, other characters are percent-encoded.
_URL = re.compile(  # "https://…", "www.…" or "ups.com/…", without the sentence's closing punctuation
    r"(?<![\w.-])(?:https?://|www\.|[\w-]+(?:\.[\w-]+)+/)(?:\S*[^\s.,;:!?)\]'\"])?", re.IGNORECASE
)

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
# What a shipped order's carrier stage says, after "Order #1042 ", and what comes next (None: nothing).
_STAGE_WORDS = {
    DeliveryStage.IN_TRANSIT: "is in transit",
    DeliveryStage.OUT_FOR_DELIVERY: "is out for delivery today",
    DeliveryStage.READY_FOR_PICKUP: "is ready for pickup",
    DeliveryStage.DELIVERY_PROBLEM: "had a delivery problem: the carrier could not deliver it",
    DeliveryStage.DELIVERED: "was delivered, the carrier says",
}
_STAGE_NEXT: dict[DeliveryStage, str | None] = {
    DeliveryStage.READY_FOR_PICKUP: "Next: collect it at the pickup point.",
    DeliveryStage.DELIVERY_PROBLEM: "Next: check the tracking for what the carrier needs, or contact us.",
    DeliveryStage.DELIVERED: None,
}
_STAGE_EMOJI = {
    DeliveryStage.IN_TRANSIT: "🚚",
    DeliveryStage.OUT_FOR_DELIVERY: "🚚",
    DeliveryStage.READY_FOR_PICKUP: "📍",
    DeliveryStage.DELIVERY_PROBLEM: "⚠️",
    DeliveryStage.DELIVERED: "📬",
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
    stage: DeliveryStage | None = None  # the carrier's latest news; said only while the order is shipped


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
    """Only characters every phone can show in one GSM-7 SMS: accents stripped, quotes made plain.

    GSM-7 characters are kept as they are, so the result is never longer than needed and converting twice
    changes nothing; spaces are collapsed and trimmed. Links keep working: inside a URL, other characters
    are percent-encoded instead of replaced.
    """
    text = unicodedata.normalize("NFC", text)
    out, at = [], 0
    for url in _URL.finditer(text):
        out.append(_plain_gsm7(text[at : url.start()]))
        out.append("".join(ch if ch in GSM7 else _percent_encoded(ch) for ch in url.group(0)))
        at = url.end()
    out.append(_plain_gsm7(text[at:]))
    tidy = re.sub(r" {2,}", " ", "".join(out))
    return re.sub(r" ?([\r\n]) ?", r"\1", tidy).strip()


def _plain_gsm7(text: str) -> str:
    return "".join(_gsm7_char(ch) for ch in text)


def _gsm7_char(ch: str) -> str:
    if ch in GSM7:
        return ch
    if ch in _GSM7_REPLACEMENTS:
        return _GSM7_REPLACEMENTS[ch]
    if ch.isspace():
        return " "
    parts = unicodedata.normalize("NFKD", ch)  # "é" → "e" + accent, "ﬁ" → "fi", "½" → "1/2"
    return "".join(c if c in GSM7 else _GSM7_REPLACEMENTS.get(c, "") for c in parts if not c.isspace())


def _percent_encoded(ch: str) -> str:
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))


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
    return _STAGE_WORDS[stage] if stage is not None else f"is {_STATUS_WORDS[order.status]}"


def _status_line(order: OrderFacts) -> str:
    return f"Order #{_one_line(order.number)} {_state(order)}"


def _progress(order: OrderFacts, suffix: str = "") -> str:
    """`` (75%)``; nothing for a cancelled order, where "0% done" would only confuse."""
    return "" if order.status == Status.CANCELLED else f" ({progress(order.status)}%{suffix})"


def _next_line(order: OrderFacts) -> str | None:
    stage = _stage(order)
    if stage in _STAGE_NEXT:
        return _STAGE_NEXT[stage]
    step = next_status(order.status)
    return f"Next: {_NEXT_WORDS[step]}." if step in _NEXT_WORDS else None


def _tracking(order: OrderFacts) -> str | None:
    if url := _one_line(order.tracking_url):
        return url
    if number := _one_line(order.tracking_number):
        return f"{_one_line(order.carrier) or 'tracking'} {number}"
    return None


def order_status(order: OrderFacts, voice: Voice, style: str) -> Composed:
    """The answer to "where is my order?" (also used for status-update notifications)."""
    styles = {"sms": _status_sms, "whatsapp": _status_chat, "instagram": _status_chat, "email": _status_email}
    return styles.get(style, _status_plain)(order, voice, style)


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
    emoji = _STAGE_EMOJI[stage] if stage is not None else _STATUS_EMOJI[order.status]
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
    subject = f"{_one_line(voice.shop_name)}: order #{_one_line(order.number)} {_state(order)}"
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


def sms_text(body: str, voice: Voice) -> str:
    """GSM-7 only, signed, and cut to one segment when the signature still fits.

    A body that fits with its signature is sent whole. A longer one is cut at a word with "..." so that
    the message is one segment, unless that would cut or drop a link (the part a customer needs) or the
    signature leaves less than 60 characters for the body: then it goes whole, over several segments.
    """
    signature = _sms_signature(voice)
    text = to_gsm7(body)
    if len(text) + len(signature) <= SMS_SEGMENT:
        return text + signature
    cut = _cut_point(text, SMS_SEGMENT - len(signature) - len("..."))
    return text + signature if cut is None else text[:cut] + "..." + signature


def _sms_signature(voice: Voice) -> str:
    """`` -Bean There``: the signature (or shop name) in GSM-7 on one line; none if nothing of it is left."""
    for name in (voice.signature, voice.shop_name):
        if plain := " ".join(to_gsm7(name or "").split()):
            return f" -{plain}"
    return ""


def _cut_point(text: str, room: int) -> int | None:
    """Where to cut ``text`` to keep at most ``room`` characters: at a word, never inside a link."""
    ends = [url.end() for url in _URL.finditer(text)]
    if room < 60 or any(end > room for end in ends):
        return None
    space = text.rfind(" ", room - 20, room + 1)
    cut = len(text[: space if space > 0 else room].rstrip(" .,;:-"))
    return max([cut, *ends])


def _short_state(order: OrderFacts) -> str:
    """``shipped``, or a shipped order's carrier stage: ``out for delivery``."""
    stage = _stage(order)
    return stage.value.replace("_", " ") if stage is not None else order.status.value


def several_orders(orders: list[OrderFacts], voice: Voice, style: str) -> Composed:
    """A short list of the customer's latest orders."""
    lines = [f"#{_one_line(o.number)}: {_short_state(o)}{_progress(o)}" for o in orders]
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
    "menu": "I can help with: order status and delivery dates (send your order number), tracking, your "
    "orders, cancelling or changing an order, refunds and problems, or reaching a person (reply 'human').",
    "human": "Thanks, I've asked our team to get back to you here as soon as they can.",
    "cancel": "I've passed your request to cancel order #{number} to our team; they'll confirm here shortly.",
    "cancel_closed": "Order #{number} is already {status}, so it can't be cancelled. Reply 'human' for help.",
    "change": "I've passed your request to change order #{number} to our team; a person will confirm here "
    "whether it can still be done.",
    "change_closed": "Order #{number} is already {status}, so it can't be changed. Reply 'human' for help.",
    "complaint": "Sorry about that! I've passed it to our team{about}; a person will look into it and reply "
    "here.",
    "refund": "I've passed your {what} request{about} to our team; a person will reply here with what happens "
    "next.",
    "other": "I can't help with {topic} in this chat. Reply 'human' to reach a person, or send your order "
    "number for its status.",
    "greeting": "Hi! Send me your order number and I'll tell you where it is.",
    "thanks": "You're welcome! Anything else, just ask.",
    "opted_out": "You won't get more messages from {shop} here. Reply START to resume.",
    "opted_in": "You'll get order updates from {shop} here again. Reply STOP to opt out.",
    "help": "{shop} order updates. Send your order number for its status. Reply STOP to opt out.",
    "link_needed": "To keep your orders private, please send your order number and the email or the last "
    "4 digits of the phone number on the order.",
    "linked": "Thanks, you're verified! I can now tell you about your orders here.",
    "not_linked": "Sorry, those details don't match an order I can share. Please check and try again.",
    "link_code": "To see this number's orders in our Instagram chat, send us there: code {code} (valid 15 "
    "minutes). Never share this code with anyone.",
}
_EMOJI = {
    "greeting": "👋", "thanks": "😊", "human": "🙋", "no_orders": "🔎", "linked": "🎉", "menu": "🤖",
    "complaint": "🙏", "change": "✏️", "refund": "💬", "other": "🤖",
}  # fmt: skip


def canned(kind: str, voice: Voice, style: str, **values: str) -> Composed:
    """One of the fixed replies, in the platform's style."""
    text = _PLAIN[kind].format(shop=voice.shop_name, **values)
    if style == "sms":
        return Composed(sms_text(text, voice))
    if style in ("whatsapp", "instagram") and kind in _EMOJI and voice.tone != "formal":
        if voice.first_name and kind == "greeting":
            text = text.replace("Hi!", f"Hi {voice.first_name}!", 1)
        if voice.first_name and kind == "thanks":
            text = text.replace("You're welcome!", f"You're welcome, {voice.first_name}!", 1)
        return Composed(f"{text} {_EMOJI[kind]}")
    return Composed(text)


def first_name(full_name: str | None) -> str | None:
    if not full_name or not full_name.strip():
        return None
    return full_name.strip().split()[0]
