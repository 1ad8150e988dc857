"""One language's words for each thing a customer wants, as data the parser (``bot.intents``) reads.

Every language fills the same families (a request, a problem, a question about an order, small talk), so
the rules that decide between them are written once. Patterns match normalised text: lowercase, accents
removed ("dónde está" is matched as "donde esta"), so a customer who types without accents is understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from bot import intent_words
from bot.languages import words_de, words_es, words_fr, words_it, words_pt


@dataclass(frozen=True)
class Vocabulary:
    language: str
    opt_out_phrase: str
    human: str
    cancel: str
    #: The verb of a cancel, to read what follows it ("cancel the newsletter" is not an order's).
    cancel_verb: str
    negated_action: str
    #: A cancel someone else already made ("was cancelled", "wurde storniert"): news, not a request.
    cancelled_already: str
    not_an_order: str
    order_noun: str
    change_address: str
    #: Addresses that are not where an order goes (e-mail, billing).
    other_address: str
    change_order: str
    complaint_kinds: tuple[tuple[str, str], ...]
    refund_kinds: tuple[tuple[str, str], ...]
    delivery_time: str
    tracking: str
    list: str
    status: str
    thanks: str
    asking: str
    greeting: str
    menu: str
    other_topics: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, language: str, words: ModuleType) -> Vocabulary:
        """The vocabulary a module of upper-case constants (``OPT_OUT_PHRASE``, ``HUMAN``, ...) spells."""
        names = [name for name in cls.__dataclass_fields__ if name != "language"]
        return cls(language, **{name: getattr(words, name.upper()) for name in names})


ENGLISH = Vocabulary.of("en", intent_words)


def _vocabularies() -> dict[str, Vocabulary]:
    others = {"es": words_es, "pt": words_pt, "fr": words_fr, "de": words_de, "it": words_it}
    return {"en": ENGLISH} | {code: Vocabulary.of(code, module) for code, module in others.items()}


#: Every language the parser understands, English first.
VOCABULARIES = _vocabularies()


def in_order(language: str | None) -> list[Vocabulary]:
    """The vocabularies to read a message with: its language's first, then English, then the rest."""
    first = (language or "en").split("-")[0]
    return list(
        {code: VOCABULARIES[code] for code in (first, "en", *VOCABULARIES) if code in VOCABULARIES}.values()
    )
