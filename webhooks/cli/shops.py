"""``orderbot shop add`` and ``orderbot shop set``: every shop setting, by the same names as the API.

An option ``--sms-number`` is the API's ``sms_number``; both go through ``webhooks.api.shop_settings``, so the
command checks a value as ``PATCH /api/v1/shop`` does and, like it, saves nothing when one is bad.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orders.model import Shop, ShopId
from orders.shops import new_shop
from orders.store import ShopStore
from orders.usecases import OrderUseCases
from webhooks.api.shop_changes import InvalidSetting, apply_settings, save_settings
from webhooks.api.shop_settings import ShopSettings, ShopSettingsPatch

#: Options taking one text value, by setting; an empty value clears the ones that may be unset.
_TEXT = (
    "name", "sms_number", "whatsapp_number", "instagram_id", "timezone", "default_country", "tone",
    "signature", "smtp_host", "smtp_tls", "smtp_user", "smtp_from", "quiet_hours", "shopify_secret",
    "woocommerce_secret", "aftership_webhook_secret", "aftership_api_key", "easypost_webhook_secret",
    "easypost_api_key", "csat_delay_hours",
)  # fmt: skip
_NUMBERS = (
    "smtp_port", "debounce_seconds", "nudge_wait_hours", "auto_after_hours", "ai_confidence", "ai_daily_budget",
    "promise_level",
)  # fmt: skip
_CLEARABLE = {
    "sms_number", "whatsapp_number", "instagram_id", "signature", "smtp_host", "smtp_user", "csat_delay_hours",
}  # fmt: skip


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    """Every setting as an option (``shop add`` and ``shop set`` take the same)."""
    add = parser.add_argument
    add("--sms-number", help="the shop's Twilio SMS number, as people type it (empty: none)")
    add("--whatsapp-number", help="the shop's Twilio WhatsApp number (empty: none)")
    add("--instagram-id", help="the shop's Instagram account id (empty: none)")
    add("--staff-telegram-id", action="append", metavar="ID", help="a staff Telegram user id; repeat for "
        "several (replaces the list; 'none' empties it)")  # fmt: skip
    add("--staff-email", action="append", metavar="ADDR", help="a staff email address; repeat for several "
        "(replaces the list; 'none' empties it)")  # fmt: skip
    add("--timezone", help="the shop's time zone, such as Europe/London")
    add("--default-country", metavar="CC", help="where numbers without a country code are read (US, GB...)")
    add("--languages", metavar="en,es,...", help="the languages the shop writes in, the default first")
    add("--tone", choices=("friendly", "formal"))
    add("--signature", help="how messages are signed (default: the shop's name)")
    add("--smtp-host", help="the shop's SMTP server for customer email (empty: no email)")
    add("--smtp-port", type=int)
    add("--smtp-tls", choices=("starttls", "tls", "none"))
    add("--smtp-user")
    add("--smtp-password-file", type=Path, metavar="FILE", help="a file holding the SMTP password")
    add("--smtp-from", metavar="ADDR", help="the address customer email is sent from")
    add("--whatsapp-template", action="append", metavar="KEY=HX…",
        help="approved WhatsApp template (Twilio Content SID) for a status (shipped=HX…), a delivery stage "
        "(out_for_delivery, ready_for_pickup, delivery_problem; used before the status's), nudge=HX… "
        "for 'an update is ready, reply to see it', or satisfaction=HX… (quick replies csat_1..csat_5); "
        "repeat for several")  # fmt: skip
    add("--quiet-hours", metavar="HH:MM-HH:MM", help="customer-local quiet hours, or off")
    add("--debounce-seconds", type=float, help="hold status updates to send only the last")
    add("--nudge-wait-hours", type=float, help="how long a parked WhatsApp update waits for a reply")
    add("--rate", action="append", metavar="CHANNEL=PER_SECOND", help="messages per second per sender")
    add("--threshold", action="append", metavar="REASON=HOURS",
        help="attention threshold: pending_too_long, stuck_processing, stuck_shipped, no_customer_contact")  # fmt: skip
    add("--auto-progress", choices=("on", "off"), help="let the rules move due orders on by themselves")
    add("--auto-after-hours", type=float, metavar="N", help="hours a pending order waits before it moves on")
    add("--ai-confidence", type=float, metavar="X", help="the least confidence (0-1) an automatic move needs")
    add("--promise-level", type=float, metavar="X",
        help="the share of orders (0.5-0.99) that must arrive by the delivery date told")  # fmt: skip
    add("--ai-messages", choices=("on", "off"), help="let Gemini word status updates, follow-ups and answers")
    add("--ai-daily-budget", type=int, metavar="N", help="Gemini drafts a day (UTC) before the templates")
    add("--csat-delay-hours", metavar="N|off", help="hours after delivery the satisfaction request goes "
        "(moved into the customer's daytime); off: never; empty: the service's default")  # fmt: skip
    add("--shopify-secret")
    add("--woocommerce-secret")
    add("--aftership-webhook-secret", help="the key AfterShip signs this shop's tracking webhooks with")
    add("--aftership-api-key", help="registers trackers with AfterShip when orders get tracking numbers")
    add("--easypost-webhook-secret", help="the key EasyPost signs this shop's tracker webhooks with")
    add("--easypost-api-key", help="registers trackers with EasyPost when orders get tracking numbers")


def pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a dict; ValueError naming the option when one has no ``=``."""
    found = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise ValueError(f"{option} takes KEY=VALUE, not {value!r}")
        found[key.strip()] = rest.strip()
    return found


def patch_of(args: argparse.Namespace) -> ShopSettingsPatch:
    """The settings the command line gives, as the API's patch; ValueError naming the option when bad."""
    given: dict[str, Any] = {}
    for name in _TEXT + _NUMBERS:
        value = getattr(args, name, None)
        if value is not None:
            given[name] = None if name in _CLEARABLE and value == "" else value
    for name, option in (("staff_telegram_ids", "staff_telegram_id"), ("staff_emails", "staff_email")):
        values = getattr(args, option)
        if values is not None:
            given[name] = [] if values == ["none"] else values
    if args.languages is not None:
        given["languages"] = [part.strip() for part in args.languages.split(",") if part.strip()]
    if args.smtp_password_file is not None:
        given["smtp_password"] = args.smtp_password_file.read_text().rstrip("\r\n")
    for name, option in (
        ("rates", "rate"),
        ("whatsapp_templates", "whatsapp_template"),
        ("thresholds", "threshold"),
    ):
        if getattr(args, option):
            given[name] = pairs(getattr(args, option), f"--{option.replace('_', '-')}")
    for switch in ("auto_progress", "ai_messages"):
        if getattr(args, switch) is not None:
            given[switch] = getattr(args, switch) == "on"
    try:
        return ShopSettingsPatch.model_validate(given)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        raise ValueError(f"{_option(str(error['loc'][0]))}: {error['msg']}") from None


def _option(field: str) -> str:
    return {"smtp_password": "--smtp-password-file", "staff_telegram_ids": "--staff-telegram-id",
            "staff_emails": "--staff-email", "rates": "--rate", "whatsapp_templates": "--whatsapp-template",
            "thresholds": "--threshold"}.get(field, "--" + field.replace("_", "-"))  # fmt: skip


def new_configured_shop(args: argparse.Namespace, now: datetime) -> Shop:
    """A new shop named ``--name`` with the settings the command line gives (nothing stored yet)."""
    try:
        return apply_settings(new_shop(args.name, now), patch_of(args))
    except InvalidSetting as exc:
        raise ValueError(f"{_option(exc.field)}: {exc.message}") from None


async def change_shop(
    service: OrderUseCases, shops: ShopStore, shop_id: str, args: argparse.Namespace
) -> Shop:
    """Apply the command line's settings to a stored shop and save them (``shop set``)."""
    shop = await shops.get(ShopId(shop_id))
    try:
        return await save_settings(service, shops, shop, patch_of(args))
    except InvalidSetting as exc:
        raise ValueError(f"{_option(exc.field)}: {exc.message}") from None


def shop_json(shop: Shop) -> dict[str, Any]:
    """A shop as the commands print it: its id, its webhook secret and every setting (other secrets masked)."""
    return {
        "shop_id": shop.id,
        "webhook_secret": shop.webhook_secret,
        **ShopSettings.of(shop).model_dump(),
        "notify": shop.notify.model_dump(),
    }
