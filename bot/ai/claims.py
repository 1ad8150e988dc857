"""What a draft claims, checked against the order's facts: its numbers, its dates, its promises, its language.

A model asked to be personal fills gaps: "arrives Tuesday", "within 3 days", "a 10% discount for the wait".
None of that is in an order's facts, and a customer takes it as the shop's word. So a draft may say a
number only if the facts hold it, a month or a weekday only if it is the one of the order's last update,
none of the words that make a promise (a time to come, a guarantee, money back), and only in the
customer's language. Each check is a plain function over plain data; ``check_claims`` runs them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_day_names, get_month_names

from bot.languages.detect import detect

#: Words (their beginnings) that promise what no order fact supports: a time to come, a guarantee, money.
PROMISES: dict[str, tuple[str, ...]] = {
    "en": ("tomorrow", "tonight", "soon", "next week", "guarantee", "promise", "refund", "discount",
           "coupon", "voucher", "free", "compensat", "within "),
    "es": ("mañana", "pronto", "próxima semana", "garantiz", "prometo", "reembols", "descuento", "cupón",
           "gratis", "compensa", "en un plazo"),
    "pt": ("amanhã", "em breve", "próxima semana", "garant", "prometo", "reembols", "desconto", "cupom",
           "cupão", "grátis", "compensa", "dentro de "),
    "fr": ("demain", "bientôt", "semaine prochaine", "garanti", "promets", "rembours", "réduction",
           "remise", "bon d'achat", "gratuit", "compensa", "d'ici "),
    "de": ("morgen", "bald", "nächste woche", "garantier", "verspreche", "rückerstatt", "erstatt",
           "rabatt", "gutschein", "kostenlos", "gratis", "entschädig", "innerhalb "),
    "it": ("domani", "presto", "prossima settimana", "garanti", "prometto", "rimbors", "sconto", "buono",
           "gratis", "gratuit", "compensa", "entro "),
}  # fmt: skip
#: Month names that are everyday words too ("your order may ..."): a number next to them is checked anyway.
_COMMON_WORDS = frozenset({"may"})
#: A draft's language is judged on at least this many words; shorter ones say too little to tell.
LANGUAGE_WORDS = 4
_NUMBER = re.compile(r"\d+")


def numbers_in(text: str) -> set[int]:
    """Every run of digits in ``text`` as a number: ``"02 Nov, 10:00"`` → {2, 10, 0}."""
    return {int(digits) for digits in _NUMBER.findall(text)}


def invented_numbers(text: str, known: str) -> set[int]:
    """The numbers in ``text`` that the facts (``known``, all their values as text) do not hold."""
    return numbers_in(text) - numbers_in(known)


def _local(at: datetime, timezone: str) -> datetime:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(zone)


@lru_cache(maxsize=16)
def _calendar_words(language: str) -> tuple[dict[str, int], dict[str, int]]:
    """Month names (1-12) and weekday names (0 Monday - 6 Sunday) of ``language`` and of English, lower case."""
    months: dict[str, int] = {}
    days: dict[str, int] = {}
    for locale in dict.fromkeys((language.split("-", maxsplit=1)[0], "en")):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                word = name.lower().rstrip(".")
                if len(word) >= 3 and word not in _COMMON_WORDS:
                    months.setdefault(word, number)
            for number, name in get_day_names(width, locale=locale).items():
                word = name.lower().rstrip(".").split("-")[0]
                if len(word) >= 3:
                    days.setdefault(word, number)
    return months, days


def invented_dates(text: str, updated_at: datetime, timezone: str, language: str) -> list[str]:
    """Months and weekdays named in ``text`` other than those of the order's last update (local time)."""
    local = _local(updated_at, timezone)
    months, days = _calendar_words(language)
    words = re.findall(r"[^\W\d_]+", text.lower())
    return [
        word
        for word in words
        if (word in months and months[word] != local.month)
        or (word in days and days[word] != local.weekday())
    ]


def promises(text: str, language: str) -> list[str]:
    """The promise words of ``language`` (and of English) that ``text`` uses."""
    lowered = f" {text.lower()}"
    found = []
    for code in dict.fromkeys((language.split("-", maxsplit=1)[0], "en")):
        for word in PROMISES.get(code, ()):
            if re.search(rf"(?<![^\W\d_]){re.escape(word)}", lowered):
                found.append(word)
    return found


def wrong_language(text: str, language: str, names: Iterable[str]) -> str | None:
    """The language ``text`` is clearly in when it is not ``language``; None when it is, or cannot tell.

    The facts' own words (item titles, the shop's and the carrier's names) are left out first: "Espresso
    beans" in a Spanish message says nothing about its language.
    """
    rest = text
    for name in sorted((n for n in names if n), key=len, reverse=True):
        rest = re.sub(re.escape(name), " ", rest, flags=re.IGNORECASE)
    found = detect(rest)
    if found is None or found.words < LANGUAGE_WORDS:
        return None
    return None if found.language == language.split("-", maxsplit=1)[0] else found.language


def check_claims(
    text: str, known: str, updated_at: datetime, timezone: str, language: str, names: Iterable[str]
) -> str | None:
    """Why ``text`` says more than the facts, or in another language; None when it does not."""
    if invented := invented_numbers(text, known):
        return f"numbers not in the facts: {sorted(invented)}"
    if dates := invented_dates(text, updated_at, timezone, language):
        return f"dates not in the facts: {dates}"
    if promised := promises(text, language):
        return f"promises: {promised}"
    if (other := wrong_language(text, language, names)) is not None:
        return f"written in {other}, not {language}"
    return None


__all__ = [
    "LANGUAGE_WORDS",
    "PROMISES",
    "check_claims",
    "invented_dates",
    "invented_numbers",
    "numbers_in",
    "promises",
    "wrong_language",
]
