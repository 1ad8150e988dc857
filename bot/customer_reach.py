"""What is known of an outbox entry's customer and shop, for ``bot.delivery_policy.route``.

The planner asks it when it sends an entry, and a staff answer's preview (``bot.answer_plan``) asks it
before anything is queued; kept apart so that both ask the very same question and the preview needs no
planner. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.delivery_policy import FALLBACKS, Reach
from orders.model import CustomerRecord, Order, OutboxEntry, OutboxKind, Shop


def reach(
    shop: Shop, entry: OutboxEntry, order: Order | None, customer: CustomerRecord | None, now: datetime
) -> Reach:
    """What is known of the entry's customer and the shop: the channel wanted, the addresses, the windows."""
    wanted = (
        entry.channel
        or (customer.preferred_channel if customer else None)
        or (order.channel if order else None)
    )
    offered = {
        "sms": bool(shop.sms_number), "whatsapp": bool(shop.whatsapp_number),
        "instagram": bool(shop.instagram_id), "email": shop.email is not None, "console": True,
    }  # fmt: skip
    found = Reach(
        now=now,
        wanted=wanted,
        shop_channels=frozenset(name for name, ok in offered.items() if ok),
        phone=phone_of(order, customer),
        email=order.customer.email if order else None,
        instagram_id=customer.instagram_id if customer else None,
        opted_out=frozenset(customer.opted_out if customer else ()),
        last_inbound=dict(customer.last_inbound) if customer else {},
        templates=shop.notify.whatsapp_templates,
        status=order.status.value if order and entry.kind == OutboxKind.STATUS_UPDATE else None,
        stage=order.tracking.stage if order and order.tracking else None,
        nudge_unanswered=entry.nudge_unanswered,
    )
    if entry.kind != OutboxKind.SATISFACTION:
        return found
    # the channel the customer uses, or none: a survey is not worth a second channel; on WhatsApp
    # outside the window only the shop's satisfaction template, never a nudge
    own = {key: sid for key, sid in found.templates.items() if key == "satisfaction"}
    return dataclasses.replace(
        found, status="satisfaction", stage=None, templates=own, fallbacks=() if wanted else FALLBACKS
    )


def phone_of(order: Order | None, customer: CustomerRecord | None) -> str | None:
    """The customer's phone: the one they write from, else the one on the order."""
    return (customer.phones[0] if customer and customer.phones else None) or (
        order.customer.phone if order else None
    )


__all__ = ["phone_of", "reach"]
