"""What counts as asking for a code on a phone, and as giving one on Instagram."""

from __future__ import annotations

import pytest

from bot.linking import asks_for_code, code_in


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("link instagram", True),
        ("Please link my Instagram account", True),
        ("can you connect my IG?", True),
        ("instagram link please", True),
        ("I linked to your instagram post", False),
        ("where is my order", False),
        ("big link", False),
    ],
)
def test_a_phone_asks_for_a_code(text: str, asks: bool) -> None:
    assert asks_for_code(text) is asks


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("code 12345678", "12345678"),
        ("Code: 1234 5678", "12345678"),
        ("my code is 1234-5678 thanks", "12345678"),
        ("12345678", None),  # without the word: an order number, maybe
        ("code 1234567", None),
        ("code 123456789", None),
        ("order 1042 code", None),
    ],
)
def test_an_instagram_message_gives_a_code(text: str, code: str | None) -> None:
    assert code_in(text) == code
