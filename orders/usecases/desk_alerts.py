"""The desk's alerts with where each went: the alert, and its Telegram and email message's state."""

from __future__ import annotations

from datetime import datetime

from orders.model import OutboxEntry, ShopId
from orders.store import Database, DeskAlert


async def alert_page(
    db: Database, shop_id: ShopId, *, cursor: str | None, limit: int, unseen: bool
) -> tuple[list[tuple[DeskAlert, OutboxEntry | None]], str | None]:
    """A page of the shop's alerts, newest first, each with its outbox entry (None until queued), and the
    next page's cursor; ValueError for a cursor not given out here."""
    alerts, following = await db.desk_alerts.page(shop_id, cursor=cursor, limit=limit, unseen=unseen)
    entries = await db.outbox.by_keys(shop_id, [alert.key for alert in alerts]) if alerts else {}
    return [(alert, entries.get(alert.key)) for alert in alerts], following


async def mark_seen(
    db: Database, shop_id: ShopId, alert_id: str, *, by: str, now: datetime
) -> tuple[DeskAlert, OutboxEntry | None]:
    """Mark an alert seen by ``by``; NotFound for an alert of another shop."""
    alert = await db.desk_alerts.mark_seen(shop_id, alert_id, by, now)
    entries = await db.outbox.by_keys(shop_id, [alert.key])
    return alert, entries.get(alert.key)


__all__ = ["alert_page", "mark_seen"]
