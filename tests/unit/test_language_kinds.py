"""The kinds of mistake the parser made on other people's questions in five languages, in phrasings written here.

Each kind is a rule about meaning, not about one sentence: a question about shipping in general is not about
an order, a parcel with an item short is a complaint, an e-mail or a password is an account topic and not an
address, a cancel the shop or the carrier already made is news and not a request, a discount code that does
not work is not a damaged item. The rows are read as the service reads them: the language detected first.
"""

from __future__ import annotations

import pytest

from bot.intents import Intent, parse
from bot.languages.detect import language_after

#: A time question may be answered with the shop's usual time or its shipping options; never an order's status.
TIME = {Intent.DELIVERY_TIME, Intent.OTHER}
COST = {Intent.OTHER}
GENERAL_SHIPPING = [
    ("es", "¿Cuánto tiempo tardan los envíos a Canarias?", TIME),
    ("es", "¿Cuánto cuesta el envío a Portugal?", COST),
    ("de", "Was kostet der Versand nach Österreich?", COST),
    ("de", "Wie lange ist die Versanddauer nach Italien?", TIME),
    ("fr", "Quel est le prix de la livraison en Belgique ?", COST),
    ("fr", "En combien de temps livrez-vous en Suisse ?", TIME),
    ("it", "Quanto costa la spedizione in Svizzera?", COST),
    ("it", "Quanto ci vuole per la consegna in Sardegna?", TIME),
    ("pt", "Qual é o valor do frete para os Açores?", COST),
    ("pt", "Quanto demora a entrega para o Porto?", TIME),
]

AN_ITEM_SHORT = [
    ("es", "Pedí tres camisetas y solo me llegó una", Intent.COMPLAINT),
    ("es", "No me han llegado todos los productos del pedido", Intent.COMPLAINT),
    ("es", "Me llegó el correo de confirmación pero no el paquete", Intent.COMPLAINT),
    ("de", "Ich habe nicht alle Artikel meiner Bestellung erhalten", Intent.COMPLAINT),
    ("de", "Es kam nur ein Teil meiner Bestellung an", Intent.COMPLAINT),
    ("de", "Die Rechnung ist schon da, aber nicht die Ware", Intent.COMPLAINT),
    ("fr", "Je n'ai reçu qu'un seul des deux articles commandés", Intent.COMPLAINT),
    ("fr", "J'ai bien reçu la facture mais pas le colis", Intent.COMPLAINT),
    ("it", "Mi è arrivato solo un articolo su tre", Intent.COMPLAINT),
    ("it", "Non ho ricevuto tutti i prodotti che ho ordinato", Intent.COMPLAINT),
    ("it", "Il pacco è tornato al mittente, cosa succede adesso?", Intent.COMPLAINT),
    ("pt", "Comprei dois produtos, por que só recebi um?", Intent.COMPLAINT),
    ("pt", "Não recebi todos os produtos da encomenda", Intent.COMPLAINT),
    ("pt", "Chegou a nota fiscal mas não o pedido", Intent.COMPLAINT),
]

ACCOUNT_NOT_ADDRESS = [
    ("es", "Quiero cambiar mi dirección de correo electrónico", Intent.OTHER),
    ("de", "Wie ändere ich meine E-Mail-Adresse?", Intent.OTHER),
    ("fr", "Comment changer mon adresse e-mail ?", Intent.OTHER),
    ("it", "Vorrei cambiare l'indirizzo email del mio account", Intent.OTHER),
    ("pt", "Quero alterar o meu endereço de e-mail", Intent.OTHER),
]

CODES_ARE_NOT_ITEMS = [
    ("es", "El cupón de descuento no funciona", Intent.OTHER),
    ("de", "Mein Gutscheincode funktioniert nicht", Intent.OTHER),
    ("fr", "Mon code de réduction ne fonctionne pas", Intent.OTHER),
    ("it", "Il codice sconto non funziona", Intent.OTHER),
    ("pt", "Meu cupom de desconto não funciona", Intent.OTHER),
]

A_WRONG_ADDRESS_OR_A_LATE_CHANGE = [
    ("es", "Me equivoqué de dirección al hacer el pedido", Intent.CHANGE_ORDER),
    ("de", "Ich habe mich bei der Adresse vertippt", Intent.CHANGE_ORDER),
    ("de", "Kann ich die Bestellung nachträglich noch ändern?", Intent.CHANGE_ORDER),
    ("fr", "Je me suis trompée d'adresse de livraison", Intent.CHANGE_ORDER),
    ("pt", "Errei o endereço de entrega", Intent.CHANGE_ORDER),
    ("it", "Posso aggiungere un prodotto ad un ordine già pagato?", Intent.CHANGE_ORDER),
]


@pytest.mark.parametrize(("language", "text", "intents"), GENERAL_SHIPPING)
def test_shipping_in_general_is_not_about_an_order(language: str, text: str, intents: set[Intent]) -> None:
    assert language_after(None, text) == language
    assert parse(text, language).intent in intents


@pytest.mark.parametrize(
    ("language", "text", "intent"),
    AN_ITEM_SHORT + ACCOUNT_NOT_ADDRESS + CODES_ARE_NOT_ITEMS + A_WRONG_ADDRESS_OR_A_LATE_CHANGE,
)
def test_each_kind_is_read_as_meant(language: str, text: str, intent: Intent) -> None:
    assert language_after(None, text) == language
    assert parse(text, language).intent == intent


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "¿Por qué se canceló mi pedido?"),
        ("de", "Meine Bestellung wurde vom Händler storniert, warum?"),
        ("fr", "Ma commande a été annulée sans raison"),
        ("it", "Il mio ordine è stato annullato dal corriere"),
        ("pt", "Meu pedido foi cancelado, por quê?"),
        ("en", "why was my order cancelled?"),
    ],
)
def test_a_cancel_already_made_is_a_question_about_the_order(language: str, text: str) -> None:
    assert parse(text, language).intent in (Intent.ORDER_STATUS, Intent.TRACKING)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancelar este pedido", Intent.CANCEL_REQUEST),  # the English "pedido" is only a status word
        ("não quero cancelar o pedido", Intent.ORDER_STATUS),  # a negation in one language holds in all
        ("my discount code doesn't work", Intent.OTHER),
        ("please change my email address", Intent.OTHER),
        ("the parcel was returned to sender", Intent.COMPLAINT),
    ],
)
def test_a_request_in_any_language_beats_a_question_and_the_rules_hold_in_english(
    text: str, intent: Intent
) -> None:
    assert parse(text, None).intent == intent
