"""Customers' own languages: intents in each, the language remembered only on a clear signal, and the
answers written in it (default texts per style, dates and money by Babel, the shop's own texts first)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import message_texts
from bot.composer import Voice, canned, delivery_time, order_status, several_orders
from bot.intents import Intent, parse
from bot.languages.choice import reply_language
from bot.languages.detect import language_after
from bot.message_texts import text_key
from bot.order_words import OrderFacts
from bot.templating import check
from orders.lifecycle import DeliveryStage, Status

# (language, message, intent, order number): phrasings written here, one or more per intent and language.
TABLE = [
    ("es", "¿Dónde está mi pedido 1042?", Intent.ORDER_STATUS, "1042"),
    ("es", "hola, ¿cuándo llega mi pedido?", Intent.DELIVERY_TIME, None),
    ("es", "¿me pasas el número de seguimiento?", Intent.TRACKING, None),
    ("es", "quiero ver mis pedidos", Intent.LIST_ORDERS, None),
    ("es", "quiero cancelar el pedido 1042", Intent.CANCEL_REQUEST, "1042"),
    ("es", "necesito cambiar la dirección de entrega", Intent.CHANGE_ORDER, None),
    ("es", "me llegó el jarrón roto", Intent.COMPLAINT, None),
    ("es", "quiero un reembolso del pedido 1042", Intent.REFUND, "1042"),
    ("es", "quiero hablar con una persona", Intent.HUMAN, None),
    ("es", "no me envíes más mensajes", Intent.OPT_OUT, None),
    ("es", "¡muchas gracias!", Intent.THANKS, None),
    ("es", "¿qué métodos de pago aceptan?", Intent.OTHER, None),
    ("pt", "cadê meu pedido 1042?", Intent.ORDER_STATUS, "1042"),
    ("pt", "quando chega minha encomenda?", Intent.DELIVERY_TIME, None),
    ("pt", "qual é o código de rastreio?", Intent.TRACKING, None),
    ("pt", "quero cancelar meu pedido", Intent.CANCEL_REQUEST, None),
    ("pt", "preciso mudar o endereço de entrega", Intent.CHANGE_ORDER, None),
    ("pt", "o produto veio quebrado", Intent.COMPLAINT, None),
    ("pt", "quero o meu dinheiro de volta", Intent.REFUND, None),
    ("pt", "quero falar com um atendente", Intent.HUMAN, None),
    ("pt", "não quero receber mais mensagens", Intent.OPT_OUT, None),
    ("pt", "obrigada!", Intent.THANKS, None),
    ("fr", "où est ma commande 1042 ?", Intent.ORDER_STATUS, "1042"),
    ("fr", "quand est-ce que mon colis arrivera ?", Intent.DELIVERY_TIME, None),
    ("fr", "vous avez le numéro de suivi ?", Intent.TRACKING, None),
    ("fr", "je voudrais annuler ma commande", Intent.CANCEL_REQUEST, None),
    ("fr", "je dois changer l'adresse de livraison", Intent.CHANGE_ORDER, None),
    ("fr", "le produit est arrivé cassé", Intent.COMPLAINT, None),
    ("fr", "je veux être remboursé", Intent.REFUND, None),
    ("fr", "je veux parler à un conseiller", Intent.HUMAN, None),
    ("fr", "merci beaucoup", Intent.THANKS, None),
    ("de", "Wo ist meine Bestellung 1042?", Intent.ORDER_STATUS, "1042"),
    ("de", "Wann kommt mein Paket an?", Intent.DELIVERY_TIME, None),
    ("de", "Haben Sie eine Sendungsnummer für mich?", Intent.TRACKING, None),
    ("de", "Ich möchte meine Bestellung stornieren", Intent.CANCEL_REQUEST, None),
    ("de", "Ich möchte meine Lieferadresse ändern", Intent.CHANGE_ORDER, None),
    ("de", "Die Tasse ist kaputt angekommen", Intent.COMPLAINT, None),
    ("de", "Ich hätte gern eine Rückerstattung", Intent.REFUND, None),
    ("de", "Kann ich mit einem Mitarbeiter sprechen?", Intent.HUMAN, None),
    ("de", "Vielen Dank!", Intent.THANKS, None),
    ("it", "dov'è il mio ordine 1042?", Intent.ORDER_STATUS, "1042"),
    ("it", "quando arriva il pacco?", Intent.DELIVERY_TIME, None),
    ("it", "mi mandi il tracking?", Intent.TRACKING, None),
    ("it", "vorrei annullare l'ordine", Intent.CANCEL_REQUEST, None),
    ("it", "devo cambiare l'indirizzo di consegna", Intent.CHANGE_ORDER, None),
    ("it", "il pacco è arrivato danneggiato", Intent.COMPLAINT, None),
    ("it", "vorrei un rimborso", Intent.REFUND, None),
    ("it", "posso parlare con un operatore?", Intent.HUMAN, None),
    ("it", "non voglio più ricevere messaggi", Intent.OPT_OUT, None),
    ("it", "grazie mille", Intent.THANKS, None),
]


@pytest.mark.parametrize(("language", "text", "intent", "number"), TABLE)
def test_each_intent_is_understood_in_each_language(
    language: str, text: str, intent: Intent, number: str | None
) -> None:
    got = parse(text, language)
    assert (got.intent, got.order_number) == (intent, number)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "cancelar 1042"),  # too short for a language: every language's words are tried
        ("de", "stornieren 1042"),
    ],
)
def test_a_request_is_understood_before_the_language_is_known(language: str, text: str) -> None:
    assert parse(text, None).intent == Intent.CANCEL_REQUEST


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "quiero cancelar mi suscripción a la newsletter"),
        ("es", "no cancelen el pedido, por favor"),
        ("de", "Ich möchte mein Konto kündigen"),
        ("de", "Bitte nicht stornieren"),
        ("fr", "je veux annuler mon abonnement"),
        ("fr", "ne l'annulez pas"),
        ("it", "come posso cancellare il mio account?"),
        ("pt", "quero cancelar minha assinatura"),
        ("pt", "não quero cancelar o pedido"),
    ],
)
def test_a_negation_or_another_object_never_cancels_an_order(language: str, text: str) -> None:
    assert parse(text, language).intent != Intent.CANCEL_REQUEST


# -- which language ------------------------------------------------------------------------------------


def test_a_clear_sentence_sets_the_language_and_a_short_one_never_flips_it() -> None:
    assert language_after(None, "¿Dónde está mi pedido? Lo pedí hace una semana") == "es"
    for short in ("ok", "hola", "1042", "#1042", "si", "vale", "👍", "https://x.example/1042"):
        assert language_after("de", short) == "de", short
    assert language_after("es", "Hallo, wo ist meine Bestellung bitte?") == "de"


def test_a_new_customer_gets_a_language_from_one_clear_word_but_not_from_an_ambiguous_one() -> None:
    assert language_after(None, "gracias") == "es"
    assert language_after(None, "danke") == "de"
    assert language_after(None, "ok") is None
    assert language_after(None, "1042") is None


def test_the_shop_answers_in_the_customers_language_only_when_it_writes_it() -> None:
    assert reply_language(["en", "es"], "es") == ("es", "es")
    assert reply_language(["en", "pt-BR"], "pt") == ("pt", "pt-BR")
    assert reply_language(["de", "en"], "it") == ("de", "de")
    assert reply_language(["en"], None) == ("en", "en")


# -- what is said ---------------------------------------------------------------------------------------

SHIPPED = OrderFacts(
    "1042", Status.SHIPPED, datetime(2026, 12, 7, 13, 5, tzinfo=UTC), tracking_url="https://ups.example/1Z9",
    total="1234.5", currency="EUR",
)  # fmt: skip


def voice(language: str, texts: dict[str, str] | None = None, locale: str | None = None) -> Voice:
    return Voice("Bean There", "Europe/Madrid", "Ana", language=language, texts=texts or {}, locale=locale)


def test_the_status_message_speaks_the_customers_language_in_every_style() -> None:
    chat = order_status(SHIPPED, voice("es"), "whatsapp").text
    assert chat.startswith("¡Hola Ana! Tu pedido #1042 está en camino (75 % completado).")
    assert "Última actualización: 7 dic, 14:05" in chat  # Babel, in the shop's time zone
    sms = order_status(SHIPPED, voice("es"), "sms").text
    assert sms == "Pedido #1042: en camino (75 %). Seguimiento: https://ups.example/1Z9 -Bean There"
    email = order_status(SHIPPED, voice("de"), "email")
    assert email.subject == "Bean There: Bestellung #1042 unterwegs"
    assert "Gesamtbetrag: 1.234,50 €" in email.text and "Mit freundlichen Grüßen" in email.text
    assert "1 234,50 €" in order_status(SHIPPED, voice("fr"), "email").text.replace("\u202f", " ")
    assert "R$ 1.234,50" in order_status(
        OrderFacts("9", Status.SHIPPED, SHIPPED.updated_at, total="1234.5", currency="BRL"),
        voice("pt", locale="pt-BR"), "email",
    ).text.replace("\xa0", " ")  # fmt: skip


def test_the_carriers_stage_and_a_cancelled_order_are_told_in_the_language() -> None:
    out = OrderFacts("1042", Status.SHIPPED, SHIPPED.updated_at, stage=DeliveryStage.OUT_FOR_DELIVERY)
    assert "ist heute in der Zustellung" in order_status(out, voice("de"), "whatsapp").text
    cancelled = OrderFacts("1042", Status.CANCELLED, SHIPPED.updated_at)
    assert "è annullato." in order_status(cancelled, voice("it"), "whatsapp").text
    assert "%" not in order_status(cancelled, voice("it"), "whatsapp").text


def test_replies_lists_and_delivery_dates_are_in_the_language() -> None:
    assert canned("other", voice("fr"), "instagram", topic="payments").text.startswith(
        "Je ne peux pas vous aider pour les paiements"
    )
    refund = canned(
        "refund", voice("pt"), "whatsapp", what="return", about=" for order #1042", order_number="1042"
    )
    assert refund.text.startswith("Passei a sua solicitação de devolução do pedido #1042")
    closed = canned("cancel_closed", voice("es"), "whatsapp", number="1042", status="shipped").text
    assert closed.startswith("El pedido #1042 ya está en camino")
    listed = several_orders([SHIPPED], voice("it"), "whatsapp").text
    assert listed.startswith("Ecco i tuoi ultimi ordini 📋\n#1042: in viaggio (75%)")
    pending = OrderFacts("1043", Status.PROCESSING, SHIPPED.updated_at)
    assert "todavía no hay fecha de entrega" in delivery_time(pending, voice("es"), "whatsapp").text


def test_a_shops_text_wins_in_the_language_it_was_written_in_and_only_there() -> None:
    key = text_key("order_status", "shipped", "whatsapp", "es")
    own = {key: "¡{first_name}, tu pedido {order_number} va {status}!", key[:-2] + "en": "Shipped!"}
    assert order_status(SHIPPED, voice("es", own), "whatsapp").text == "¡Ana, tu pedido 1042 va en camino!"
    assert order_status(SHIPPED, voice("de", own), "whatsapp").text.startswith("Hallo Ana! Deine Bestellung")


@pytest.mark.parametrize("language", [code for code in message_texts.LANGUAGES if code != "en"])
def test_every_text_has_a_default_in_every_language_with_only_known_placeholders(language: str) -> None:
    for kind in message_texts.kinds():
        for status in message_texts.statuses(kind):
            for style in message_texts.STYLES:
                text = message_texts.default_text(kind, status, style, language)
                assert text and text != message_texts.default_text(kind, status, style)
                check(text, message_texts.placeholders(kind))
