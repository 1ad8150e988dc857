"""A shop's settings as people and tools see them: one flat set of names for the CLI, the API and the desk.

``orderbot shop set --sms-number ...``, ``PATCH /api/v1/shop {"sms_number": ...}`` and the desk's Settings
screen all go through :func:`apply_settings`, so a setting means the same and is checked the same way
everywhere. A patch is validated whole before anything is written: one bad field leaves the shop as it
was. Secrets are write-only: they read back as :data:`MASK`, and a patch that sends the mask back leaves
them unchanged (a client may send back what it read).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from channels import contacts
from orders.model import EmailSettings, NotifyPolicy, Shop, Thresholds
from orders.service import OrderService

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


class InvalidSetting(ValueError):
    """A setting that cannot be applied; ``field`` is its name as the API spells it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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
    shopify_secret: str | None = Field(description="write-only: `********` when set")
    woocommerce_secret: str | None = Field(description="write-only: `********` when set")

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
            ai_confidence=rules.confidence_threshold, shopify_secret=_masked(shop.shopify_secret),
            woocommerce_secret=_masked(shop.woocommerce_secret),
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
    shopify_secret: Secret | None = None
    woocommerce_secret: Secret | None = None

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


#: Fields that may not be null (they have no "unset"): null is refused naming them.
_REQUIRED = ("name", "timezone", "default_country", "languages", "tone", "auto_progress")


def apply_settings(shop: Shop, patch: ShopSettingsPatch) -> Shop:
    """``shop`` with ``patch`` applied, every value checked; ``InvalidSetting`` naming the first bad one.

    Pure: nothing is written. Phone numbers are read in the default country the patch leaves the shop with.
    """
    given = patch.given
    for field in _REQUIRED:
        if field in given and getattr(patch, field) is None:
            raise InvalidSetting(field, "may not be null")
    values = {f: getattr(patch, f) for f in given}
    plain = ("name", "instagram_id", "timezone", "default_country", "languages", "tone")
    update: dict[str, Any] = {f: values[f] for f in plain if f in values}
    for field in ("staff_telegram_ids", "staff_emails"):
        if field in values:
            update[field] = list(dict.fromkeys(values[field] or []))
    if "signature" in values:
        update["signature"] = values["signature"] or None
    region = values.get("default_country") or shop.default_country
    for field in ("sms_number", "whatsapp_number"):
        if field in values:
            update[field] = _shop_number(field, values[field], region)
    for field in ("shopify_secret", "woocommerce_secret"):
        if field in values and values[field] != MASK:
            update[field] = values[field]
    update["email"] = _email(shop.email, values)
    update["notify"] = _notify(shop.notify, values)
    update["rules"] = _rules(shop.rules, values)
    return shop.model_copy(update=update)


async def save_settings(service: OrderService, shop: Shop, patch: ShopSettingsPatch) -> Shop:
    """Apply ``patch`` to ``shop`` as stored now and save what changed in one write.

    ``InvalidSetting`` (nothing written) when a value is bad, ``AlreadyExists`` when another shop has a
    number or account given. Turning auto-progression on moves the orders already due at once, rather
    than at the next sweep.
    """
    current = await service.db.shops.get(shop.id)  # not a cached copy: it may be seconds old
    changed = apply_settings(current, patch)
    await service.db.shops.save_changes(current, changed)
    if changed.rules.auto_progress and not current.rules.auto_progress:
        await service.sweep_auto_progress(changed)
    return changed


def _shop_number(field: str, raw: str | None, region: str) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return contacts.textable_e164(raw, region)
    except contacts.NotTextable as exc:
        raise InvalidSetting(field, str(exc)) from None


_SMTP_FIELDS = {
    "smtp_host": "host",
    "smtp_port": "port",
    "smtp_tls": "security",
    "smtp_user": "username",
    "smtp_password": "password",
    "smtp_from": "from_address",
}


def _email(current: EmailSettings | None, values: Mapping[str, Any]) -> EmailSettings | None:
    """The SMTP settings with the patch's applied: all of them checked together, or None when removed."""
    changes = {
        field: values[name]
        for name, field in _SMTP_FIELDS.items()
        if name in values and not (name == "smtp_password" and values[name] == MASK)
    }
    if not changes:
        return current
    if "host" in changes and changes["host"] is None:
        return None
    fields = (current.model_dump() if current else {}) | changes
    if fields.get("port") is None:
        fields.pop("port", None)
    if fields.get("security") is None:
        fields.pop("security", None)
    if not fields.get("host"):
        raise InvalidSetting("smtp_host", "set the SMTP server's host name before its other settings")
    if not fields.get("from_address"):
        raise InvalidSetting(
            "smtp_from", "the address customer email is sent from is needed with an SMTP host"
        )
    return _checked({"host": "smtp_host", "from_address": "smtp_from"}, lambda: EmailSettings(**fields))


def _merged(current: Mapping[str, T], changes: Mapping[str, T | None] | None) -> dict[str, T]:
    merged = dict(current)
    for key, value in (changes or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _notify(current: NotifyPolicy, values: Mapping[str, Any]) -> NotifyPolicy:
    fields = current.model_dump()
    if "rates" in values:
        fields["rates"] = _merged(current.rates, values["rates"])
    if "whatsapp_templates" in values:
        fields["whatsapp_templates"] = _merged(current.whatsapp_templates, values["whatsapp_templates"])
    if "quiet_hours" in values:
        quiet = values["quiet_hours"]
        if quiet is None:
            start, end = NotifyPolicy().quiet_start, NotifyPolicy().quiet_end
        elif quiet == QUIET_OFF:
            start = end = "00:00"
        else:
            start, _, end = (part.strip() for part in quiet.partition("-"))
        fields |= {"quiet_start": start, "quiet_end": end}
    for field in ("debounce_seconds", "nudge_wait_hours"):
        if field in values:
            default = NotifyPolicy.model_fields[field].default
            fields[field] = values[field] if values[field] is not None else default
    names = {"quiet_start": "quiet_hours", "quiet_end": "quiet_hours"}
    return _checked(names, lambda: NotifyPolicy.model_validate(fields))


def _rules(current: Thresholds, values: Mapping[str, Any]) -> Thresholds:
    defaults = Thresholds()
    fields = current.model_dump()
    for reason, hours in (values.get("thresholds") or {}).items():
        field = THRESHOLDS[reason]
        fields[field] = hours if hours is not None else getattr(defaults, field)
    for name, field in (
        ("auto_progress", "auto_progress"),
        ("auto_after_hours", "auto_process_after_hours"),
        ("ai_confidence", "confidence_threshold"),
    ):
        if name in values:
            fields[field] = values[name] if values[name] is not None else getattr(defaults, field)
    return Thresholds.model_validate(fields)


def _checked(names: Mapping[str, str], build: Callable[[], T]) -> T:
    """``build()``, its first validation error named by the API's field (``names`` maps the domain's)."""
    try:
        return build()
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        raise InvalidSetting(names.get(field, field), error["msg"].removeprefix("Value error, ")) from None
