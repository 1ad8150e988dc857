"""Platform styles, and the SMS rules as properties over any order facts.

SMS rules (DESIGN.md, Channels and styles): GSM-7 characters only, signed with the shop's name, one
160-character segment whenever the body and the signature fit; a longer body is cut with "..." to fit,
unless that would cut a link, which the customer needs more than a cheap message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot import message_texts
from bot.composer import (
    GSM7,
    SMS_SEGMENT,
    Composed,
    OrderFacts,
    Voice,
    canned,
    delivery_time,
    first_name,
    local_time,
    order_status,
    several_orders,
    sms_text,
    to_gsm7,
)
from orders.lifecycle import DeliveryStage, Status, progress

NOW = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)  # 14:05 in Berlin, 08:05 in New York
STYLES = ("sms", "whatsapp", "instagram", "email", "telegram", "console")
STATUS_WORDS = {
    Status.PENDING: "received and waiting to be processed",
    Status.PROCESSING: "being prepared",
    Status.SHIPPED: "on its way",
    Status.FULFILLED: "delivered",
    Status.CANCELLED: "cancelled",
}
KINDS = {
    "no_orders": {},
    "unknown_order": {"number": "1042"},
    "menu": {},
    "human": {},
    "cancel": {"number": "1042"},
    "cancel_closed": {"number": "1042", "status": "fulfilled"},
    "change": {"number": "1042"},
    "change_closed": {"number": "1042", "status": "fulfilled"},
    "complaint": {"about": " about order #1042"},
    "refund": {"what": "return", "about": " for order #1042"},
    "other": {"topic": "payments"},
    "greeting": {},
    "thanks": {},
    "opted_out": {},
    "opted_in": {},
    "help": {},
    "link_needed": {},
    "linked": {},
    "not_linked": {},
    "link_code": {"code": "12345678"},
    "satisfaction_ask": {"number": "1042"},
    "satisfaction_email": {"number": "1042"},
    "satisfaction_thanks": {},
    "satisfaction_sorry": {},
    "delay": {"number": "1042", "date": "Fri, Nov 6"},
    "late": {"number": "1042"},
    "photo_update": {"number": "1042", "caption": "Packed and ready"},
}
# A link: "https://…", "www.…" or "ups.com/…", without the sentence's closing punctuation.
URL = re.compile(
    r"(?<![\w.-])(?:https?://|www\.|[\w-]+(?:\.[\w-]+)+/)(?:\S*[^\s.,;:!?)\]'\"])?", re.IGNORECASE
)
no_db = settings(database=None, max_examples=300)


def facts(status: Status = Status.SHIPPED, **changes: object) -> OrderFacts:
    values: dict[str, object] = {
        "number": "1042",
        "status": status,
        "updated_at": NOW,
        "tracking_url": "https://ups.example/track/1Z999",
        "tracking_number": "1Z999",
        "carrier": "UPS",
        "items": ("2 x Ethiopia Yirgacheffe 250 g", "1 x Pour-over kettle"),
        "total": "54.90",
        "currency": "EUR",
        **changes,
    }
    return OrderFacts(**values)  # type: ignore[arg-type]


def has_emoji(text: str) -> bool:
    return any(unicodedata.category(ch) == "So" for ch in text)


def signature(voice: Voice) -> str:
    for name in (voice.signature, voice.shop_name):
        if plain := " ".join(to_gsm7(name or "").split()):
            return f" -{plain}"
    return ""


def check_sms(text: str, body: str, voice: Voice) -> None:
    """``text`` is ``body`` sent by SMS for ``voice``, by the rules in the module docstring."""
    sig, body = signature(voice), to_gsm7(body)
    assert all(ch in GSM7 for ch in text), [ch for ch in text if ch not in GSM7]
    assert text.endswith(sig)
    room = SMS_SEGMENT - len(sig) - len("...")
    if len(body) + len(sig) <= SMS_SEGMENT:
        assert text == body + sig  # fits: sent whole, one segment
    elif room >= 60 and all(url.end() <= room for url in URL.finditer(body)):
        assert len(text) <= SMS_SEGMENT
        assert text.endswith("..." + sig)
        kept = text[: -len("..." + sig)]
        assert body.startswith(kept)
        assert all(url.end() <= len(kept) for url in URL.finditer(body)), "a link was cut"
        assert " " not in body[len(kept) : room].lstrip(" .,;:-"), "cut earlier than the last word that fits"
    else:
        assert text == body + sig  # a link would be cut (or no room): sent whole, several segments


# -- every status in every style ---------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("status", list(Status))
def test_every_status_in_every_style_names_the_order_and_its_status(status: Status, style: str) -> None:
    composed = order_status(facts(status), Voice("Bean There", "Europe/Berlin", "Ana"), style)
    assert "#1042" in composed.text
    assert STATUS_WORDS[status] in composed.text
    if status == Status.CANCELLED:
        assert "0%" not in composed.text
    else:
        assert f"{progress(status)}%" in composed.text
    if style == "email":
        assert composed.subject is not None
        assert "#1042" in composed.subject
        assert STATUS_WORDS[status] in composed.subject


@pytest.mark.parametrize("status", list(Status))
def test_whatsapp_is_casual_with_the_first_name_and_an_emoji(status: Status) -> None:
    text = order_status(facts(status), Voice("Bean There", first_name="Ana"), "whatsapp").text
    assert text.startswith("Hi Ana!")
    assert has_emoji(text)
    anonymous = order_status(facts(status), Voice("Bean There"), "whatsapp").text
    assert anonymous.startswith("Hi!")
    assert "None" not in anonymous


@pytest.mark.parametrize("status", list(Status))
def test_instagram_is_friendly_with_emoji(status: Status) -> None:
    text = order_status(facts(status), Voice("Bean There", first_name="Ana"), "instagram").text
    assert text.startswith("Hey Ana!")
    assert has_emoji(text)


def test_email_is_detailed_with_subject_items_total_and_tracking() -> None:
    voice = Voice("Bean There", "Europe/Berlin", "Ana", signature="The Bean There team")
    composed = order_status(facts(), voice, "email")
    assert composed.subject == "Bean There: order #1042 is on its way"
    text = composed.text
    assert text.startswith("Dear Ana,\n\nOrder #1042 is on its way (75% complete).\n")
    assert "  - 2 x Ethiopia Yirgacheffe 250 g\n  - 1 x Pour-over kettle" in text
    assert "Total: 54.90 EUR" in text
    assert "Tracking number: UPS 1Z999" in text
    assert "https://ups.example/track/1Z999" in text
    assert "Next: it arrives." in text
    assert "Last update: 25 Nov, 14:05" in text
    assert text.endswith("Kind regards,\nThe Bean There team")
    bare = order_status(
        facts(Status.PENDING, items=(), total=None, tracking_url=None, tracking_number=None), voice, "email"
    )
    assert "Items" not in bare.text
    assert "Total" not in bare.text
    assert "Tracking" not in bare.text
    assert order_status(facts(), Voice("Bean There"), "email").text.startswith("Dear customer,")


@pytest.mark.parametrize("style", ["telegram", "console"])
def test_telegram_and_console_are_plain(style: str) -> None:
    for status in Status:
        text = order_status(facts(status), Voice("Bean There", first_name="Ana"), style).text
        assert text.isascii()
        assert "Ana" not in text
        assert "Tracking: https://ups.example/track/1Z999" in text
    for kind, values in KINDS.items():
        assert not has_emoji(canned(kind, Voice("Bean There", first_name="Ana"), style, **values).text)
    assert not has_emoji(several_orders([facts()], Voice("Bean There"), style).text)


@pytest.mark.parametrize("style", ["whatsapp", "instagram", "email", "telegram", "console"])
@pytest.mark.parametrize(
    ("timezone", "at", "shown"),
    [
        ("UTC", NOW, "25 Nov, 13:05"),
        ("Europe/Berlin", NOW, "25 Nov, 14:05"),
        ("America/New_York", NOW, "25 Nov, 08:05"),
        ("Asia/Kolkata", NOW, "25 Nov, 18:35"),
        ("Asia/Tokyo", NOW + timedelta(hours=10), "26 Nov, 08:05"),  # the shop's date, not UTC's
        ("Europe/Berlin", datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "01 Jul, 14:00"),  # summer time
        ("Europe/Berlin", datetime(2026, 11, 25, 13, 5), "25 Nov, 14:05"),  # naive means UTC
        ("Not/AZone", NOW, "25 Nov, 13:05"),  # a bad setting never breaks a reply
    ],
)
def test_time_is_shown_in_the_shops_time_zone(style: str, timezone: str, at: datetime, shown: str) -> None:
    text = order_status(facts(updated_at=at), Voice("Bean There", timezone), style).text
    assert f"Last update: {shown}" in text
    assert local_time(at, timezone) == shown


def test_canned_replies_greet_and_thank_by_first_name_on_chat_apps() -> None:
    ana = Voice("Bean There", first_name="Ana")
    assert canned("greeting", ana, "whatsapp").text.startswith("Hi Ana! ")
    assert canned("thanks", ana, "instagram").text.startswith("You're welcome, Ana! ")
    assert canned("thanks", Voice("Bean There"), "whatsapp").text.startswith("You're welcome! ")
    for kind in ("greeting", "thanks", "human", "menu"):
        assert has_emoji(canned(kind, ana, "whatsapp").text)
    assert "Ana" not in canned("greeting", ana, "sms").text


def test_several_orders_lists_each_order() -> None:
    orders = [
        facts(Status.SHIPPED),
        facts(Status.PENDING, number="1043"),
        facts(Status.CANCELLED, number="1044"),
    ]
    for style in STYLES:
        text = several_orders(orders, Voice("Bean There"), style).text
        assert "#1042: shipped (75%)" in text
        assert "#1043: pending (25%)" in text
        assert "#1044: cancelled" in text
        assert "0%" not in text


def test_first_name() -> None:
    assert first_name("  Ana María López ") == "Ana"
    assert first_name("   ") is None
    assert first_name(None) is None


# -- SMS, by example ---------------------------------------------------------------------------------


def test_sms_status_is_short_plain_and_signed() -> None:
    text = order_status(facts(), Voice("Bean There ☕", first_name="Ana"), "sms").text
    assert text == "Order #1042 is on its way (75%). Track: https://ups.example/track/1Z999 -Bean There"
    pending = order_status(
        facts(Status.PENDING, tracking_url=None, tracking_number=None), Voice("Café Ñandú"), "sms"
    )
    assert pending.text == (
        "Order #1042 is received and waiting to be processed (25%). Next: we start preparing it. -Café Ñandu"
    )


def test_sms_cut_to_one_segment_at_a_word() -> None:
    body = "Your parcel " + "is really very nearly there " * 8
    text = sms_text(body, Voice("Bean There"))
    assert len(text) <= SMS_SEGMENT
    assert (
        text == "Your parcel " + "is really very nearly there " * 4 + "is really very nearly... -Bean There"
    )


def test_sms_never_cuts_a_link() -> None:
    url = "https://tracking.example.com/parcels/" + "A1B2C3D4" * 6
    long_number = "1042" * 20
    text = order_status(facts(number=long_number, tracking_url=url), Voice("Bean There"), "sms").text
    assert len(text) > SMS_SEGMENT
    assert url in text  # whole: two segments rather than a dead link
    straddling = sms_text("x" * 90 + " " + url + " and some more words after the link", Voice("Shop"))
    assert url in straddling


def test_sms_signature_falls_back_and_never_dangles() -> None:
    assert order_status(facts(), Voice("Лавка"), "sms").text.endswith("1Z999")  # nothing GSM-7 to sign with
    assert order_status(facts(), Voice("Лавка", signature="Lavka"), "sms").text.endswith(" -Lavka")
    assert order_status(facts(), Voice("Bean\nThere  Co"), "sms").text.endswith(" -Bean There Co")
    long_name = (
        "The Very Long Artisanal Candle, Soap and Assorted Homeware Emporium of North Yorkshire Ltd " * 2
    )
    body = "Your order is on its way and should arrive in two to three working days. " * 3
    text = sms_text(body, Voice(long_name))
    assert text == to_gsm7(body) + " -" + long_name.strip()  # too little room to cut: sent whole


def test_sms_links_keep_working() -> None:
    text = order_status(facts(tracking_url="https://t.example/~ana/{id}/naïve"), Voice("Shop"), "sms").text
    assert "https://t.example/%7Eana/%7Bid%7D/na%C3%AFve" in text


@pytest.mark.parametrize("style", STYLES)
def test_the_shops_values_cannot_break_the_layout(style: str) -> None:
    order = facts(number="10\n42", carrier="UPS\r\nFAKE: line", tracking_url=None, items=("mug\nTotal: 0",))
    text = order_status(order, Voice("Bean\nThere"), style).text
    assert "#10 42" in text
    assert "UPS FAKE: line 1Z999" in text
    assert "\nFAKE" not in text
    assert "\nTotal: 0" not in text


@pytest.mark.parametrize(
    ("text", "gsm"),
    [
        ("Café naïve façade", "Café naive facade"),
        (
            "\u201cSmart\u201d \u2018quotes\u2019 \u2013 and \u2014 dashes\u2026",
            "\"Smart\" 'quotes' - and - dashes...",
        ),
        ("Total: €25 [2 items] ~ {gift}", "Total: EUR25 (2 items) - (gift)"),
        ("½ kg, ﬁne", "1/2 kg, fine"),
        ("tab\there  and   there\u00a0too", "tab here and there too"),
        ("Hi 👋 Ana 🎉 !", "Hi Ana !"),
        ("line one 🚚\n🚚 line two", "line one\nline two"),
        ("Ωmega ΔΣ ok, ÄÖÜäöüß ÉÑñ", "Ωmega ΔΣ ok, ÄÖÜäöüß ÉÑñ"),
        ("e\u0301te\u0301", "été"),  # combining accents: é is GSM-7, é stays
        ("Лавка 你好", ""),
    ],
)
def test_to_gsm7_examples(text: str, gsm: str) -> None:
    assert to_gsm7(text) == gsm


# -- SMS, by property --------------------------------------------------------------------------------

anything = st.text(max_size=60)
names = st.text(min_size=1, max_size=40)
url_chars = st.characters(blacklist_categories=("Z", "C"))
urls = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=30),
    st.text(url_chars, max_size=200),
)
numbers = st.one_of(
    st.integers(1, 10**15).map(str),
    st.from_regex(r"[A-Z]{1,3}-?[0-9]{1,10}", fullmatch=True),
    st.text(min_size=1, max_size=40),
)
order_facts = st.builds(
    OrderFacts,
    number=numbers,
    status=st.sampled_from(list(Status)),
    updated_at=st.datetimes(timezones=st.just(UTC)),
    tracking_url=st.none() | urls,
    tracking_number=st.none() | anything,
    carrier=st.none() | anything,
    items=st.lists(anything, max_size=3).map(tuple),
    total=st.none() | st.decimals(0, 10**6, places=2).map(str),
    currency=st.none() | anything,
)
voices = st.builds(Voice, shop_name=names, first_name=st.none() | anything, signature=st.none() | names)


def one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def sms_body(order: OrderFacts) -> str:
    """What an SMS status says, before the SMS rules apply (the shop's values flattened to one line)."""
    line = f"Order #{one_line(order.number)} is {STATUS_WORDS[order.status]}"
    line += "." if order.status == Status.CANCELLED else f" ({progress(order.status)}%)."
    nexts = {
        Status.PENDING: "we start preparing it",
        Status.PROCESSING: "it ships",
        Status.SHIPPED: "it arrives",
    }
    if one_line(order.tracking_url):
        return f"{line} Track: {one_line(order.tracking_url)}"
    if one_line(order.tracking_number):
        return f"{line} Track: {one_line(order.carrier) or 'tracking'} {one_line(order.tracking_number)}"
    return f"{line} Next: {nexts[order.status]}." if order.status in nexts else line


@no_db
@given(order_facts, voices)
def test_sms_status_follows_the_sms_rules(order: OrderFacts, voice: Voice) -> None:
    text = order_status(order, voice, "sms").text
    check_sms(text, sms_body(order), voice)
    if order.tracking_url:
        assert to_gsm7(order.tracking_url) in text  # the link is always there, whole
    if re.fullmatch(r"[A-Za-z0-9-]+", order.number) and len(text) <= SMS_SEGMENT and "..." not in text:
        assert f"#{order.number} is {STATUS_WORDS[order.status]}" in text


@no_db
@given(st.sampled_from(sorted(KINDS)), voices, numbers)
def test_every_canned_sms_follows_the_sms_rules(kind: str, voice: Voice, number: str) -> None:
    values = {key: number if key == "number" else value for key, value in KINDS[kind].items()}
    text = canned(kind, voice, "sms", **values).text
    check_sms(text, canned(kind, voice, "console", **values).text, voice)


@no_db
@given(st.lists(order_facts, min_size=1, max_size=5), voices)
def test_several_orders_sms_follows_the_sms_rules(orders: list[OrderFacts], voice: Voice) -> None:
    text = several_orders(orders, voice, "sms").text
    body = "Your orders: " + "; ".join(
        f"#{one_line(o.number)}: {o.status.value}"
        + ("" if o.status == Status.CANCELLED else f" ({progress(o.status)}%)")
        for o in orders
    )
    check_sms(text, body, voice)


# Text that stresses the conversion: spaces and line breaks, emoji, accents, quotes, extension characters.
tricky_chars = st.one_of(
    st.sampled_from(list(" \t\n\r\u00a0\u2028 -.\u2026\u2019\u201c€~[]{}|^\\½ﬁ™👋🚚🎉éèçñÑüßΩαЖ中\u0301")),
    st.characters(),
)
tricky_text = st.text(tricky_chars, max_size=300)
bodies = st.lists(st.one_of(st.text(tricky_chars, max_size=25), urls), max_size=12).map(" ".join)


@no_db
@given(bodies, voices | st.builds(Voice, shop_name=st.text(min_size=90, max_size=200)))
def test_sms_text_follows_the_sms_rules(body: str, voice: Voice) -> None:
    check_sms(sms_text(body, voice), body, voice)


@no_db
@given(tricky_text)
def test_to_gsm7_is_gsm7_idempotent_and_tidy(text: str) -> None:
    gsm = to_gsm7(text)
    assert all(ch in GSM7 for ch in gsm)
    assert to_gsm7(gsm) == gsm
    assert "  " not in gsm
    assert gsm == gsm.strip()
    assert not re.search(r" [\r\n]|[\r\n] ", gsm)


@no_db
@given(st.text(st.sampled_from(sorted(GSM7 - {"\r", "\n"})), max_size=200))
def test_to_gsm7_keeps_gsm7_text_as_it_is(text: str) -> None:
    tidy = " ".join(text.split())
    assert to_gsm7(tidy) == tidy


@no_db
@given(tricky_text.map(lambda text: re.sub("[/…€→←]", "", text)))
def test_to_gsm7_is_never_longer_than_needed(text: str) -> None:
    """Only a compatibility character ("ﬁ", "½") or a stand-in like "…" → "..." may grow; links aside."""
    assume("www." not in text.lower())
    assume(all(unicodedata.normalize("NFKD", ch) == unicodedata.normalize("NFD", ch) for ch in text))
    assert len(to_gsm7(text)) <= len(text)


# -- when will it arrive? -----------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_delivery_time_never_invents_a_date(style: str) -> None:
    voice = Voice("Bean There", "Europe/Berlin", "Ana")
    untracked = facts(tracking_url=None, tracking_number=None, carrier=None)
    no_date = delivery_time(untracked, voice, style).text
    assert "#1042" in no_date and "don't have an exact delivery date" in no_date
    tracked = delivery_time(facts(), voice, style).text
    assert "carrier's tracking" in tracked and "https://ups.example/track/1Z999" in tracked
    assert "hasn't shipped yet" in delivery_time(facts(Status.PROCESSING), voice, style).text


@pytest.mark.parametrize("style", STYLES)
def test_delivery_time_is_the_status_when_the_status_says_when(style: str) -> None:
    voice = Voice("Bean There", "Europe/Berlin", "Ana")
    for order in (
        facts(stage=DeliveryStage.OUT_FOR_DELIVERY),
        facts(Status.FULFILLED),
        facts(Status.CANCELLED),
    ):
        assert delivery_time(order, voice, style) == order_status(order, voice, style)
    assert (
        "out for delivery today"
        in delivery_time(facts(stage=DeliveryStage.OUT_FOR_DELIVERY), voice, style).text
    )


@no_db
@given(order_facts, voices)
def test_delivery_time_sms_follows_the_sms_rules(order: OrderFacts, voice: Voice) -> None:
    text = delivery_time(order, voice, "sms").text
    assert all(ch in GSM7 for ch in text)
    assert text.endswith(signature(voice))
    if order.tracking_url:
        assert to_gsm7(order.tracking_url) in text  # the link is always there, whole


def test_canned_kinds_are_all_covered() -> None:
    assert set(KINDS) == set(message_texts.REPLIES)
    assert all(
        isinstance(canned(kind, Voice("S"), "sms", **values), Composed) for kind, values in KINDS.items()
    )


def test_a_formal_shop_speaks_without_emoji_and_signs_its_messages() -> None:
    order = OrderFacts(
        "1042", Status.SHIPPED, datetime(2026, 11, 25, 9, tzinfo=UTC), tracking_url="https://t.example/1"
    )
    formal = Voice(
        "Maison Dupont", "Europe/Paris", "Chloé", signature="Service client Maison Dupont", tone="formal"
    )
    for style in ("whatsapp", "instagram"):
        text = order_status(order, formal, style).text
        assert text.startswith("Hello Chloé,")
        assert text.endswith("— Service client Maison Dupont")
        assert not any(ord(ch) > 0x2000 and ch != "—" for ch in text)  # no emoji
        assert "#1042" in text and "https://t.example/1" in text
    assert "😊" not in canned("thanks", formal, "whatsapp").text
    friendly = Voice("Bean There", "UTC", "Ana", signature="Team Bean")
    assert order_status(order, friendly, "whatsapp").text.endswith("— Team Bean")
    assert order_status(order, friendly, "sms").text.endswith("-Team Bean")
