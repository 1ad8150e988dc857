"""Applying a settings patch to a shop: every value checked, then one write of what changed.

A patch is validated whole before anything is written, so one bad field leaves the shop as it was; the
error names the field as the API spells it (the command line turns it into its option).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from channels import contacts
from orders.model import EmailSettings, NotifyPolicy, Shop, Thresholds
from orders.store import ShopStore
from orders.usecases import OrderUseCases
from webhooks.api.shop_settings import MASK, QUIET_OFF, SECRETS, THRESHOLDS, ShopSettingsPatch

T = TypeVar("T")


class InvalidSetting(ValueError):
    """A setting that cannot be applied; ``field`` is its name as the API spells it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


#: Fields that may not be null (they have no "unset"): null is refused naming them.
_REQUIRED = ("name", "timezone", "default_country", "languages", "tone", "auto_progress", "ai_messages")


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
    for field in SECRETS:
        if field in values and values[field] != MASK:
            update[field] = values[field]
    update["email"] = _email(shop.email, values)
    update["notify"] = _notify(shop.notify, values)
    update["rules"] = _rules(shop.rules, values)
    return shop.model_copy(update=update)


async def save_settings(
    service: OrderUseCases, shops: ShopStore, shop: Shop, patch: ShopSettingsPatch
) -> Shop:
    """Apply ``patch`` to ``shop`` as stored now and save what changed in one write.

    ``InvalidSetting`` (nothing written) when a value is bad, ``AlreadyExists`` when another shop has a
    number or account given. Turning auto-progression on moves the orders already due at once, rather
    than at the next sweep.
    """
    current = await shops.get(shop.id)  # not a cached copy: it may be seconds old
    changed = apply_settings(current, patch)
    await shops.save_changes(current, changed)
    if changed.rules.auto_progress and not current.rules.auto_progress:
        await service.progression.sweep(changed)
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
    for field in (
        "debounce_seconds",
        "nudge_wait_hours",
        "ai_messages",
        "ai_daily_budget",
        "csat_delay_hours",
    ):
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
        ("promise_level", "promise_level"),
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
