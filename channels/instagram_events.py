"""Meta's Instagram webhook bodies read as customer messages and read receipts. Pure: no I/O, no HTTP.

Kept apart from ``channels.instagram`` (signatures and the Send API) because reading a body is its own
job, with its own rules about what is left out, and is tested on bodies alone.

Meta POSTs ``{"object": "instagram", "entry": [{"id", "time", "messaging": [event, ...]}]}``. An event has
``sender.id`` (the customer's Instagram-scoped id), ``recipient.id`` (the shop's Instagram account id),
``timestamp`` (ms) and one of ``message`` (``mid``, ``text``, ``attachments[{type, payload{url}}]``,
``quick_reply{payload}`` when a quick reply was tapped, ``is_echo``, ``is_deleted``, ...), ``read`` (``mid``,
the field ``messaging_seen``), ``reaction``, ``postback``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels.base import ChannelName, DeliveryUpdate, InboundMessage, Media
from channels.payloads import load_json

log = logging.getLogger(__name__)

_MEDIA_TYPES = {
    "image": "image/*",
    "video": "video/*",
    "audio": "audio/*",
    "file": "application/octet-stream",
}

Event = InboundMessage | DeliveryUpdate


def parse_payload(body: bytes) -> list[Event]:
    """The customer messages and read receipts in a webhook body; ValueError when it is malformed.

    Echoes of the shop's own messages, deleted or empty messages, reactions, postbacks and any other field
    are left out: they need no answer and change nothing here.
    """
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    if payload.get("object") != "instagram":
        log.info("ignoring a webhook for object %r", payload.get("object"))
        return []
    entries = payload.get("entry")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ValueError("entry must be a list of objects")
    events: list[Event] = []
    for entry in entries:
        messaging = entry.get("messaging", [])
        if not isinstance(messaging, list):
            raise ValueError("entry.messaging must be a list")
        for event in messaging:
            if isinstance(event, dict):
                events.extend(_event(event, _time(entry.get("time"))))
    return events


def _event(event: Mapping[str, Any], entry_time: datetime | None) -> list[Event]:
    sender, recipient = _id(event.get("sender")), _id(event.get("recipient"))
    at = _time(event.get("timestamp")) or entry_time
    if isinstance(message := event.get("message"), dict):
        inbound = _message(message, sender, recipient, at)
        return [inbound] if inbound is not None else []
    if isinstance(read := event.get("read"), dict) and isinstance(mid := read.get("mid"), str):
        return [DeliveryUpdate(ChannelName.INSTAGRAM, mid, "read", at=at)]
    if isinstance(delivery := event.get("delivery"), dict):  # Messenger's format; kept for completeness
        mids = delivery.get("mids") or []
        return [
            DeliveryUpdate(ChannelName.INSTAGRAM, m, "delivered", at=at) for m in mids if isinstance(m, str)
        ]
    return []  # reaction, postback, referral, optin, ...: nothing to store


def _message(
    message: Mapping[str, Any], sender: str | None, recipient: str | None, at: datetime | None
) -> InboundMessage | None:
    if message.get("is_echo") or message.get("is_deleted"):
        return None
    mid, text = message.get("mid"), message.get("text")
    media = tuple(_media(message.get("attachments")))
    if not isinstance(mid, str) or sender is None or recipient is None or at is None:
        log.warning("skipping an Instagram message without mid, sender, recipient or timestamp")
        return None
    text = text if isinstance(text, str) else ""
    if not text and not media:
        return None  # unsupported content (Meta sends is_unsupported and nothing to read)
    quick_reply = message.get("quick_reply")
    tapped = quick_reply.get("payload") if isinstance(quick_reply, dict) else None
    return InboundMessage(
        ChannelName.INSTAGRAM, mid, sender, recipient, text, at, media,
        payload=tapped if isinstance(tapped, str) and tapped else None,
    )  # fmt: skip


def _media(attachments: Any) -> list[Media]:
    found = []
    for attachment in attachments if isinstance(attachments, list) else []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict) and isinstance(url := payload.get("url"), str) and url:
            found.append(Media(url=url, content_type=_MEDIA_TYPES.get(str(attachment.get("type")))))
    return found


def _id(party: Any) -> str | None:
    value = party.get("id") if isinstance(party, dict) else None
    return (
        str(value) if isinstance(value, str | int) and not isinstance(value, bool) and value != "" else None
    )


def _time(value: Any) -> datetime | None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    seconds = value / 1000 if value > 10**11 else value  # messaging uses ms; some fields use seconds
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


__all__ = ["Event", "parse_payload"]
