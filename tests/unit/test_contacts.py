"""The contact and id helpers the shop-platform adapters share: pure functions over what platforms send."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from channels import contacts


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 (415) 555-0132", None, "+14155550132"),
        ("+44 20 7946 0958", "us", "+442079460958"),  # a country code beats the region
        ("(415) 555-2671", "US", "+14155552671"),
        ("030 1234567", "de", "+49301234567"),  # read in the region, whatever its case
        ("0151 23456789", "DE", "+4915123456789"),
        ("(415) 555-2671", None, None),  # no country code and no region
        ("12345", "US", None),
        ("555", "DE", None),
        ("not a phone", "US", None),
        ("", "US", None),
        ("   ", "US", None),
        (None, "US", None),
        ("+14155550132", "XX", "+14155550132"),  # an unknown region does not spoil a full number
        ("4155550132", "XX", None),
    ],
)
def test_e164(raw: str | None, region: str | None, expected: str | None) -> None:
    assert contacts.e164(raw, region) == expected


def test_first_e164_takes_the_first_valid_candidate() -> None:
    assert contacts.first_e164([]) is None
    candidates: list[tuple[str | None, str | None]] = [
        (None, "US"),
        ("12345", "US"),
        ("0151 23456789", "DE"),
        ("+14155550132", None),
    ]
    assert contacts.first_e164(candidates) == "+4915123456789"
    assert contacts.first_e164(candidates[:2]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("maya.chen@example.com", True),
        ("  maya.chen@example.com ", True),
        ("a@b.co", True),
        ("maya.chen@example", False),
        ("maya chen@example.com", False),
        ("@example.com", False),
        ("maya@@example.com", False),
        ("", False),
        (None, False),
        ("a@b.c" + "o" * 250, False),  # longer than 254 characters
    ],
)
def test_is_email(value: str | None, expected: bool) -> None:
    assert contacts.is_email(value) is expected


def test_text_and_join_drop_blanks() -> None:
    assert contacts.text("  UPS ") == "UPS"
    assert contacts.text("   ") is None
    assert contacts.text("") is None
    assert contacts.text(None) is None
    assert contacts.join(" Maya ", None, "Chen") == "Maya Chen"
    assert contacts.join("", "  ", None) is None
    assert contacts.join() is None
    assert contacts.join("Cher", "") == "Cher"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4521, "4521"),
        (5937461723438, "5937461723438"),
        ("4521", "4521"),
        (True, True),
        (None, None),
        (1.5, 1.5),
    ],
)
def test_id_text_turns_integer_ids_into_text_and_leaves_the_rest(value: Any, expected: Any) -> None:
    assert contacts.id_text(value) == expected
    assert type(contacts.id_text(value)) is type(expected)


def test_an_external_id_is_text_of_one_to_a_hundred_characters() -> None:
    external_id = TypeAdapter(contacts.ExternalId)
    assert external_id.validate_python(4521) == "4521"
    assert external_id.validate_python(" gid-7 ") == "gid-7"
    assert external_id.validate_python("x" * 100) == "x" * 100
    for bad in (None, "", "   ", True, 1.5, "x" * 101, [1]):
        with pytest.raises(ValidationError):
            external_id.validate_python(bad)


def test_a_contact_keeps_its_fields_as_sent_and_ignores_the_rest() -> None:
    contact = contacts.Contact.model_validate(
        {"first_name": " Maya", "last_name": None, "phone": "12345", "company": "Acme"}
    )
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        " Maya",
        None,
        None,
        "12345",
    )
    assert not hasattr(contact, "company")


# -- digits beyond ASCII ------------------------------------------------------------------------------------

FULLWIDTH = "+1\uff14155550202"  # a fullwidth 4 among ASCII digits


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+14155550202", True),
        ("+4915112345678", True),
        (FULLWIDTH, False),
        ("+\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0662\u0660\u0662", False),  # Arabic-Indic
        ("+1\u09e74155550202", False),  # a Bengali digit
        ("+14155550202\n", False),
        ("+04155550202", False),
        ("14155550202", False),
        ("+1415555020212345", False),  # 16 digits
        ("+123456", False),
    ],
)
def test_is_e164_takes_ascii_digits_only(value: str, expected: bool) -> None:
    assert contacts.is_e164(value) is expected


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=7, max_size=15))
def test_a_number_with_any_non_ascii_digit_is_not_e164(digits: str) -> None:
    """Every Unicode decimal digit passes ``str.isdigit`` and ``\\d``; only the ASCII ones make E.164."""
    assume(not digits.isascii())
    assert not contacts.is_e164("+1" + digits[:13])


@given(st.text(max_size=40), st.sampled_from([None, "US", "DE", "JP"]))
def test_what_e164_returns_is_always_ascii_e164(raw: str, region: str | None) -> None:
    found = contacts.e164(raw, region)
    assert found is None or contacts.is_e164(found)


def test_a_checkout_phone_typed_in_fullwidth_digits_is_read_as_ascii() -> None:
    """Checkout forms are what a person typed; a Japanese keyboard types fullwidth digits."""
    assert contacts.e164(FULLWIDTH, None) == "+14155550202"
    assert contacts.e164("\uff10\uff19\uff10-\uff11\uff12\uff13\uff14-\uff15\uff16\uff17\uff18", "JP") == (
        "+819012345678"
    )
