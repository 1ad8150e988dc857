"""The console channel, the built-in simulator: ``orderbot chat`` and the demo shop need no provider account.

Sending on it reaches no one: the notifier records every message it sends in the database, and that record
is the whole delivery (``orderbot chat`` prints replies from there; the order desk shows them). So every
process can have it, and whichever process claims a console entry sends it the same way.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from channels.base import (
    ChannelName,
    DeliveryUpdate,
    InboundMessage,
    Limits,
    OutboundMessage,
    Receipt,
    WebhookRequest,
)


class ConsoleChannel:
    """Messages typed at a terminal in; out, a receipt saying delivered. No signatures: no network."""

    name = ChannelName.CONSOLE
    limits = Limits(max_length=4000)

    def verify(self, request: WebhookRequest) -> bool:
        return False  # nothing arrives over HTTP on this channel

    def parse(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate]:
        return []

    @staticmethod
    def inbound(text: str, *, sender: str, recipient: str, now: datetime) -> InboundMessage:
        """A line typed by the person at the console, as a customer's message from ``sender``."""
        return InboundMessage(
            channel=ChannelName.CONSOLE,
            provider_id=f"console-{secrets.token_hex(8)}",
            sender=sender,
            recipient=recipient,
            text=text,
            received_at=now,
        )

    async def send(self, message: OutboundMessage) -> Receipt:
        """Delivered the moment it is taken: the record the notifier keeps of it is the delivery."""
        return Receipt(provider_id=f"console-{secrets.token_hex(8)}", state="delivered")
