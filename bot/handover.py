"""What a customer is told, and what staff are told, when a message needs a person.

Complaints, refunds and returns, and requests for a person go to staff about the order the message names,
else the customer's active (or latest) order; cancel and change requests need one clear order, because
staff act on it. The staff alert says what kind of thing it is ("damaged item", "address change"), so the
person who picks it up knows before opening the chat; the customer hears that a person will reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.intents import Intent, Parsed
from bot.outgoing import LOCAL_CHANNELS
from orders.model import Order

#: Handed to a person about the likely order, whether or not the customer named one.
HANDED_OVER = frozenset({Intent.HUMAN, Intent.COMPLAINT, Intent.REFUND})
#: Recorded as a request on one order, for staff to confirm.
ORDER_REQUESTS = frozenset({Intent.CANCEL_REQUEST, Intent.CHANGE_ORDER})

_CHANGES = {"address": "the delivery address of", "items": "the items of"}


@dataclass(frozen=True)
class Reply:
    """A canned reply's kind and the values it needs."""

    kind: str
    values: dict[str, str] = field(default_factory=dict)


def reply(parsed: Parsed, order: Order | None) -> Reply:
    """The customer's answer to a message handed to a person."""
    about = f" about order #{order.number}" if order is not None else ""
    number = {"order_number": order.number} if order is not None else {}  # for the texts in other languages
    if parsed.intent == Intent.COMPLAINT:
        return Reply("complaint", {"about": about, **number})
    if parsed.intent == Intent.REFUND:
        what = "return" if parsed.detail == "return" else "refund"
        return Reply("refund", {"what": what, "about": about.replace(" about", " for"), **number})
    return Reply("human")


def alert(parsed: Parsed, who: str, channel: str, order: Order | None) -> str:
    """The staff alert: who, where (the channel they wrote on), what kind of request, about which order."""
    where = _where(channel)
    about = f" about order #{order.number}" if order is not None else ""
    match parsed.intent:
        case Intent.COMPLAINT:
            return f"⚠️ {who} on {where} reports a problem ({parsed.detail or 'complaint'}){about}."
        case Intent.REFUND:
            return f"💸 {who} on {where} asks for a {parsed.detail or 'refund'}{about}."
        case Intent.CANCEL_REQUEST if order is not None:
            return f"❌ Cancel request for order #{order.number} on {where}."
        case Intent.CHANGE_ORDER if order is not None:
            what = _CHANGES.get(parsed.detail or "", "")
            return f"✏️ {who} on {where} asks to change {what or 'order'} {'order ' if what else ''}#{order.number}."
        case _:
            return f"🙋 {who} on {where} asks for a person{about}."


def _where(channel: str) -> str:
    """The channel as staff read it: a local one (the console) by name, never the style its replies take."""
    return f"the {channel}" if channel in LOCAL_CHANNELS else channel
