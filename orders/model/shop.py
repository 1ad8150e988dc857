"""A shop and its settings: attention thresholds, its own email server, how notifications go out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from orders.eta import DEFAULT_LEVEL
from orders.lifecycle import URGENT_STAGES, Status
from orders.model.base import Domain, ShopId


class Thresholds(Domain):
    """Per-shop attention and progression rules; the defaults are DESIGN.md's."""

    pending_too_long_hours: float = 48
    stuck_processing_hours: float = 72
    stuck_shipped_hours: float = 240
    no_contact_hours: float = 24
    auto_process_after_hours: float = 24
    confidence_threshold: float = 0.8
    auto_progress: bool = False
    #: The share of orders that must arrive by the "arrives by" date the service tells (``orders.eta``).
    promise_level: float = Field(DEFAULT_LEVEL, ge=0.5, le=0.99)


class EmailSettings(Domain):
    """The shop's own SMTP server for customer email."""

    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = None
    from_address: str
    reply_to: str | None = None
    unsubscribe_url: str | None = None


class NotifyPolicy(Domain):
    """How a shop's notifications go out: WhatsApp templates, quiet hours, debounce and send rates."""

    #: Approved WhatsApp templates (Twilio Content SIDs) by order status or urgent delivery stage (which wins
    #: over ``shipped``), plus ``nudge``: "an update is ready, reply to see it", sent when the full message
    #: must wait for the customer to reopen the window; and ``satisfaction``: the quick-reply template (buttons
    #: ``csat_1`` to ``csat_5``) the satisfaction request goes as on WhatsApp.
    whatsapp_templates: dict[str, str] = Field(default_factory=dict)
    #: Quiet hours in the customer's local time (``HH:MM``); equal start and end turn them off.
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    #: Hold status updates this long so that a quick run of changes sends one message (0: off).
    debounce_seconds: float = Field(0, ge=0, le=3600)
    #: Messages per second per sending address, by channel, over the notifier's defaults.
    rates: dict[str, float] = Field(default_factory=dict)
    #: How long a message parked behind a WhatsApp nudge waits for a reply before it goes by SMS or email.
    nudge_wait_hours: float = Field(24, gt=0, le=24 * 30)
    #: Status updates, follow-ups and answers about an order worded by Gemini (checked; else the template).
    ai_messages: bool = False
    #: Gemini drafts a shop may ask for per UTC day, counted across processes; past it, the template.
    ai_daily_budget: int = Field(500, ge=0, le=100_000)
    #: Hours after delivery its satisfaction request goes (then moved into the customer's daytime); "off":
    #: never; None: the service's default (``ORDERBOT_CSAT_DELAY_HOURS``).
    csat_delay_hours: Annotated[float, Field(ge=0, le=24 * 30)] | Literal["off"] | None = None

    @field_validator("whatsapp_templates")
    @classmethod
    def content_sids(cls, value: dict[str, str]) -> dict[str, str]:
        known = (
            {status.value for status in Status}
            | {stage.value for stage in URGENT_STAGES}
            | {"nudge", "satisfaction"}
        )
        for key, sid in value.items():
            if key not in known:
                stages = ", ".join(sorted(URGENT_STAGES))
                raise ValueError(
                    f"a template is for an order status or 'nudge' or 'satisfaction', or one of {stages}, "
                    f"not {key!r}"
                )
            if not _CONTENT_SID.fullmatch(sid):
                raise ValueError(f"{sid!r} is not a Twilio Content SID (HX and 32 hex digits)")
        return value

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.fullmatch(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM")
        return value

    @field_validator("rates")
    @classmethod
    def positive_rates(cls, value: dict[str, float]) -> dict[str, float]:
        if any(rate <= 0 for rate in value.values()):
            raise ValueError("send rates are messages per second, above 0")
        return value


_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
_CLOCK_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class Shop(Domain):
    id: ShopId
    name: str
    timezone: str = "UTC"
    webhook_secret: str
    shopify_secret: str | None = None
    woocommerce_secret: str | None = None
    #: The shop's tracking aggregators: the key their webhooks are signed with, and the API key trackers are
    #: registered with. Sealed in the store like the other secrets.
    aftership_webhook_secret: str | None = None
    aftership_api_key: str | None = None
    easypost_webhook_secret: str | None = None
    easypost_api_key: str | None = None
    sms_number: str | None = None
    whatsapp_number: str | None = None
    instagram_id: str | None = None
    staff_telegram_ids: list[int] = Field(default_factory=list)
    #: Where staff are reached by email (alerts); kept as given, checked at the edges.
    staff_emails: list[str] = Field(default_factory=list)
    #: The country a phone number typed without its country code is read in (ISO 3166 alpha-2).
    default_country: str = "US"
    #: The languages the shop writes to customers in, first the default (ISO 639-1, optionally a region).
    languages: list[str] = Field(default_factory=lambda: ["en"])
    tone: Literal["friendly", "formal"] = "friendly"
    signature: str | None = None
    email: EmailSettings | None = None
    rules: Thresholds = Field(default_factory=Thresholds)
    notify: NotifyPolicy = Field(default_factory=NotifyPolicy)
    #: Messages to this shop's customers go to the built-in simulator (the console channel), never to a
    #: provider: the demo shop, whose desk then shows every text the service would send, as delivered.
    simulator: bool = False
    #: The shop's own message texts by ``kind/status/style/language`` (``bot.message_texts``), checked when set.
    message_texts: dict[str, str] = Field(default_factory=dict)
    created_at: datetime

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
