"""Counting a notification's outcome: in the shop's stats, and for a customer's on its analytics day.

Every place the dispatcher learns how a notification ended (sent, delivered, failed) counts it through
``count_notification``, so the stats and the analytics page (``orders.analytics``) cannot drift apart.
Staff alerts count in the stats only: the page's delivery rates are of messages to customers.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Literal

from bot.stores import NotifierStores
from orders.analytics import notification_tally
from orders.model import OutboxKind, ShopId

Outcome = Literal["sent", "delivered", "failed"]


async def count_notification(
    stores: NotifierStores, shop_id: ShopId, outcome: Outcome, channel: str, at: datetime,
    kind: OutboxKind | None = None,
) -> None:  # fmt: skip
    """Count one ``outcome`` on ``channel`` at ``at``; ``kind`` None: not known, a customer's message."""
    counting = [stores.stats.add(shop_id, {f"notifications.{outcome}": 1})]
    if kind != OutboxKind.STAFF_ALERT:
        counting.append(stores.analytics.add(shop_id, [notification_tally(channel, outcome, at)]))
    await asyncio.gather(*counting)


__all__ = ["Outcome", "count_notification"]
