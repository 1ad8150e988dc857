"""The one small protocol every platform adapter follows, and the plain data it speaks.

An adapter turns a provider's wire format into ``InboundMessage``/``DeliveryUpdate`` and an
``OutboundMessage`` into a provider call. It makes no business decisions: which shop, which customer and
what to answer are decided elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ChannelName(StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    EMAIL = "email"
    CONSOLE = "console"


#: The channels whose address is the customer's phone number (the console stands in for a phone).
PHONE_CHANNELS = frozenset({ChannelName.SMS, ChannelName.WHATSAPP, ChannelName.CONSOLE})


@dataclass(frozen=True)
class WebhookRequest:
    """What an adapter needs of an HTTP request to verify and parse it: no framework types."""

    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """A customer's (or staff member's) message as the provider delivered it."""

    channel: ChannelName
    provider_id: str
    sender: str
    recipient: str
    text: str
    received_at: datetime
    media: tuple[Media, ...] = ()
    sender_name: str | None = None
    #: What a tapped button sent besides its title (WhatsApp ``ButtonPayload``, Instagram ``quick_reply``).
    payload: str | None = None


@dataclass(frozen=True)
class DeliveryUpdate:
    """A provider's word on an outbound message: sent, delivered, read, failed (with its error code)."""

    channel: ChannelName
    provider_id: str
    state: str
    error_code: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Template:
    """A provider-approved template (WhatsApp outside the 24-hour window): Twilio Content SID + variables."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InlineImage:
    """An image carried inside the message itself (email embeds it), not fetched by the provider."""

    content: bytes
    content_type: str
    filename: str


@dataclass(frozen=True)
class OutboundMessage:
    channel: ChannelName
    to: str
    sender: str
    text: str
    template: Template | None = None
    media_urls: tuple[str, ...] = ()
    images: tuple[InlineImage, ...] = ()
    subject: str | None = None
    html: str | None = None
    reply_to_id: str | None = None
    #: One-tap answers shown under the text, as (title, payload), where the platform has them (Instagram).
    quick_replies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What the provider said when it took the message."""

    provider_id: str
    state: str = "sent"


class SendError(Exception):
    """The provider refused or could not take a message.

    ``transient`` errors certainly left the message untaken and are worth retrying: the request never
    reached the provider (DNS, a refused connection, a connect timeout) or the provider answered that it
    could not take it now (429, 5xx). Permanent ones (invalid number, opted out, outside the messaging
    window) are not. ``ambiguous`` ones may have been taken (a read timeout, a connection dropped after the
    request was sent): neither retried nor failed, they need someone to check before a resend.
    """

    def __init__(
        self, message: str, *, transient: bool, code: str | None = None, ambiguous: bool = False
    ) -> None:
        super().__init__(message)
        self.transient = transient and not ambiguous
        self.code = code
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class Limits:
    """What a platform allows: message length and the window after the customer's last message."""

    max_length: int
    window_hours: float | None = None
    template_outside_window: bool = False


class Channel(Protocol):
    """One platform. ``verify`` and ``parse`` are pure; ``send`` is the only I/O."""

    @property
    def name(self) -> ChannelName:
        """Which platform this adapter speaks to."""
        ...

    @property
    def limits(self) -> Limits:
        """What the platform allows."""
        ...

    def verify(self, request: WebhookRequest) -> bool:
        """Whether the request carries the provider's valid signature (checked before anything is parsed)."""
        ...

    def parse(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate]:
        """The messages and delivery updates in a verified request; ValueError when it is malformed."""
        ...

    async def send(self, message: OutboundMessage) -> Receipt:
        """Hand the message to the provider; SendError when it is refused."""
        ...
