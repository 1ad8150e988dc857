"""The text sent with a photo: a default per style and language, the caption in it, the shop's own text."""

from __future__ import annotations

import pytest

from bot.composer import photo_update
from bot.message_texts import LANGUAGES, STYLES, default_text, is_known, placeholders, text_key
from bot.sms_text import GSM7
from bot.voice import Voice


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("style", STYLES)
def test_every_style_and_language_has_a_default_that_carries_the_number_and_caption(
    style: str, language: str
) -> None:
    assert is_known("photo_update", "any", style, language)
    voice = Voice("Acme Coffee", first_name="Ana", language=language)
    with_caption = photo_update(voice, style, "1042", "Packed with care").text
    without = photo_update(voice, style, "1042", None).text
    assert "1042" in with_caption and "Packed with care" in with_caption
    assert "1042" in without and "{" not in without and "\n\n\n" not in without
    if style == "sms":
        assert set(with_caption) <= GSM7 and with_caption.endswith(" -Acme Coffee")


def test_the_styles_differ_as_the_platforms_do() -> None:
    texts = {style: default_text("photo_update", "any", style) for style in STYLES}
    assert len(set(texts.values())) == len(STYLES)
    assert texts["email"].startswith("Dear {first_name},") and "📸" in texts["whatsapp"]
    assert set(placeholders("photo_update")) >= {"order_number", "caption", "first_name", "shop_name"}


def test_a_shops_own_text_is_used_as_written_in_its_language() -> None:
    own = {text_key("photo_update", "any", "whatsapp", "es"): "Foto del pedido {order_number}: {caption}"}
    spanish = Voice("Acme", language="es", texts=own)
    assert photo_update(spanish, "whatsapp", "1042", "listo").text == "Foto del pedido 1042: listo"
    english = Voice("Acme", language="en", texts=own)
    assert photo_update(english, "whatsapp", "1042", "ready").text.startswith("📸 Hi! Here's a photo")
