"""Message drafts: Gemini may word a message in the shop's voice; the template is used otherwise.

A draft sees only the order's facts and who speaks, and it is sent only if ``check_draft`` passes it:
the order's number in it, no other order's number, no link but the tracking URL, no number, date or
promise the facts do not hold (``bot.ai.claims``), the customer's language, no placeholder left in, and
within the platform's length and alphabet.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from babel import Locale
from pydantic import BaseModel, Field

from bot.ai.claims import check_claims
from bot.ai.gemini import STRICT, Gemini, json_data
from bot.composer import GSM7, SMS_SEGMENT, OrderFacts, Voice, local_time
from orders.lifecycle import progress

#: Longest text a draft may have per style (Instagram counts UTF-8 bytes, as Meta does).
DRAFT_LIMITS = {"sms": SMS_SEGMENT, "whatsapp": 1600, "instagram": 1000, "email": 5000, "console": 4000}
_ORDER_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{1,19}")
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                             "\u2014": "-", "\u2026": "...", "\u00a0": " "})  # fmt: skip
_URLISH = re.compile(r"(?i:https?://|www\.)\S*|\b(?:[A-Za-z0-9-]+\.)+[a-z]{2,24}\b")


class Draft(BaseModel):
    """What Gemini answers when asked for a message."""

    model_config = STRICT

    text: str = Field(description="the message to send, ready as it is")


DRAFT_KINDS = {
    "status_update": "Tell the customer their order is now in the status given in the facts.",
    "follow_up": "Check in with the customer about their order and say they can reply with questions.",
    "order_status": "Answer the customer who asked where their order is.",
}
STYLE_RULES = {
    "sms": "SMS: plain GSM-7 characters only (no emoji, no curly quotes), at most 130 characters, concise.",
    "whatsapp": "WhatsApp: casual and warm, use the first name if given, one or two emoji, short lines.",
    "instagram": "Instagram DM: friendly, an emoji or two, short.",
    "email": "Email: professional and complete, a greeting, the details, and a sign-off with the shop's name.",
    "console": "Plain text, short, no emoji.",
}
DRAFTER_SYSTEM = """You write one message from an online shop to its customer about one order, in the
shop's voice and the platform's style, in the language you are given. Use only the facts given as JSON
data. Always mention the order number as #NUMBER. Mention no other order numbers, no links except
tracking_url exactly as given, no phone numbers or email addresses, no numbers, dates or promises that are
not in the facts (no delivery dates, no discounts, no refunds), and no placeholders."""


def draft_facts(facts: OrderFacts, voice: Voice) -> dict[str, Any]:
    """Everything a draft may say: the order's facts and who speaks, as plain values."""
    return {
        "order_number": facts.number.lstrip("#"),
        "status": facts.status.value,
        "progress_percent": progress(facts.status),
        "last_update": local_time(facts.updated_at, voice.timezone),
        "tracking_url": facts.tracking_url,
        "tracking_number": facts.tracking_number,
        "carrier": facts.carrier,
        "items": list(facts.items),
        "total": f"{facts.total} {facts.currency or ''}".strip() if facts.total else None,
        "shop_name": voice.shop_name,
        "customer_first_name": voice.first_name,
        "tone": voice.tone,
    }


def check_draft(text: str, facts: OrderFacts, voice: Voice, style: str) -> str | None:
    """The draft ready to send, or None when it breaks the platform's or the order's rules."""
    limit = DRAFT_LIMITS.get(style)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if limit is None or not text or re.search(r"[\[\]{}<>]", text):
        return None  # unknown style, empty, or a placeholder left in
    number = facts.number.lstrip("#").upper()
    if not re.search(rf"(?<![A-Z0-9]){re.escape(number)}(?![A-Z0-9])", text.upper()):
        return None
    rest = text
    if facts.tracking_url:  # the tracking URL as it is, as a whole word (trailing punctuation allowed)
        rest = re.sub(rf"{re.escape(facts.tracking_url)}(?=[.,!?;:)]*(?:\s|$))", " ", text)
    if _URLISH.search(rest):
        return None  # a link, a domain or an email address that is not the order's tracking URL
    for found in re.findall(r"#\s*([A-Za-z0-9][A-Za-z0-9-]*)", rest):
        if found.upper() != number:
            return None
    known = " ".join(str(value) for value in draft_facts(facts, voice).values() if value)
    known += f" {voice.signature or ''} {facts.updated_at.year}"
    names = (
        *facts.items,
        voice.shop_name,
        voice.signature or "",
        facts.carrier or "",
        voice.first_name or "",
    )
    if check_claims(rest, known, facts.updated_at, voice.timezone, voice.language, names) is not None:
        return None  # a number, a date or a promise the facts do not hold, or another language
    if style == "sms":
        text = text.translate(_TYPOGRAPHY)
        signature = voice.signature or voice.shop_name
        if signature.lower() not in text.lower():
            text = f"{text} -{signature}"
        if not all(ch in GSM7 for ch in text) or len(text) > limit:
            return None
    elif len(text.encode() if style == "instagram" else text) > limit:
        return None
    return text


class GeminiDrafter:
    """Personal message drafts, used only when they pass ``check_draft`` (None: use the template)."""

    def __init__(self, gemini: Gemini, *, timeout: float = 5.0) -> None:
        self.gemini = gemini
        self.timeout = timeout

    async def draft(self, kind: str, facts: OrderFacts, voice: Voice, style: str) -> str | None:
        if kind not in DRAFT_KINDS or style not in STYLE_RULES:
            return None
        language = Locale.parse(voice.language.split("-", maxsplit=1)[0]).english_name or voice.language
        prompt = (
            f"Task: {DRAFT_KINDS[kind]}\nStyle: {STYLE_RULES[style]}\nLanguage: {language}\n"
            f"Facts (JSON data):\n{json_data(draft_facts(facts, voice))}"
        )
        answer = await self.gemini.ask("drafter", DRAFTER_SYSTEM, prompt, Draft, self.timeout)
        # in a thread: the language check may load lingua's models, which takes seconds the first time
        checked = (
            None if answer is None else await asyncio.to_thread(check_draft, answer.text, facts, voice, style)
        )
        if answer is not None and checked is None:
            self.gemini.outcomes["drafter:rejected"] += 1
        return checked


__all__ = [
    "DRAFTER_SYSTEM",
    "DRAFT_KINDS",
    "DRAFT_LIMITS",
    "STYLE_RULES",
    "Draft",
    "GeminiDrafter",
    "check_draft",
    "draft_facts",
]
