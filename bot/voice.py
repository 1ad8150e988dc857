"""Who speaks to a customer and what was composed for them: plain data shared by every composer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.message_texts import DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Voice:
    """Who speaks: the shop, its time zone, its signature and tone, and the customer's first name."""

    shop_name: str
    timezone: str = "UTC"
    first_name: str | None = None
    signature: str | None = None
    tone: str = "friendly"
    #: The language the customer is answered in (``bot.message_texts.LANGUAGES``); the shop's texts in it win.
    language: str = DEFAULT_LANGUAGE
    #: The shop's own texts by ``text_key``; a kind without one speaks with the built-in words.
    texts: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: How dates and money are written (``pt-BR``); the language's own way when None.
    locale: str | None = None


@dataclass(frozen=True)
class Composed:
    text: str
    subject: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
