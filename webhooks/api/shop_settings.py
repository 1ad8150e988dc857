"""A shop's settings as people and tools see them: one flat set of names for the CLI, the API and the desk.

``orderbot shop set --sms-number ...``, ``PATCH /api/v1/shop {"sms_number": ...}`` and the desk's Settings
screen all read :class:`ShopSettings` and send a :class:`ShopSettingsPatch`, which ``webhooks.api.shop_changes``
applies, so a setting means the same and is checked the same way everywhere. Secrets are write-only: they
read back as :data:`MASK`, and a patch that sends the mask back leaves them unchanged (a client may send
back what it read).
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from channels import contacts
from orders.model import Shop

MASK = "********"

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]  # fmt: skip
Hostname = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9.\-\[\]:]+$", max_length=253)]  # fmt: skip
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Hours = Annotated[float, Field(gt=0, le=24 * 365)]
TelegramId = Annotated[int, Field(gt=0, lt=2**53)]
SendChannel = Literal["sms", "whatsapp", "instagram", "email", "telegram"]
#: The attention reasons whose thresholds a shop may set, and where each lives in the shop's rules.
THRESHOLDS = {
    "pending_too_long": "pending_too_long_hours",
    "stuck_processing": "stuck_processing_hours",
    "stuck_shipped": "stuck_shipped_hours",
    "no_customer_contact": "no_contact_hours",
}
Threshold = Literal["pending_too_long", "stuck_processing", "stuck_shipped", "no_customer_contact"]
QUIET_OFF = "off"
#: The write-only settings kept as given (the SMTP password is kept with its server).
SECRETS = (
    "shopify_secret",
    "woocommerce_secret",
    "aftership_webhook_secret",
    "aftership_api_key",
    "easypost_webhook_secret",
    "easypost_api_key",
)


class ShopSettings(BaseModel):
    """Every setting of the shop; secrets are shown as `********` when set, `null` when not."""

    name: str
    sms_number: str | None
    whatsapp_number: str | None
    instagram_id: str | None
    staff_telegram_ids: list[int]
    staff_emails: list[str]
    timezone: str
    default_country: str = Field(description="where numbers typed without a country code are read")
    languages: list[str]
    tone: Literal["friendly", "formal"]
    signature: str | None
    smtp_host: str | None
    smtp_port: int | None
    smtp_tls: Literal["starttls", "tls", "none"] | None
    smtp_user: str | None
    smtp_password: str | None = Field(description="write-only: `********` when set")
    smtp_from: str | None
    quiet_hours: str = Field(description="customer-local `HH:MM-HH:MM`, or `off`")
    debounce_seconds: float
    nudge_wait_hours: float
    rates: dict[str, float] = Field(description="messages per second per sending address, by channel")
    whatsapp_templates: dict[str, str]
    thresholds: dict[str, float] = Field(description="attention thresholds in hours, by reason")
    auto_progress: bool
    auto_after_hours: float = Field(description="hours a pending order waits before it moves on")
    ai_confidence: float = Field(description="the least confidence an automatic move needs")
    promise_level: float = Field(description="the share of orders that must arrive by the date told")
    ai_messages: bool = Field(description="status updates, follow-ups and order answers worded by Gemini")
    ai_daily_budget: int = Field(description="Gemini drafts a day (UTC); past it, the templates")
    csat_delay_hours: float | Literal["off"] | None = Field(
        None,
        description="hours after delivery the satisfaction request goes; `off`; null: the service's default",
    )
    shopify_secret: str | None = Field(description="write-only: `********` when set")
    woocommerce_secret: str | None = Field(description="write-only: `********` when set")
    aftership_webhook_secret: str | None = Field(description="write-only: `********` when set")
    aftership_api_key: str | None = Field(description="write-only: `********` when set")
    easypost_webhook_secret: str | None = Field(description="write-only: `********` when set")
    easypost_api_key: str | None = Field(description="write-only: `********` when set")

    @classmethod
    def of(cls, shop: Shop) -> ShopSettings:
        email, notify, rules = shop.email, shop.notify, shop.rules
        quiet = (
            QUIET_OFF
            if notify.quiet_start == notify.quiet_end
            else f"{notify.quiet_start}-{notify.quiet_end}"
        )
        return cls(
            name=shop.name, sms_number=shop.sms_number, whatsapp_number=shop.whatsapp_number,
            instagram_id=shop.instagram_id, staff_telegram_ids=shop.staff_telegram_ids,
            staff_emails=shop.staff_emails, timezone=shop.timezone, default_country=shop.default_country,
            languages=shop.languages, tone=shop.tone, signature=shop.signature,
            smtp_host=email.host if email else None, smtp_port=email.port if email else None,
            smtp_tls=email.security if email else None, smtp_user=email.username if email else None,
            smtp_password=_masked(email.password if email else None),
            smtp_from=email.from_address if email else None,
            quiet_hours=quiet, debounce_seconds=notify.debounce_seconds,
            nudge_wait_hours=notify.nudge_wait_hours, rates=notify.rates,
            whatsapp_templates=notify.whatsapp_templates,
            thresholds={reason: getattr(rules, field) for reason, field in THRESHOLDS.items()},
            auto_progress=rules.auto_progress, auto_after_hours=rules.auto_process_after_hours,
            ai_confidence=rules.confidence_threshold, promise_level=rules.promise_level,
            ai_messages=notify.ai_messages, ai_daily_budget=notify.ai_daily_budget,
            csat_delay_hours=notify.csat_delay_hours, shopify_secret=_masked(shop.shopify_secret),
            woocommerce_secret=_masked(shop.woocommerce_secret),
            aftership_webhook_secret=_masked(shop.aftership_webhook_secret),
            aftership_api_key=_masked(shop.aftership_api_key),
            easypost_webhook_secret=_masked(shop.easypost_webhook_secret),
            easypost_api_key=_masked(shop.easypost_api_key),
        )  # fmt: skip


def _masked(secret: str | None) -> str | None:
    return None if secret is None else MASK


class ShopSettingsPatch(BaseModel):
    """The settings to change; a field left out stays as it is, `null` clears it (or restores its default).

    `rates`, `whatsapp_templates` and `thresholds` are merged key by key, a `null` value removing (or
    resetting) that key. `smtp_host: null` removes the SMTP server. Secrets sent as `********` stay unchanged.
    """

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    sms_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    whatsapp_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    instagram_id: Name | None = None
    staff_telegram_ids: Annotated[list[TelegramId], Field(max_length=50)] | None = None
    staff_emails: Annotated[list[Email], Field(max_length=50)] | None = None
    timezone: Annotated[str, StringConstraints(max_length=64)] | None = None
    default_country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    languages: Annotated[list[Language], Field(min_length=1, max_length=20)] | None = None
    tone: Literal["friendly", "formal"] | None = None
    signature: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    smtp_host: Hostname | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    smtp_tls: Literal["starttls", "tls", "none"] | None = None
    smtp_user: Name | None = None
    smtp_password: Secret | None = None
    smtp_from: Email | None = None
    quiet_hours: Annotated[str, StringConstraints(strip_whitespace=True, max_length=11)] | None = None
    debounce_seconds: Annotated[float, Field(ge=0, le=3600)] | None = None
    nudge_wait_hours: Annotated[float, Field(gt=0, le=24 * 30)] | None = None
    rates: dict[SendChannel, Annotated[float, Field(le=1000)] | None] | None = None
    whatsapp_templates: Annotated[dict[str, str | None], Field(max_length=20)] | None = None
    thresholds: dict[Threshold, Hours | None] | None = None
    auto_progress: bool | None = None
    auto_after_hours: Hours | None = None
    ai_confidence: Annotated[float, Field(ge=0, le=1)] | None = None
    promise_level: Annotated[float, Field(ge=0.5, le=0.99)] | None = None
    ai_messages: bool | None = None
    ai_daily_budget: Annotated[int, Field(ge=0, le=100_000)] | None = None
    csat_delay_hours: Annotated[float, Field(ge=0, le=24 * 30)] | Literal["off"] | None = None
    shopify_secret: Secret | None = None
    woocommerce_secret: Secret | None = None
    aftership_webhook_secret: Secret | None = None
    aftership_api_key: Secret | None = None
    easypost_webhook_secret: Secret | None = None
    easypost_api_key: Secret | None = None

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("not a time zone name such as Europe/London or America/New_York") from None
        return value

    @field_validator("default_country")
    @classmethod
    def known_country(cls, value: str | None) -> str | None:
        if value is not None and not contacts.is_region(value):
            raise ValueError("not a country code such as US or GB")
        return None if value is None else value.upper()

    @field_validator("quiet_hours")
    @classmethod
    def quiet_hours_form(cls, value: str | None) -> str | None:
        if value is not None and value != QUIET_OFF and value.count("-") != 1:
            raise ValueError("quiet hours are HH:MM-HH:MM, or off")
        return value

    @property
    def given(self) -> set[str]:
        return set(self.model_fields_set)
