"""The console channel: ``orderbot chat`` lets anyone talk to the bot with no provider account."""

from __future__ import annotations

import secrets
from collections.abc import Callable
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
    """Messages typed at a terminal in, printed out. No signatures: it never faces the network."""

    name = ChannelName.CONSOLE
    limits = Limits(max_length=4000)

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

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
        self._write(message.text)
        return Receipt(provider_id=f"console-{secrets.token_hex(8)}", state="delivered")
