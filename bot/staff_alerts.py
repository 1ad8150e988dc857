"""Alerts to staff from the attention scan: once per order and reason, again only after it went away.

The scan reads each shop's attention queue, records each new (order, reason) in ``alerts`` before it queues
one staff alert per order (to the desk, Telegram and the staff's email: ``bot.staff_deliveries``) (an outbox
entry keyed by the alert, so a crash in between queues it on the next scan and never twice), and forgets an
alert whose reason is gone, so that a later recurrence alerts again. Alerts about a failed notification carry
one-tap Retry buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.staff.attention_list import render_alert
from bot.staff.keyboards import retry_buttons
from bot.stores import StaffAlertStores
from channels.telegram import Button
from orders import rules
from orders.model import FAILED_STATES as _FAILED
from orders.model import NotificationId, Order, OrderId, OutboxEntry, OutboxKind, Shop, new_id
from orders.store import NotFound
from orders.usecases import AttentionQueue

log = logging.getLogger(__name__)

SCAN_LIMIT = 500


class StaffAlerts:
    def __init__(
        self, attention: AttentionQueue, clock: Callable[[], datetime], *, stores: StaffAlertStores
    ) -> None:
        self.attention = attention
        self.stores = stores
        self.clock = clock

    async def scan(self) -> int:
        """Alert staff of every shop about what newly needs attention; returns how many alerts."""
        alerted = 0
        for shop in await self.stores.shops.list():  # every shop: the desk shows alerts nobody else gets
            alerted += await self.scan_shop(shop)
        return alerted

    async def scan_shop(self, shop: Shop) -> int:
        now = self.clock()
        items = await self.attention.requiring_attention(shop, limit=SCAN_LIMIT)
        current = {(item.order.id, reason.value) for item in items for reason in item.reasons}
        alerted = 0
        for item in items:
            tokens = {}
            for reason in item.reasons:
                if (
                    token := await self.stores.alerts.record(shop.id, item.order.id, reason.value, now)
                ) is not None:
                    tokens[reason.value] = token
            if tokens:
                await self._queue(shop, item.order, tokens)
                alerted += 1
        for alert in await self.stores.alerts.for_shop(shop.id):
            key = (alert["order_id"], alert["reason"])
            if key not in current and await self._gone(shop, alert["order_id"], alert["reason"], now):
                await self.stores.alerts.clear(shop.id, *key)
            elif not alert.get("queued"):  # recorded, then the process stopped before it was queued
                order = await self.stores.orders.get(shop.id, alert["order_id"])
                await self._queue(shop, order, {alert["reason"]: alert["token"]})
        return alerted

    async def _gone(self, shop: Shop, order_id: str, reason: str, now: datetime) -> bool:
        """Whether the reason no longer holds (the scan's list is capped, so ask the order itself)."""
        try:
            order = await self.stores.orders.get(shop.id, order_id)
        except NotFound:
            return True
        return reason not in {r.value for r in rules.attention_reasons(order, shop.rules, now)}

    async def _queue(self, shop: Shop, order: Order, tokens: dict[str, str]) -> None:
        failure = await self._last_failure(shop, order.id) if "notification_failed" in tokens else None
        now = self.clock()
        entry = OutboxEntry(
            id=NotificationId(new_id("ntf")), shop_id=shop.id, order_id=order.id, kind=OutboxKind.STAFF_ALERT,
            channel="telegram", status=order.status, due_at=now, created_at=now,
            message=render_alert(order, list(tokens), failure.error if failure else None),
            idempotency_key="attention:" + ":".join(sorted(tokens.values())),
        )  # fmt: skip
        await self.stores.outbox.add(entry)
        for reason in tokens:
            await self.stores.alerts.queued(shop.id, order.id, reason)

    async def _last_failure(self, shop: Shop, order_id: OrderId) -> OutboxEntry | None:
        entries = await self.stores.outbox.for_order(shop.id, order_id)
        failed = [e for e in entries if e.state in _FAILED and e.kind != OutboxKind.STAFF_ALERT]
        return failed[-1] if failed else None

    async def buttons(self, entry: OutboxEntry) -> Sequence[Sequence[Button]]:
        """Retry buttons under an alert about the order's failed notification (none otherwise)."""
        if entry.kind != OutboxKind.STAFF_ALERT or entry.order_id is None:
            return []
        try:
            order = await self.stores.orders.get(entry.shop_id, entry.order_id)
        except NotFound:
            return []
        shop = await self.stores.shops.get(entry.shop_id)
        failure = await self._last_failure(shop, order.id)
        return retry_buttons(order, failure.channel if failure else None)


__all__ = ["StaffAlerts"]
