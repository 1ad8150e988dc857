"""What a customer wants, from the way people really write: pure functions, no AI, no I/O.

``parse("hey where's my stuff?? order #1042")`` → ``Parsed(Intent.ORDER_STATUS, "1042")``. Typos in the
words that matter are forgiven (``ordr``, ``trackng``), case and emoji are ignored, and the SMS keywords
(STOP, START, HELP, ...) count only as the whole message, the way carriers and Twilio treat them. A
plain-words request to stop messages ("stop sending me updates") is an opt-out as well: the wish is clear,
and a missed one keeps texting someone who asked us not to.

Besides where an order is, people ask when it will arrive, complain (a damaged, wrong or missing item, a
claim), want an order or its address changed, or want their money back; those are told apart here, with the
kind of problem, change or refund in ``Parsed.detail`` for the person who takes it over. Everything else a
shop's customers ask about (payments, accounts, passwords, newsletters, invoices) is ``OTHER``, with the
topic: the bot says what it can do instead and never acts on an order for it. A negation or another object
("cancel the newsletter", "not the order") never makes an order action.

Spanish, Portuguese, French, German and Italian are read with the same rules over each language's words
(``bot.languages.vocabulary``); order numbers, e-mails and phone digits are found by ``bot.intent_numbers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from enum import StrEnum
from functools import lru_cache

from bot import intent_words as words
from bot.intent_numbers import EMAIL, LAST4, TWO_NUMBERS, normalise, order_number
from bot.languages.vocabulary import ENGLISH, Vocabulary, in_order


class Intent(StrEnum):
    ORDER_STATUS = "order_status"
    TRACKING = "tracking"
    LIST_ORDERS = "list_orders"
    CANCEL_REQUEST = "cancel_request"
    DELIVERY_TIME = "delivery_time"
    COMPLAINT = "complaint"
    CHANGE_ORDER = "change_order"
    REFUND = "refund"
    HUMAN = "human"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    order_number: str | None = None
    email: str | None = None
    phone_last4: str | None = None
    #: What kind of complaint, change, refund or other topic it is ("damaged item", "address", "payments").
    detail: str | None = None


OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "subscribe"})
HELP_WORDS = frozenset({"help", "info"})

_GREETINGS_ELSEWHERE = ("привет", "здравствуйте", "你好", "您好", "こんにちは", "안녕", "مرحبا", "السلام", "שלום", "नमस्ते", "γεια")  # fmt: skip
_WAVE_EMOJI = frozenset("👋🖐✋")
_ACK_EMOJI = frozenset("👍👌🙏❤♥😊🙂🥰😍🤝✅💯🙌")


def _fix_typos(text: str) -> str:
    """Replace words close to a keyword ("ordr", "trackng", "whre") with the keyword."""
    return " ".join(_fix_word(word) for word in text.split(" "))


@lru_cache(maxsize=4096)
def _fix_word(word: str) -> str:
    bare = word.strip("?!.,")
    if (
        len(bare) < 4
        or len(bare) > 12
        or not bare.isalpha()
        or bare in words.TYPO_TARGETS
        or bare in words.REAL_WORDS
    ):
        return word
    matches = [m for m in get_close_matches(bare, words.TYPO_TARGETS, n=3, cutoff=0.8) if _one_slip(bare, m)]
    return word.replace(bare, matches[0]) if matches else word


def _one_slip(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with one letter added, dropped, changed, or two neighbours swapped.

    One slip of the finger is what a typo is; two are as often another word ("talking", "tracking").
    """
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    a_rest, b_rest = a[start:], b[start:]
    return (
        a_rest[1:] == b_rest[1:]  # changed
        or a_rest[1:] == b_rest  # added
        or a_rest == b_rest[1:]  # dropped
        or (a_rest[:2] == b_rest[1::-1] and a_rest[2:] == b_rest[2:])  # swapped
    )


def _sms_keyword(clean: str) -> Intent | None:
    """STOP, START, HELP and friends, only as the whole message (punctuation, emoji and repeats aside)."""
    words = re.findall(r"[a-z0-9]+", clean)
    if not words:
        return None
    joined = "".join(words)
    for keywords, intent in ((OPT_OUT_WORDS, Intent.OPT_OUT), (OPT_IN_WORDS, Intent.OPT_IN)):
        if joined in keywords or (len(set(words)) == 1 and words[0] in keywords):
            return intent
    return Intent.HELP if joined in HELP_WORDS else None


def _without_text(text: str, clean: str) -> Intent:
    """Messages with no letters or digits: emoji, a lone "?", greetings in other scripts."""
    if any(ch in _WAVE_EMOJI for ch in text) or any(g in text.lower() for g in _GREETINGS_ELSEWHERE):
        return Intent.GREETING
    if any(ch in _ACK_EMOJI for ch in text):
        return Intent.THANKS
    return Intent.HELP if "?" in clean else Intent.UNKNOWN


_NOT_ABOUT_ORDERS = frozenset(
    {Intent.HELP, Intent.GREETING, Intent.THANKS, Intent.OPT_OUT, Intent.OPT_IN, Intent.OTHER}
)


def parse(text: str, language: str | None = None) -> Parsed:
    """The intent of a customer's message and the order number, email or phone digits it gives.

    ``language`` is the one the message is likely in (the customer's, when known): its words are tried
    first, then English, then every other language's, so a short "cancelar 1042" is understood even before
    anyone knows the customer speaks Spanish.
    """
    clean = normalise(text)
    if keyword := _sms_keyword(clean):
        return Parsed(keyword)
    if not re.search(r"[a-z0-9]", clean):
        return Parsed(_without_text(text, clean))
    fixed = _fix_typos(clean)
    number = order_number(text) or order_number(fixed)  # "ordr 1042": the label misspelt
    email = EMAIL.search(clean)
    last4 = LAST4.search(clean) or (TWO_NUMBERS.search(clean) if number else None)
    identified = bool(number or email or last4)
    intent, detail = _intent(text, clean, fixed, language, numbered=bool(number), identified=identified)
    if intent in _NOT_ABOUT_ORDERS:
        return Parsed(intent, detail=detail)
    return Parsed(
        intent,
        order_number=number,
        email=email.group(0) if email else None,
        phone_last4=last4.group(1) if last4 and last4.group(1) != number else None,
        detail=detail,
    )


def _intent(
    text: str, clean: str, fixed: str, language: str | None, *, numbered: bool, identified: bool
) -> tuple[Intent, str | None]:
    """The first rule that matches, most specific first, in the likeliest language first.

    ``fixed`` is the normalised text with English typos fixed, read by the English words; the other
    languages read ``clean``. A request or a question in any language beats the bare fact that an order
    number was given, which beats small talk.
    """
    vocabularies = in_order(language)
    said = {v.language: fixed if v is ENGLISH else clean for v in vocabularies}
    negated = any(re.search(v.negated_action, said[v.language]) for v in vocabularies)
    done = any(re.search(v.cancelled_already, said[v.language]) for v in vocabularies)
    first = vocabularies[:1] if language else []  # a known language's question beats others' requests
    for v in first:
        if found := _request(said[v.language], v, negated=negated, cancelled_already=done) or _question(
            said[v.language], v, numbered=numbered
        ):
            return found
    for v in vocabularies:  # then a request in any language beats a question in any
        if found := _request(said[v.language], v, negated=negated, cancelled_already=done):
            return found
    for v in vocabularies:
        if found := _question(said[v.language], v, numbered=numbered):
            return found
    if identified:
        return Intent.ORDER_STATUS, None
    for v in vocabularies:
        if found := _small_talk(text, said[v.language], v):
            return found
    return Intent.UNKNOWN, None


def _question(said: str, v: Vocabulary, *, numbered: bool) -> tuple[Intent, str | None] | None:
    """A question about an order, or thanks for an answer, in the words of ``v``; None when neither."""
    if re.search(v.thanks, said) and not re.search(v.asking, said) and not numbered:
        return Intent.THANKS, None  # "thanks for the update": an acknowledgement, not a question
    for pattern, intent in (
        (v.delivery_time, Intent.DELIVERY_TIME),
        (v.tracking, Intent.TRACKING),
        (v.list, Intent.LIST_ORDERS),
        (v.status, Intent.ORDER_STATUS),
    ):
        if re.search(pattern, said):
            return intent, None
    return None


def _small_talk(text: str, said: str, v: Vocabulary) -> tuple[Intent, str | None] | None:
    if re.search(v.thanks, said):
        return Intent.THANKS, None
    if re.search(v.greeting, said) or any(g in text.lower() for g in _GREETINGS_ELSEWHERE):
        return Intent.GREETING, None
    return (Intent.HELP, None) if re.search(v.menu, said) else None


def _request(
    said: str, v: Vocabulary, *, negated: bool, cancelled_already: bool
) -> tuple[Intent, str | None] | None:
    """Something to do rather than to know: stop messages, a person, a cancel, a problem, a change, a topic.

    A negated action ("don't cancel it") or a cancel already made ("my order was cancelled"), in any of the
    languages, is read on without the action; an e-mail or billing address is not where an order goes.
    """
    topic = words.first_kind(v.other_topics, said)
    if re.search(v.opt_out_phrase, said) and topic not in ("newsletters", "subscriptions"):
        return Intent.OPT_OUT, None
    if re.search(v.human, said):
        return Intent.HUMAN, None
    if re.search(v.cancel, said) and not negated and not cancelled_already:
        return (Intent.CANCEL_REQUEST, None) if _about_an_order(said, v) else (Intent.OTHER, topic)
    if found := _problem(said, v, topic):
        return found
    if not negated and re.search(v.change_address, said) and not re.search(v.other_address, said):
        return Intent.CHANGE_ORDER, "address"
    if topic is not None:
        return Intent.OTHER, topic
    if not negated and re.search(v.change_order, said):
        return Intent.CHANGE_ORDER, "items"
    return None


def _about_an_order(said: str, v: Vocabulary) -> bool:
    """Whether a cancel is of an order: not when what follows it, or the whole message, is something else."""
    verb = re.search(v.cancel_verb, said)
    after = " ".join(said[verb.end() :].split()[:5]) if verb else ""
    thing, order = re.search(v.not_an_order, after), re.search(v.order_noun, after)
    if thing and (not order or thing.start() < order.start()):
        return False
    return bool(order) or not re.search(v.not_an_order, said) or bool(re.search(v.order_noun, said))


def _problem(said: str, v: Vocabulary, topic: str | None) -> tuple[Intent, str] | None:
    """A complaint or a refund, with its kind; a plain claim of money back counts as the refund it asks.

    "Doesn't work" names a damaged item only when nothing else is named: a discount code or a payment that
    fails is that topic's question.
    """
    complaint = words.first_kind(v.complaint_kinds, said)
    if complaint == "damaged item" and topic is not None and not re.search(v.order_noun, said):
        complaint = None
    refund = words.first_kind(v.refund_kinds, said)
    if complaint and not (refund and complaint == "complaint"):
        return Intent.COMPLAINT, f"{complaint}, {refund} asked" if refund else complaint
    return (Intent.REFUND, refund) if refund else None


#: The opt-out keywords Twilio itself acts on (and confirms) when they are the whole message.
CARRIER_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"})


def is_carrier_keyword(text: str) -> bool:
    """Whether the message is exactly one of Twilio's opt-out keywords (case and punctuation aside)."""
    return re.sub(r"[^a-z]", "", normalise(text)) in CARRIER_OPT_OUT and len(text.strip()) <= 14
