"""Dates, times, money and shares written the way the customer's locale writes them (Babel)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, format_percent


def locale_of(code: str) -> Locale:
    """``pt-BR`` → Babel's ``pt_BR``; an unknown code speaks English rather than failing a message."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def when(at: datetime, timezone: str, locale: str) -> str:
    """``7 dic, 14:05`` (Spanish), ``7. Dez., 14:05`` (German) in the shop's time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(zone)
    place = locale_of(locale)
    return f"{format_skeleton('MMMd', local, locale=place)}, {format_time(local, 'short', locale=place)}"


def day(at: datetime, timezone: str, locale: str) -> str:
    """``lun, 14 dic`` (Spanish), ``Mo., 14. Dez.`` (German): a delivery date in the shop's time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(zone)
    return format_skeleton("MMMEd", local, locale=locale_of(locale))


def share(percent: int, locale: str) -> str:
    """``75 %`` where the locale puts a space before the sign, ``75%`` where it does not."""
    return format_percent(percent / 100, locale=locale_of(locale))


def money(amount: str | None, currency: str | None, locale: str) -> str | None:
    """``1.234,50 €``; an amount that is not a number is given as it came, and none stays none."""
    if not amount:
        return None
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return amount
    place = locale_of(locale)
    if currency and len(currency) == 3 and currency.isalpha():
        return format_currency(value, currency.upper(), locale=place)
    return format_decimal(value, locale=place)
