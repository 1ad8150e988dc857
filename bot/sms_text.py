"""SMS text in the shop's default voice: GSM-7 only, signed, and one segment where it can be.

Texts the service writes itself are made plain (accents stripped, quotes straightened) so that every phone
shows them and each costs the GSM-7 price; a link is kept working rather than made pretty.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from channels.sms_encoding import GSM7, SMS_SEGMENT


class Signer(Protocol):
    """Who signs an SMS: the shop's signature, else its name."""

    @property
    def shop_name(self) -> str: ...

    @property
    def signature(self) -> str | None: ...


# Characters outside GSM-7's basic set that have a faithful plain stand-in (the rest lose their accents, or
# go). The GSM-7 extension characters (€ [ ] { } ~ ^ | \) cost two septets and some phones show them badly.
_GSM7_REPLACEMENTS = {
    "\u2019": "'", "\u2018": "'", "\u201a": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": ".", "\u00d7": "x", "\u00f7": "/", "\u2044": "/",
    "\u2192": "->", "\u2190": "<-", "\u20ac": "EUR", "[": "(", "]": ")", "{": "(", "}": ")",
    "\\": "/", "|": "/", "~": "-", "^": "",
}  # fmt: skip
# Links are kept working rather than made pretty: inside one, other characters are percent-encoded.
_URL = re.compile(  # "https://…", "www.…" or "ups.com/…", without the sentence's closing punctuation
    r"(?<![\w.-])(?:https?://|www\.|[\w-]+(?:\.[\w-]+)+/)(?:\S*[^\s.,;:!?)\]'\"])?", re.IGNORECASE
)


def to_gsm7(text: str) -> str:
    """Only characters every phone can show in one GSM-7 SMS: accents stripped, quotes made plain.

    GSM-7 characters are kept as they are, so the result is never longer than needed and converting twice
    changes nothing; spaces are collapsed and trimmed. Links keep working: inside a URL, other characters
    are percent-encoded instead of replaced.
    """
    text = unicodedata.normalize("NFC", text)
    out, at = [], 0
    for url in _URL.finditer(text):
        out.append(_plain_gsm7(text[at : url.start()]))
        out.append("".join(ch if ch in GSM7 else _percent_encoded(ch) for ch in url.group(0)))
        at = url.end()
    out.append(_plain_gsm7(text[at:]))
    tidy = re.sub(r" {2,}", " ", "".join(out))
    return re.sub(r" ?([\r\n]) ?", r"\1", tidy).strip()


def _plain_gsm7(text: str) -> str:
    return "".join(_gsm7_char(ch) for ch in text)


def _gsm7_char(ch: str) -> str:
    if ch in GSM7:
        return ch
    if ch in _GSM7_REPLACEMENTS:
        return _GSM7_REPLACEMENTS[ch]
    if ch.isspace():
        return " "
    parts = unicodedata.normalize("NFKD", ch)  # "é" → "e" + accent, "ﬁ" → "fi", "½" → "1/2"
    return "".join(c if c in GSM7 else _GSM7_REPLACEMENTS.get(c, "") for c in parts if not c.isspace())


def _percent_encoded(ch: str) -> str:
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))


def sms_text(body: str, voice: Signer) -> str:
    """GSM-7 only, signed, and cut to one segment when the signature still fits.

    A body that fits with its signature is sent whole. A longer one is cut at a word with "..." so that
    the message is one segment, unless that would cut or drop a link (the part a customer needs) or the
    signature leaves less than 60 characters for the body: then it goes whole, over several segments.
    """
    signature = _sms_signature(voice)
    text = to_gsm7(body)
    if len(text) + len(signature) <= SMS_SEGMENT:
        return text + signature
    cut = _cut_point(text, SMS_SEGMENT - len(signature) - len("..."))
    return text + signature if cut is None else text[:cut] + "..." + signature


def _sms_signature(voice: Signer) -> str:
    """`` -Bean There``: the signature (or shop name) in GSM-7 on one line; none if nothing of it is left."""
    for name in (voice.signature, voice.shop_name):
        if plain := " ".join(to_gsm7(name or "").split()):
            return f" -{plain}"
    return ""


def _cut_point(text: str, room: int) -> int | None:
    """Where to cut ``text`` to keep at most ``room`` characters: at a word, never inside a link."""
    ends = [url.end() for url in _URL.finditer(text)]
    if room < 60 or any(end > room for end in ends):
        return None
    space = text.rfind(" ", room - 20, room + 1)
    cut = len(text[: space if space > 0 else room].rstrip(" .,;:-"))
    return max([cut, *ends])


__all__ = ["GSM7", "SMS_SEGMENT", "Signer", "sms_text", "to_gsm7"]
