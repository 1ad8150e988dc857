"""Which language a customer writes in: read offline by lingua, among the languages the service speaks.

Short messages say little: "ok", "si" or an order number alone fit several languages, and a known customer
who answers "ok" has not changed language. So a language is taken from a message only when it says so
clearly, a known one changes only on a full sentence, and nothing here ever guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.message_texts import LANGUAGES

_BY_CODE = {language.iso_code_639_1.name.lower(): language for language in Language.all()}
#: A language changes only on this many words and letters: a sentence, not "ok" or "vale".
SWITCH_WORDS = 3
SWITCH_LETTERS = 12
#: A customer with no language yet gets one from a single clear word ("gracias", "danke") of this length.
FIRST_LETTERS = 5
#: lingua's confidence (its share among our languages) that counts as clear, and by how much it must beat
#: the runner-up: Spanish and Portuguese share many short words, and a tie says nothing.
CLEAR = 0.5
MARGIN = 0.2
FIRST_CLEAR = 0.7
_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|#\S+|[\d_]+")


@dataclass(frozen=True)
class Detected:
    language: str
    confidence: float
    runner_up: float
    words: int
    letters: int


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*(_BY_CODE[code] for code in LANGUAGES)).build()


def warm() -> None:
    """Load the models now (a second or more): a process that calls this at start spares its first customer."""
    # a sentence, not a word: lingua loads each n-gram size's models only when a text needs them
    _detector().compute_language_confidence_values("the parcel is on its way and will be delivered")


def detect(text: str) -> Detected | None:
    """lingua's best language for ``text`` with what it rests on; None when there are no words to read."""
    words = re.findall(r"[^\W\d_]{2,}", _NOT_WORDS.sub(" ", text))
    if not words:
        return None
    ranked = _detector().compute_language_confidence_values(" ".join(words))
    if not ranked or ranked[0].value <= 0:
        return None
    runner_up = ranked[1].value if len(ranked) > 1 else 0.0
    code = ranked[0].language.iso_code_639_1.name.lower()
    return Detected(code, ranked[0].value, runner_up, len(words), sum(len(word) for word in words))


def language_after(known: str | None, text: str) -> str | None:
    """The customer's language once ``text`` is read: a clear sentence sets or changes it, else it stays."""
    found = detect(text)
    if found is None or found.language == known:
        return known
    clear = found.confidence >= CLEAR and found.confidence - found.runner_up >= MARGIN
    if clear and found.words >= SWITCH_WORDS and found.letters >= SWITCH_LETTERS:
        return found.language
    if known is None and found.letters >= FIRST_LETTERS and found.confidence >= FIRST_CLEAR:
        return found.language
    return known
