"""``channels.payloads.load_json``: only JSON a provider could have sent, everything else a ValueError."""

from __future__ import annotations

import pytest

from channels.payloads import load_json


def test_provider_json_is_read_as_json() -> None:
    body = '{"text": "Wo ist 📦 #1001? \\u202e", "n": 12345678901234567890, "x": 1.5}'.encode()

    assert load_json(body) == {"text": "Wo ist 📦 #1001? \u202e", "n": 12345678901234567890, "x": 1.5}


def test_an_escaped_surrogate_pair_is_one_character() -> None:
    assert load_json(b'"\\ud83d\\udce6"') == "📦"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'["\\udfff\\ud800"]', "lone surrogate"),
        (b'{"\\udc00": 1}', "lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": NaN}', "not valid JSON"),
        (b"[Infinity]", "not valid JSON"),
        (b"9" * 5000, "not valid JSON"),
        (b'{"a": "\xed\xa0\x80"}', "not valid JSON"),  # a surrogate encoded as UTF-8 bytes
        (b'{"a": "\xc0\xaf"}', "not valid JSON"),  # an overlong "/"
        ('{"a": 1}'.encode("utf-16"), "not valid JSON"),
        (b"", "not valid JSON"),
    ],
    ids=["lone", "reversed-pair", "in-a-key", "deep", "nan", "infinity", "digits", "cesu-8", "overlong",
         "utf-16", "empty"],
)  # fmt: skip
def test_what_no_provider_sends_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_json(body)
