"""How an SMS travels: which alphabet it needs (GSM-7 or UCS-2) and how many segments it costs.

Carriers bill and deliver an SMS in segments. A text of GSM-7 characters fits 160 septets in one segment and
153 in each part of a longer one (the rest carries the reassembly header); one character outside GSM-7
(an accent GSM-7 lacks, an emoji, a curly quote) sends the whole text as UCS-2: 70 UTF-16 units in one
segment, 67 in each part. GSM-7's extension characters cost two septets each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The GSM 03.38 basic character set (one septet each).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table, reached through an escape septet: two septets each.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
SMS_SEGMENT = 160

Encoding = Literal["GSM-7", "UCS-2"]
_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_PART = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsCost:
    """An SMS text's alphabet, its length in that alphabet's units, and the segments it is sent as."""

    encoding: Encoding
    units: int
    segments: int
    #: The characters that forced UCS-2, in order of first use (empty for GSM-7).
    non_gsm: tuple[str, ...] = ()


def sms_cost(text: str) -> SmsCost:
    """The alphabet and segments ``text`` needs as one SMS (an empty text still costs one segment)."""
    outside = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7 and ch not in GSM7_EXTENSION))
    if outside:
        encoding: Encoding = "UCS-2"
        units = len(text.encode("utf-16-le")) // 2  # an emoji beyond the BMP takes two units
    else:
        encoding = "GSM-7"
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    segments = 1 if units <= _SINGLE[encoding] else -(-units // _PART[encoding])
    return SmsCost(encoding, units, segments, outside)


__all__ = ["GSM7", "GSM7_EXTENSION", "SMS_SEGMENT", "Encoding", "SmsCost", "sms_cost"]
