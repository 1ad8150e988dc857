"""How a shop speaks to a customer, and what a message may say about an order: shared by every writer of
customer messages (the conversation's answers, notifications, previews, the AI's drafts, surveys)."""

from __future__ import annotations

from bot import composer
from bot.composer import OrderFacts, Voice
from bot.languages.choice import reply_language
from orders.eta import Answer as DateAnswer
from orders.eta import Estimate
from orders.model import Order, Shop


def facts(order: Order, dates: DateAnswer | None = None) -> OrderFacts:
    """What a message may say about ``order``, with the dates learned for it when they were asked for."""
    tracking = order.tracking
    estimate = dates if isinstance(dates, Estimate) else None
    return OrderFacts(
        number=order.number,
        status=order.status,
        # carrier news on a shipped order is an update too
        updated_at=max([order.status_since, *(e.at for e in order.timeline if e.kind == "delivery")]),
        tracking_url=tracking.url if tracking else None,
        tracking_number=tracking.number if tracking else None,
        carrier=tracking.carrier if tracking else None,
        items=tuple(f"{item.quantity} x {item.title}" for item in order.items),
        total=str(order.total),
        currency=order.currency,
        stage=tracking.stage if tracking else None,
        likely=estimate.likely if estimate else None,
        arrives_by=estimate.arrives_by if estimate else None,
        short_history=dates is not None and estimate is None,
    )


def shop_voice(shop: Shop, customer_name: str | None, customer_language: str | None = None) -> Voice:
    """How this shop speaks to this customer: its name, time zone, tone, signature, its own texts, and the
    customer's language when the shop writes it (else the shop's default)."""
    language, locale = reply_language(shop.languages, customer_language)
    return Voice(
        shop.name,
        shop.timezone,
        composer.first_name(customer_name),
        shop.signature,
        shop.tone,
        language=language,
        texts=shop.message_texts,
        locale=locale,
    )
