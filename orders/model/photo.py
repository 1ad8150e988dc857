"""A photo staff attached to an order: what is known of it beside its image bytes (kept in GridFS)."""

from __future__ import annotations

from datetime import datetime

from orders.model.base import Domain, OrderId, ShopId


class Photo(Domain):
    """One attached photo, re-encoded without metadata; ``content_type`` is that of the stored image."""

    id: str
    shop_id: ShopId
    order_id: OrderId
    content_type: str
    width: int
    height: int
    size: int
    caption: str | None = None
    actor: str | None = None
    created_at: datetime
