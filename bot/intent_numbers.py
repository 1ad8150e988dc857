"""What in a customer's message identifies an order: its number, an e-mail, the last digits of a phone.

Kept apart from the intent rules (``bot.intents``): these read the same in every language. Phone numbers,
quantities, prices, dates, postcodes and hashtags are not order numbers.
"""

from __future__ import annotations

import re
import unicodedata

# Order numbers: "#1042", "order 1042", "order no. A-1042"; then a bare number where nothing says it is
# something else. The labelled value may carry a short letter prefix ("A-1042", "SH-20931").
_LABEL = (
    r"(?:#\s*|\b(?:order|ord|purchase|pedido|encomenda|commande|bestellung|bestellnummer|auftrag|ordine|orden|"
    r"ref|reference|confirmation)(?:\s*(?:number|num|no|nr|n|numero|nummer|id|reference|ref|code|#))?\.?\s*"
    r"(?:is\s+)?[:#]?\s*)"
)
_LABELLED = re.compile(_LABEL + r"([a-z]{0,4}-?\d{2,20}(?:-\d{1,4})?)\b")
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
    r"weeks|months|years|dollars|usd|eur|euros?|gbp|pounds|quid|bucks|miles|km|dias|semanas|tage|wochen|jours|"
    r"semaines|giorni|settimane|horas|stunden|heures|ore|stuck|pezzi|unidades)\b",
]
_NOT_ORDER_NUMBER = re.compile("|".join(f"(?:{p})" for p in _NOT_ORDER_NUMBERS))
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
LAST4 = re.compile(
    r"\b(?:last\s*(?:4|four)(?:\s*digits)?|ending|ends)(?:\s*(?:in|with|are|is))?\W{0,3}(\d{4})\b"
)
TWO_NUMBERS = re.compile(r"^\W*(?:order\s*)?#?\s*\w+\W+(\d{4})\W*$")  # "1042 0101": order, then phone digits
_CURRENCY = str.maketrans(dict.fromkeys("£€¥₹₽₩₺", "$"))


def normalise(text: str) -> str:
    """Lowercase, accents and emoji removed, smart quotes made plain, whitespace collapsed."""
    text = (
        unicodedata.normalize("NFKD", text).replace("\u2019", "'").replace("\u2018", "'").replace("ß", "ss")
    )
    kept = "".join(ch for ch in text if ch.isascii() and (ch.isprintable() or ch.isspace()))
    return re.sub(r"\s+", " ", kept.lower()).strip()


def order_number(text: str) -> str | None:
    """The order number a message mentions: "#1042", "order 1042", "order no. A-1042", or a bare "1042"."""
    clean = normalise(text.translate(_CURRENCY))
    clean = EMAIL.sub(" ", clean)
    if labelled := _LABELLED.search(clean):
        found = labelled.group(1)
        return found if found.isdigit() else found.upper()
    rest = _NOT_ORDER_NUMBER.sub(" ", clean)
    bare = _BARE.search(rest)
    return bare.group(1) if bare else None
