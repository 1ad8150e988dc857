"""A shop's own texts as pure logic: placeholders, rendering, the composer's choice of text, SMS cost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import message_texts
from bot.composer import OrderFacts, Voice, canned, order_status, several_orders
from bot.message_texts import text_key
from bot.templating import TemplateError, check, placeholders, render
from channels.sms_encoding import sms_cost
from orders.lifecycle import DeliveryStage, Status

SHIPPED = OrderFacts(
    number="1042",
    status=Status.SHIPPED,
    updated_at=datetime(2026, 11, 25, 13, 5, tzinfo=UTC),
    tracking_url="https://ups.example/1Z9",
)


def voice(texts: dict[str, str], language: str = "en", name: str | None = "Ana") -> Voice:
    return Voice("Bean There", "Europe/Berlin", name, texts=texts, language=language)


# -- placeholders ---------------------------------------------------------------------------------------


def test_placeholders_are_names_in_braces_and_doubled_braces_are_literal() -> None:
    assert placeholders("Hi {first_name}, {{not_one}} #{order_number} {first_name}") == [
        "first_name",
        "order_number",
    ]
    assert render("{{literal}} {first_name}", {"first_name": "Ana"}) == "{literal} Ana"


def test_an_unknown_placeholder_is_refused_naming_it_and_what_may_be_used() -> None:
    with pytest.raises(TemplateError) as refused:
        check("Hi {first_name}, {parcel} {colour}", ("first_name", "shop_name"))
    assert refused.value.unknown == ("parcel", "colour")
    assert "{parcel}, {colour}" in str(refused.value) and "{shop_name}" in str(refused.value)


@pytest.mark.parametrize(
    "text", ["Hi {first_name", "Hi first_name}", "{first_name.__class__}", "{first_name!r}", "{0}", "{ }"]
)
def test_anything_else_in_braces_is_refused(text: str) -> None:
    with pytest.raises(TemplateError):
        check(text, ("first_name",))


def test_an_empty_placeholder_takes_its_space_and_an_empty_line_goes() -> None:
    text = "Hi {first_name}!\nTrack: {tracking_url}\nExpected {eta}.\nThanks"
    assert render(text, {"first_name": None, "eta": ""}) == "Hi!\nThanks"
    assert render(text, {"first_name": "Ana", "tracking_url": "u", "eta": "today"}) == (
        "Hi Ana!\nTrack: u\nExpected today.\nThanks"
    )


def test_a_value_cannot_break_the_texts_layout() -> None:
    assert render("Order {order_number} ok", {"order_number": "10\n42\t x"}) == "Order 10 42 x ok"


def test_a_reply_value_that_starts_with_its_space_keeps_it() -> None:
    texts = {text_key("complaint", "any", "console", "en"): "Sorry! Passed to our team{about}."}
    said = canned("complaint", voice(texts), "console", about=" about order #1042")
    assert said.text == "Sorry! Passed to our team about order #1042."


def test_every_default_text_uses_only_placeholders_its_kind_knows() -> None:
    for kind in message_texts.kinds():
        for status in message_texts.statuses(kind):
            for style in message_texts.STYLES:
                check(message_texts.default_text(kind, status, style), message_texts.placeholders(kind))


# -- the composer speaks the shop's words ---------------------------------------------------------------


def test_the_shops_text_replaces_the_status_message_on_its_style_only() -> None:
    texts = {text_key("order_status", "shipped", "sms", "en"): "{order_number} is {status}: {tracking_url}"}
    assert order_status(SHIPPED, voice(texts), "sms").text == "1042 is shipped: https://ups.example/1Z9"
    assert "on its way" in order_status(SHIPPED, voice(texts), "whatsapp").text
    pending = OrderFacts("1043", Status.PENDING, SHIPPED.updated_at)
    assert "received" in order_status(pending, voice(texts), "sms").text  # another status: the default


def test_a_text_speaks_only_the_language_it_was_written_in() -> None:
    english = {text_key("greeting", "any", "sms", "en"): "Hello {first_name}"}
    spanish = {**english, text_key("greeting", "any", "sms", "es"): "Hola {first_name}"}
    assert canned("greeting", voice(spanish, "es"), "sms").text == "Hola Ana"
    assert canned("greeting", voice(spanish, "en"), "sms").text == "Hello Ana"
    # a customer answered in another language gets that language's default, not the shop's English words
    assert canned("greeting", voice(english, "es"), "sms").text.startswith(
        "¡Hola! Enviame tu numero de pedido"
    )
    assert canned("greeting", voice(spanish, "fr"), "sms").text.startswith("Bonjour ! Envoyez-moi")
    assert canned("greeting", voice({}, "en"), "sms").text.startswith("Hi! Send me your order number")


def test_a_shops_reply_keeps_its_own_characters_and_values() -> None:
    texts = {text_key("cancel_closed", "any", "sms", "en"): "Pedido {order_number} já está {status} ✓"}
    said = canned("cancel_closed", voice(texts), "sms", number="1042", status="fulfilled")
    assert said.text == "Pedido 1042 já está fulfilled ✓"  # as written: not made GSM-7, not signed


def test_the_order_list_keeps_its_lines_inside_the_shops_text() -> None:
    texts = {text_key("several_orders", "any", "whatsapp", "en"): "{first_name}, your orders:\n{orders}\nBye"}
    other = OrderFacts("1041", Status.PROCESSING, SHIPPED.updated_at)
    said = several_orders([SHIPPED, other], voice(texts), "whatsapp").text
    assert said == "Ana, your orders:\n#1042: shipped (75%)\n#1041: processing (50%)\nBye"


def test_eta_says_only_what_the_carrier_or_status_says() -> None:
    texts = {text_key("order_status", "shipped", "console", "en"): "#{order_number}\nArrives: {eta}"}
    out = OrderFacts("1042", Status.SHIPPED, SHIPPED.updated_at, stage=DeliveryStage.OUT_FOR_DELIVERY)
    assert order_status(out, voice(texts), "console").text == "#1042\nArrives: today"
    assert order_status(SHIPPED, voice(texts), "console").text == "#1042"


# -- what an SMS costs ----------------------------------------------------------------------------------


def test_gsm7_fits_160_in_one_segment_and_153_in_each_part() -> None:
    assert sms_cost("a" * 160).segments == 1
    assert (sms_cost("a" * 161).encoding, sms_cost("a" * 161).segments) == ("GSM-7", 2)
    assert sms_cost("a" * 306).segments == 2 and sms_cost("a" * 307).segments == 3
    assert sms_cost("é ü à ñ").encoding == "GSM-7"  # accents GSM-7 has


def test_extension_characters_cost_two_septets() -> None:
    assert sms_cost("€" * 80).units == 160 and sms_cost("€" * 80).segments == 1
    assert sms_cost("€" * 81).segments == 2


def test_an_accent_gsm7_lacks_sends_the_whole_text_as_ucs2() -> None:
    cost = sms_cost("Olá, o seu pedido está a caminho" + "." * 38)
    assert (cost.encoding, cost.units, cost.segments) == ("UCS-2", 70, 1)
    assert cost.non_gsm == ("á",)
    assert sms_cost("ç" * 71).segments == 2 and sms_cost("ç" * 135).segments == 3
    assert sms_cost("📦").units == 2  # beyond the BMP: two UTF-16 units
