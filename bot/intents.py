"""What a customer wants, from the way people really write: pure functions, no AI, no I/O.

``parse("hey where's my stuff?? order #1042")`` → ``Parsed(Intent.ORDER_STATUS, "1042")``. Typos in the
words that matter are forgiven (``ordr``, ``trackng``), case and emoji are ignored, and the SMS keywords
(STOP, START, HELP, ...) count only as the whole message, the way carriers and Twilio treat them. A
plain-words request to stop messages ("stop sending me updates") is an opt-out as well: the wish is clear,
and a missed one keeps texting someone who asked us not to.

Phone numbers, quantities, prices, dates, postcodes and hashtags are not order numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import get_close_matches
from enum import StrEnum
from functools import lru_cache


class Intent(StrEnum):
    ORDER_STATUS = "order_status"
    TRACKING = "tracking"
    LIST_ORDERS = "list_orders"
    CANCEL_REQUEST = "cancel_request"
    HUMAN = "human"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    order_number: str | None = None
    email: str | None = None
    phone_last4: str | None = None


OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "subscribe"})
HELP_WORDS = frozenset({"help", "info"})

# Sentences, not keywords: checked in this order on the lower-cased, typo-fixed text.
_OPT_OUT_PHRASE = (
    r"^(please |pls |plz )?(stop|unsubscribe)( (it|now|please|pls|plz|already))*$"
    r"|\b(stop|quit) (sending|texting|messaging|emailing|contacting|spamming|bothering)\b"
    r"|\b(unsubscribe|opt) me\b|\b(take|remove) me (off|from)\b"
    r"|\bno more (messages|texts|sms|updates|notifications|spam)\b"
    r"|\bdon'?t (text|message|contact|email) me\b|\bdon'?t want (any )?(more )?(messages|texts|updates)\b"
)
_HUMAN = (
    r"\b(human|person|agent|operator|representative|rep|someone|somebody|anyone|staff|manager|"
    r"customer (service|care|support)|support team|speak (to|with)|talk (to|with)|(call|phone|ring) me|"
    r"live chat)\b"
)
_CANCEL = (
    r"\b(cancel+(ed|ing|ation)?|cancellation|kancel|do not want|call off|changed my mind|"
    r"don'?t want (it|this|them|that|the order|my order)|no longer (want|need)|stop (my|the|this) order)\b"
)
_PROBLEM = (  # needs a person: refunds, returns, damage, wrong items, address changes
    r"\b(refund(ed)?|return(ing)?|exchange|damaged|broken|smashed|defective|faulty|"
    r"wrong (item|size|colou?r|order|product|thing)|missing (item|items|part|piece)|"
    r"change (my|the) (delivery |shipping )?address|(says|shows|marked( as)?) delivered but)\b"
)
_PRE_SALES = (
    r"\b(do|does|can) (you|u) (ship|deliver|send) to\b|\bhow much (is|does|for) (shipping|delivery)\b"
)
_TRACKING = (
    r"\b(track(ing|ed|er)?|trace|courier|carrier|waybill|dhl|ups|usps|fedex|royal mail|evri|hermes|dpd|"
    r"gls|tnt)\b"
)
_LIST = (
    r"\b(my|all|other|any|previous|past|recent) orders\b|\border history\b|\blist\b|\bwhat orders\b|"
    r"\bhow many orders\b|^orders\W*$"
)
_STATUS = (
    r"\b(where|wheres|status|update|order|ordered|stuff|delivery|deliver(ed|y)?|arrive[ds]?|arriving|"
    r"ship|shipped|shipping|sent|send|dispatch(ed)?|when|wen|eta|late|still|waiting|wait|yet|progress|"
    r"happening|news|parcel|package|pkg|shipment|coming|received|wya|check|how long|"
    r"pedido|commande|bestellung|encomenda|ordine|orden|donde|ou est|wo ist)\b"
    r"|\b(been|over) \d+ (days|weeks)\b"
)
_THANKS = (
    r"\b(thanks?|thank (you|u|ya)|thx|thnx|thanx|tks|ty|tysm|cheers|appreciated?|grateful|great|perfect|"
    r"awesome|brilliant|amazing|lovely|love (it|them|this)|cool|ok+|okay|kk|got it|noted|sweet|nice|"
    r"gracias|merci|danke|obrigad[oa]|grazie|arigato|shukran|asante|spasibo)\b"
)
_ASKING = (  # a question or a complaint: "thanks, but where is it?", "still nothing, great"
    r"\?|\b(where|wheres|when|wen|how|what|whats|why|status|eta|can you|could you|pls|please|but|not|no|"
    r"nothing|never|still|yet|late|didn'?t|hasn'?t|haven'?t|isn'?t|wasn'?t)\b"
)
_GREETING = (
    r"^(hi+|hello+|helo|hey+|heya|hiya|yo+|sup|wassup|whats up|good (morning|afternoon|evening|day)|"
    r"morning|evening|gm|howdy|greetings|hola|ola|oi|bonjour|salut|hallo|hej|ciao|buongiorno|bom dia|"
    r"buenos dias|buenas|guten (tag|morgen)|namaste|salaam|salam|as-?salamu alaykum|merhaba|konnichiwa|"
    r"ni hao|shalom|jambo)\b"
)
_MENU = r"\b(help|menu|options|what can you do|what do you do|how does this work|commands)\b"

_GREETINGS_ELSEWHERE = ("привет", "здравствуйте", "你好", "您好", "こんにちは", "안녕", "مرحبا", "السلام", "שלום", "नमस्ते", "γεια")  # fmt: skip
_WAVE_EMOJI = frozenset("👋🖐✋")
_ACK_EMOJI = frozenset("👍👌🙏❤♥😊🙂🥰😍🤝✅💯🙌")

_KEYWORDS = [
    "order", "orders", "tracking", "track", "where", "status", "cancel", "human", "agent", "package",
    "delivery", "shipped", "thanks", "hello", "refund", "parcel", "update", "arrive",
]  # fmt: skip
_NOT_TYPOS = frozenset(
    {"there", "here", "ordered", "delivered", "border", "cancer", "hells", "shipper", "thank"}
)

# Order numbers: "#1042", "order 1042", "order no. A-1042"; then a bare number where nothing says it is
# something else. The labelled value may carry a short letter prefix ("A-1042", "SH-20931").
_LABEL = (
    r"(?:#\s*|\b(?:order|ord|pedido|commande|bestellung|ordine|orden|ref|reference|confirmation)"
    r"(?:\s*(?:number|num|no|nr|id|reference|ref|code|#))?\.?\s*(?:is\s+)?[:#]?\s*)"
)
_LABELLED = re.compile(_LABEL + r"([a-z]{0,4}-?\d{2,12}(?:-\d{1,4})?)\b")
_BARE = re.compile(r"(?<![\w$])(\d{3,10})(?!\w|[.,:/-]\d|%)")
_NOT_ORDER_NUMBERS = [
    r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+",  # emails
    r"\+?\d[\d\s().-]{8,}\d",  # phone numbers
    r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b",  # dates: 12/11, 12.11.2025, 2025-03-14
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b",
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}\b",  # "March 2025"
    r"\b(?:in|since|year) (?:19|20)\d\d\b",
    r"\b(?:zip|postcode|post code|postal code|zip code)(?: is)?:?\s*\d+",
    r"\b(?:last\s*(?:4|four)(?:\s*digits)?|ending|ends)(?:\s*(?:in|with|are|is))?\W{0,3}\d{4}\b",
    r"\b(?:ordered|bought|purchased|got|need|want|paid|spent|costs?|only|about|around|over|than|qty|x)"
    r"\s+\d+",  # quantities and prices: "ordered 150 stickers", "paid 1200"
    r"\b\d+\s*(?:x|pcs|pieces|items|bags|units|boxes|packs|kg|g|lbs?|oz|ml|l|days|hours|hrs|mins|minutes|"
    r"weeks|months|years|dollars|usd|eur|euros?|gbp|pounds|quid|bucks|miles|km)\b",
]
_NOT_ORDER_NUMBER = re.compile("|".join(f"(?:{p})" for p in _NOT_ORDER_NUMBERS))
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_LAST4 = re.compile(
    r"\b(?:last\s*(?:4|four)(?:\s*digits)?|ending|ends)(?:\s*(?:in|with|are|is))?\W{0,3}(\d{4})\b"
)
_TWO_NUMBERS = re.compile(r"^\W*(?:order\s*)?#?\s*\w+\W+(\d{4})\W*$")  # "1042 0101": order, then phone digits
_CURRENCY = str.maketrans(dict.fromkeys("£€¥₹₽₩₺", "$"))


def normalise(text: str) -> str:
    """Lowercase, accents and emoji removed, smart quotes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text).replace("\u2019", "'").replace("\u2018", "'")
    kept = "".join(ch for ch in text if ch.isascii() and (ch.isprintable() or ch.isspace()))
    return re.sub(r"\s+", " ", kept.lower()).strip()


def _fix_typos(text: str) -> str:
    """Replace words close to a keyword ("ordr", "trackng", "whre") with the keyword."""
    return " ".join(_fix_word(word) for word in text.split(" "))


@lru_cache(maxsize=4096)
def _fix_word(word: str) -> str:
    bare = word.strip("?!.,")
    if len(bare) < 4 or len(bare) > 12 or not bare.isalpha() or bare in _KEYWORDS or bare in _NOT_TYPOS:
        return word
    match = get_close_matches(bare, _KEYWORDS, n=1, cutoff=0.8)
    return word.replace(bare, match[0]) if match else word


def order_number(text: str) -> str | None:
    """The order number a message mentions: "#1042", "order 1042", "order no. A-1042", or a bare "1042"."""
    clean = normalise(text.translate(_CURRENCY))
    clean = _EMAIL.sub(" ", clean)
    if labelled := _LABELLED.search(clean):
        found = labelled.group(1)
        return found if found.isdigit() else found.upper()
    rest = _NOT_ORDER_NUMBER.sub(" ", clean)
    bare = _BARE.search(rest)
    return bare.group(1) if bare else None


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


_ABOUT_ORDERS = frozenset(
    {
        Intent.ORDER_STATUS,
        Intent.TRACKING,
        Intent.LIST_ORDERS,
        Intent.CANCEL_REQUEST,
        Intent.HUMAN,
        Intent.UNKNOWN,
    }
)


def parse(text: str) -> Parsed:
    """The intent of a customer's message and the order number, email or phone digits it gives."""
    clean = normalise(text)
    if keyword := _sms_keyword(clean):
        return Parsed(keyword)
    if not re.search(r"[a-z0-9]", clean):
        return Parsed(_without_text(text, clean))
    number = order_number(text)
    email = _EMAIL.search(clean)
    last4 = _LAST4.search(clean) or (_TWO_NUMBERS.search(clean) if number else None)
    intent = _intent(text, _fix_typos(clean), number, identified=bool(number or email or last4))
    if intent not in _ABOUT_ORDERS:
        return Parsed(intent)
    return Parsed(
        intent,
        order_number=number,
        email=email.group(0) if email else None,
        phone_last4=last4.group(1) if last4 and last4.group(1) != number else None,
    )


def _intent(text: str, fixed: str, number: str | None, *, identified: bool) -> Intent:
    """The first rule that matches, most specific first; ``fixed`` is the normalised, typo-fixed text."""
    for pattern, intent in (
        (_OPT_OUT_PHRASE, Intent.OPT_OUT),
        (_HUMAN, Intent.HUMAN),
        (_CANCEL, Intent.CANCEL_REQUEST),
        (_PROBLEM, Intent.HUMAN),
    ):
        if re.search(pattern, fixed):
            return intent
    if re.search(_THANKS, fixed) and not re.search(_ASKING, fixed) and not number:
        return Intent.THANKS  # "thanks for the update": an acknowledgement, not a question
    for pattern, intent in (
        (_PRE_SALES, Intent.UNKNOWN),
        (_TRACKING, Intent.TRACKING),
        (_LIST, Intent.LIST_ORDERS),
        (_STATUS, Intent.ORDER_STATUS),
    ):
        if re.search(pattern, fixed):
            return intent
    if identified:
        return Intent.ORDER_STATUS
    if re.search(_THANKS, fixed):
        return Intent.THANKS
    if re.search(_GREETING, fixed) or any(g in text.lower() for g in _GREETINGS_ELSEWHERE):
        return Intent.GREETING
    return Intent.HELP if re.search(_MENU, fixed) else Intent.UNKNOWN


#: The opt-out keywords Twilio itself acts on (and confirms) when they are the whole message.
CARRIER_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"})


def is_carrier_keyword(text: str) -> bool:
    """Whether the message is exactly one of Twilio's opt-out keywords (case and punctuation aside)."""
    return re.sub(r"[^a-z]", "", normalise(text)) in CARRIER_OPT_OUT and len(text.strip()) <= 14
