"""What a draft may claim: only the facts' numbers, the last update's month and weekday, no promises, and
the customer's language (``bot.ai.claims``), and ``check_draft`` refusing a draft that claims more."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ai import check_draft
from bot.ai.claims import check_claims, invented_dates, invented_numbers, promises, wrong_language
from bot.composer import OrderFacts, Voice
from orders.lifecycle import Status

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday 2 November, 10:00 in Berlin
KNOWN = "1042 shipped 75 02 Nov, 10:00 UPS 2 x Espresso beans 500g Acme Coffee 2026"
FACTS = OrderFacts(number="1042", status=Status.SHIPPED, updated_at=MONDAY, carrier="UPS",
                   items=("2 x Espresso beans 500g",))  # fmt: skip
SPANISH = Voice("Acme Coffee", "Europe/Berlin", "Ana", language="es")


def test_numbers_must_be_in_the_facts() -> None:
    assert invented_numbers("Order #1042: 2 bags of 500g, 75% done.", KNOWN) == set()
    assert invented_numbers("Order #1042 arrives in 3 days.", KNOWN) == {3}
    assert invented_numbers("Order #1042, updated 2 Nov at 10:00.", KNOWN) == set()


@pytest.mark.parametrize(
    ("text", "language", "invented"),
    [
        ("Updated on Monday, 2 November.", "en", []),
        ("Arrives on Thursday.", "en", ["thursday"]),
        ("Arrives in December.", "en", ["december"]),
        ("Actualizado el lunes 2 de noviembre.", "es", []),
        ("Llega el jueves.", "es", ["jueves"]),
        ("Ankunft im Dezember.", "de", ["dezember"]),
        ("Your order may take a while.", "en", []),  # "may" the verb, not the month
    ],
)
def test_months_and_weekdays_must_be_the_last_updates(text: str, language: str, invented: list[str]) -> None:
    assert invented_dates(text, MONDAY, "Europe/Berlin", language) == invented


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("It will be with you tomorrow!", "en"),
        ("We guarantee delivery.", "en"),
        ("Here is a discount for the wait.", "en"),
        ("Llegará mañana.", "es"),
        ("Te devolveremos el dinero: reembolso completo.", "es"),
        ("Sie erhalten einen Gutschein.", "de"),
        ("Arriverà domani.", "it"),
        ("Livraison gratuite la prochaine fois.", "fr"),
        ("Chega amanhã.", "pt"),
    ],
)
def test_promises_are_refused(text: str, language: str) -> None:
    assert promises(text, language)


def test_a_plain_status_promises_nothing() -> None:
    assert promises("Your order #1042 is on its way with UPS.", "en") == []
    assert promises("Tu pedido #1042 está en camino con UPS.", "es") == []


def test_the_language_must_be_the_customers() -> None:
    names = ("UPS", "Acme Coffee", "Espresso beans")
    assert wrong_language("Tu pedido ya está en camino con UPS, ¡gracias por tu compra!", "es", names) is None
    assert wrong_language("Your order is on its way with UPS, thanks for shopping!", "es", names) == "en"
    assert wrong_language("Acme Coffee: Espresso beans", "de", names) is None  # nothing left to judge


def test_check_claims_names_the_first_problem() -> None:
    assert check_claims("Order #1042 is on its way.", KNOWN, MONDAY, "Europe/Berlin", "en", ()) is None
    problem = check_claims("Order #1042 arrives in 3 days.", KNOWN, MONDAY, "Europe/Berlin", "en", ())
    assert problem is not None and "numbers" in problem


@pytest.mark.parametrize(
    "text",
    [
        "¡Hola Ana! Tu pedido #1042 llega el 5 de noviembre.",
        "¡Hola Ana! Tu pedido #1042 llega el jueves con UPS.",
        "¡Hola Ana! Tu pedido #1042 llegará pronto con UPS.",
        "Hi Ana! Your order #1042 is on its way with UPS, thanks for waiting.",
    ],
)
def test_check_draft_refuses_what_the_facts_do_not_say(text: str) -> None:
    assert check_draft(text, FACTS, SPANISH, "whatsapp") is None


def test_check_draft_takes_a_spanish_draft_for_a_spanish_customer() -> None:
    text = "¡Hola Ana! 🚚 Tu pedido #1042 (2 x Espresso beans 500g) ya está en camino con UPS."
    assert check_draft(text, FACTS, SPANISH, "whatsapp") == text
