"""Twilio's webhooks read as forms: their fields, the channel they belong to, and the incoming message or
delivery update they carry. Pure: no I/O and no SDK (``channels.twilio`` checks signatures and sends).

Twilio posts ``application/x-www-form-urlencoded`` bodies. WhatsApp addresses carry Twilio's ``whatsapp:``
prefix on the wire and are plain E.164 numbers everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from multidict import MultiMapping
from yarl import URL

from channels import contacts
from channels.base import ChannelName, DeliveryUpdate, InboundMessage, Media

__all__ = ["MAX_FORM_FIELDS", "STATES", "WHATSAPP_PREFIX", "channel_of", "items_of", "parse_form", "plain"]

WHATSAPP_PREFIX = "whatsapp:"

#: Twilio's webhooks carry a few dozen fields (with 10 media, about 40). The signature check reads every
#: field, so a form with many more is refused before it: an unbounded one would hold up every request.
MAX_FORM_FIELDS = 500

#: Twilio's message statuses in our delivery vocabulary; inbound ones (receiving, received) mean nothing here.
STATES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "partially_delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}

_MAX_MEDIA = 20


def parse_form(body: bytes) -> MultiMapping[str]:
    """The fields of an ``application/x-www-form-urlencoded`` body (read-only); ValueError when it is not
    UTF-8 or has more than ``MAX_FORM_FIELDS`` fields.

    Read as ``urllib.parse.parse_qsl(keep_blank_values=True)`` reads them, by yarl's query parser.
    """
    text = body.decode("utf-8")
    if text.count("&") >= MAX_FORM_FIELDS:
        raise ValueError(f"Max number of fields exceeded: more than {MAX_FORM_FIELDS}")
    return URL.build(query_string=text, encoded=True).query


def channel_of(form: MultiMapping[str]) -> ChannelName:
    """WhatsApp when the addresses carry the ``whatsapp:`` prefix, else SMS; ValueError when they disagree."""
    addresses = [form[name] for name in ("From", "To") if form.get(name)]
    prefixed = [address.startswith(WHATSAPP_PREFIX) for address in addresses]
    if any(prefixed) != all(prefixed):
        raise ValueError("From and To are on different channels")
    if any(prefixed) or (not addresses and form.get("ChannelPrefix") == "whatsapp"):
        return ChannelName.WHATSAPP
    if any(":" in address for address in addresses):
        raise ValueError("only SMS and WhatsApp addresses are supported")
    return ChannelName.SMS


def plain(address: str) -> str:
    """An address without Twilio's ``whatsapp:`` prefix."""
    return address.removeprefix(WHATSAPP_PREFIX).strip()


def items_of(
    form: MultiMapping[str], channel: ChannelName, clock: Callable[[], datetime]
) -> list[InboundMessage | DeliveryUpdate]:
    """An incoming message, or a status callback's update (none for statuses without meaning here);
    ValueError when a field it needs is missing or malformed."""
    sid = _required(form, "MessageSid")
    if "MessageStatus" in form:
        state = STATES.get(_required(form, "MessageStatus").lower())
        if state is None:
            return []
        error = form.get("ErrorCode", "").strip() or None
        return [DeliveryUpdate(channel, sid, state, error_code=error, at=clock())]
    sender = plain(_required(form, "From"))
    if not contacts.is_e164(sender):
        raise ValueError("From is not an E.164 phone number")
    return [
        InboundMessage(
            channel=channel,
            provider_id=sid,
            sender=sender,
            recipient=plain(_required(form, "To")),
            text=form.get("Body", ""),
            received_at=clock(),
            media=_media(form),
            sender_name=form.get("ProfileName") or None,
            payload=form.get("ButtonPayload") or None,  # a tapped quick reply's id (its title is the Body)
        )
    ]


def _required(form: MultiMapping[str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise ValueError(f"{name} is missing")
    return value


def _media(form: MultiMapping[str]) -> tuple[Media, ...]:
    count = form.get("NumMedia", "0").strip() or "0"
    if not (count.isascii() and count.isdigit()):  # int() also reads a fullwidth 4 as 4
        raise ValueError("NumMedia is not a number")
    found = (
        Media(url, form.get(f"MediaContentType{n}") or None)
        for n in range(min(int(count), _MAX_MEDIA))
        if (url := form.get(f"MediaUrl{n}"))
    )
    return tuple(found)
