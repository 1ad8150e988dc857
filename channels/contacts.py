"""Reading the loose contact and id fields shop platforms send: names, emails, phone numbers, ids.

Pure functions, shared by the platform adapters (``webhooks.shop_platforms.shopify``, ``webhooks.shop_platforms.woocommerce``). Each takes
what a platform may send (missing, blank, padded, the wrong type) and returns the clean value or None.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import phonenumbers
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

__all__ = [
    "E164_PATTERN",
    "Contact",
    "ExternalId",
    "NotTextable",
    "e164",
    "first_e164",
    "id_text",
    "is_e164",
    "is_email",
    "is_region",
    "join",
    "text",
    "textable_e164",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: A phone number in E.164 form: ``+``, a country code that does not start with 0, at most 15 digits, all
#: of them ASCII. Spelled ``[0-9]`` on purpose: ``\d`` (Python's and pydantic's regex) also takes
#: fullwidth and other Unicode digits, so ``+1`` then a fullwidth 4 would pass as a number no provider sends.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
_E164 = re.compile(E164_PATTERN)


def text(value: str | None) -> str | None:
    """``value`` without surrounding whitespace; None when it is missing or blank."""
    return (value.strip() or None) if value else None


def join(*parts: str | None) -> str | None:
    """The non-blank ``parts``, stripped and joined with spaces (first and last name); None when none."""
    return " ".join(p.strip() for p in parts if p and p.strip()) or None


def is_email(value: str | None) -> bool:
    """Whether ``value`` (surrounding whitespace aside) looks like an email address."""
    return value is not None and len(value) <= 254 and _EMAIL.match(value.strip()) is not None


def is_e164(value: str) -> bool:
    """Whether ``value`` is already a phone number in E.164 form, in ASCII digits (a provider's address)."""
    return _E164.fullmatch(value) is not None


def e164(raw: str | None, region: str | None) -> str | None:
    """``raw`` as an E.164 number (read in ``region`` when it has no country code); None when invalid.

    ``raw`` is what a customer typed at checkout, so it is read as a person wrote it: ``phonenumbers``
    takes spaces, brackets and the fullwidth digits of East Asian keyboards. What comes out is always
    ASCII E.164 (it is made from the parsed number, never copied from ``raw``).
    """
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class NotTextable(ValueError):
    """A typed phone number no text message can reach; the message says why, in words for people."""


#: Numbers that exist but take no text messages, by what people call them.
_UNTEXTABLE = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "a landline",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    phonenumbers.PhoneNumberType.SHARED_COST: "a shared-cost number",
    phonenumbers.PhoneNumberType.UAN: "a company switchboard number",
    phonenumbers.PhoneNumberType.VOICEMAIL: "a voicemail number",
}
#: Longer than any phone number anyone types, spaces and punctuation included.
_MAX_TYPED_LENGTH = 40


def textable_e164(raw: str, region: str | None) -> str:
    """A phone number as people type it ("(415) 555-0143", "07911 123456") as E.164 ASCII.

    Read in ``region`` (the shop's default country) when it has no country code. A number that cannot
    receive text messages (not a number, a landline, premium rate...) raises ``NotTextable`` saying why,
    without repeating the number. Numbers that may be mobile (the US and Canada do not tell) pass, and so
    does one in full E.164 form the library does not know yet (``_in_full_form``).
    """
    typed = raw.strip()
    country = region.upper() if region else None
    if not typed or len(typed) > _MAX_TYPED_LENGTH:
        raise NotTextable("this is not a phone number")
    try:
        number = phonenumbers.parse(typed, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and not phonenumbers.is_valid_number(number) and _in_full_form(typed, number):
        return typed
    if number is None or not phonenumbers.is_valid_number(number):
        if typed.startswith("+") or not country:
            raise NotTextable(
                "this is not a phone number that can get text messages; give it with its country code, "
                "like +44 7911 123456"
            )
        raise NotTextable(
            f"this is not a phone number in {country}; numbers of other countries need their country "
            "code, like +44 7911 123456"
        )
    kind = _UNTEXTABLE.get(phonenumbers.number_type(number))
    if kind is not None:
        raise NotTextable(f"this is {kind}, which cannot receive text messages; give a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _in_full_form(typed: str, number: phonenumbers.PhoneNumber) -> bool:
    """Whether a number the metadata does not know was given whole, in E.164, with a possible length.

    The library's metadata trails new number ranges; a number sent in full international form is kept as
    given rather than refused (a shop's order must not be lost to it). Typed forms must be known numbers.
    """
    reason = phonenumbers.is_possible_number_with_reason(number)
    return is_e164(typed) and reason == phonenumbers.ValidationResult.IS_POSSIBLE


def is_region(code: str) -> bool:
    """Whether ``code`` is a country phone numbers are known for (ISO 3166 alpha-2, any case)."""
    return code.upper() in phonenumbers.SUPPORTED_REGIONS


def first_e164(candidates: list[tuple[str | None, str | None]]) -> str | None:
    """The first of ``(raw, region)`` candidates that is a valid number, as E.164; None when none is."""
    return next((p for p in (e164(raw, region) for raw, region in candidates) if p), None)


def id_text(value: Any) -> Any:
    """An integer id as text (platforms send ids as JSON numbers); anything else unchanged, for validation."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# The constraints come first so that they apply to the text ``id_text`` makes (placed after a validator they
# are checked before stripping, and a blank id would pass as "").
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), BeforeValidator(id_text)]  # fmt: skip
"""A platform's id for an order: a number or a non-blank string of at most 100 characters, kept as text."""


class Contact(BaseModel):
    """The person fields a platform's customer or address carries (as sent: unchecked, possibly blank)."""

    model_config = ConfigDict(extra="ignore")

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
