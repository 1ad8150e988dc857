"""What a person's answer will do, said before it is sent: pure, over a shop, a customer and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.answer_plan import AnswerPlan, plan_answer
from orders.model import CustomerId, CustomerRecord, NotifyPolicy, Shop
from orders.shops import new_shop

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PHONE = "+4915112345678"
NUDGE = "HX" + "e" * 32


def shop(**details: object) -> Shop:
    return new_shop("Acme Coffee", NOW, whatsapp_number="+14155238886", **details)


def customer(*, wrote_hours_ago: float | None = 1, opted_out: tuple[str, ...] = ()) -> CustomerRecord:
    wrote = {} if wrote_hours_ago is None else {"whatsapp": NOW - timedelta(hours=wrote_hours_ago)}
    return CustomerRecord(
        id=CustomerId("cus_1"), shop_id=shop().id, phones=[PHONE], last_inbound=wrote,
        preferred_channel="whatsapp" if wrote else None, opted_out=list(opted_out), created_at=NOW,
    )  # fmt: skip


def plan(
    the_shop: Shop, the_customer: CustomerRecord, channel: str | None = None, nudged: bool = False
) -> AnswerPlan:
    return plan_answer(the_shop, the_customer, None, channel, NOW, nudged=nudged)


def test_inside_the_window_the_text_goes_now() -> None:
    assert plan(shop(), customer()) == AnswerPlan(
        "whatsapp", "send", "your text goes now on WhatsApp (inside the 24-hour window)"
    )


def test_outside_the_window_a_template_goes_first_or_went_already() -> None:
    nudging = shop(notify=NotifyPolicy(whatsapp_templates={"nudge": NUDGE}))
    first = plan(nudging, customer(wrote_hours_ago=25))
    assert (first.will, first.channel) == ("template_first", "whatsapp")
    assert (
        first.explanation
        == "outside WhatsApp's 24-hour window: a template goes first, your text when they reply"
    )
    again = plan(nudging, customer(wrote_hours_ago=25), nudged=True)
    assert again.explanation.endswith("they were asked to reply already; your text goes when they reply")


def test_outside_the_window_without_a_template_it_goes_by_sms_and_says_why() -> None:
    found = plan(shop(sms_number="+14155550132"), customer(wrote_hours_ago=25))
    assert (found.will, found.channel) == ("send", "sms")
    assert found.explanation == (
        "outside the 24-hour whatsapp window with no approved template: your text goes now by SMS"
    )


def test_an_opt_out_is_refused_not_routed_around() -> None:
    found = plan(shop(sms_number="+14155550132"), customer(opted_out=("whatsapp",)))
    assert (found.will, found.refusal, found.channel) == ("refused", "opted_out", "whatsapp")
    assert plan(shop(sms_number="+14155550132"), customer(opted_out=("whatsapp",)), "sms").will == "send"


def test_nothing_reaching_the_customer_is_refused_with_the_reasons() -> None:
    found = plan(shop(), customer(wrote_hours_ago=25))
    assert (found.will, found.refusal) == ("refused", "unreachable")
    assert "outside the 24-hour whatsapp window" in found.explanation
