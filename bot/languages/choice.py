"""Which language a shop answers a customer in: the customer's own when the shop writes it, else its default.

A shop lists its languages, its default first (``Shop.languages``: ``en``, ``es``, or with a region,
``pt-BR``, which also says how dates and money are written). The service writes every language of
``bot.message_texts.LANGUAGES``; a shop that does not list a customer's language answers in its default.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.message_texts import DEFAULT_LANGUAGE, LANGUAGES


def base(code: str) -> str:
    """``pt-BR`` → ``pt``."""
    return code.split("-", maxsplit=1)[0].lower()


def reply_language(shop_languages: Sequence[str], customer_language: str | None) -> tuple[str, str]:
    """The language to answer in and the locale to write its dates and money in (``("pt", "pt-BR")``)."""
    written = [code for code in shop_languages if base(code) in LANGUAGES]
    for code in written:
        if customer_language is not None and base(code) == base(customer_language):
            return base(code), code
    if written:
        return base(written[0]), written[0]
    return DEFAULT_LANGUAGE, DEFAULT_LANGUAGE
