"""Attaching a photo to an order: stored with the order, on its timeline, and sent to the customer.

Staff attach from the desk, the REST API or Telegram; each goes through ``attach``. The photo is checked and
re-encoded (``orders.images``) before anything is written, so a refused file stores nothing. A retried attach
(the same idempotency key: an API ``Idempotency-Key``, a redelivered Telegram message) finds the photo it
stored and adds nothing twice: the photo's id is made from the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from orders import domain, images
from orders.model import (
    NotificationId,
    Order,
    OrderId,
    OutboxEntry,
    OutboxKind,
    Photo,
    Shop,
    Source,
    TimelineEvent,
    new_id,
)
from orders.usecases.desk import DeskCommands
from orders.usecases.unit_of_work import retrying

#: The longest caption: what a message to the customer may say elsewhere (REST API v1, ``/notify``).
MAX_CAPTION = 2000


@dataclass(frozen=True)
class Attached:
    """What an attach did: the photo, and the notification queued for it (None with ``notify`` off)."""

    photo: Photo
    notification: OutboxEntry | None


def photo_id_for(shop: Shop, idempotency_key: str | None) -> str:
    """A new photo's id: random, or made from the idempotency key so that a retry names the same photo."""
    if not idempotency_key:
        return new_id("pho")
    digest = hashlib.sha256(f"{shop.id}\0{idempotency_key}".encode()).hexdigest()
    return f"pho_{digest[:20]}"


@dataclass(frozen=True)
class PhotoCommands:
    desk: DeskCommands

    async def attach(
        self,
        shop: Shop,
        order_id: str,
        data: bytes,
        *,
        caption: str | None,
        notify: bool,
        actor: str | None,
        source: Source,
        idempotency_key: str | None = None,
    ) -> Attached:
        """Attach the photo in ``data`` to the order; PhotoRefused/PhotoTooLarge before anything is stored,
        NotFound for another shop's order."""
        db, now = self.desk.db, self.desk.clock()
        order = await db.orders.get(shop.id, order_id)
        photo_id = photo_id_for(shop, idempotency_key)
        prepared = images.prepare(data)
        caption = caption.strip() if caption and caption.strip() else None
        photo = Photo(
            id=photo_id, shop_id=shop.id, order_id=order.id, content_type=prepared.content_type,
            width=prepared.width, height=prepared.height, size=len(prepared.content), caption=caption,
            actor=actor, created_at=now,
        )  # fmt: skip
        if not await db.photos.add(photo, prepared.content, prepared.thumbnail):
            photo = await db.photos.get(shop.id, photo_id)  # a retry: the photo stored the first time
        key = f"{OutboxKind.PHOTO}:{shop.id}:{photo.id}"
        entry = None
        if notify:
            entry = OutboxEntry(
                id=NotificationId(new_id("ntf")), shop_id=shop.id, order_id=order.id, kind=OutboxKind.PHOTO,
                channel=order.channel, status=order.status, message=caption, due_at=now, idempotency_key=key,
                actor=actor, created_at=now, photo_id=photo.id,
            )  # fmt: skip

        async def attempt() -> Order:
            current = await db.orders.get(shop.id, order.id)
            if any(event.photo_id == photo.id for event in current.timeline):
                return current  # a retry after the first one committed
            event = TimelineEvent(
                kind="photo", status=current.status, at=now, source=source, actor=actor, note=caption,
                photo_id=photo.id,
            )  # fmt: skip
            return await self.desk.uow.commit(
                current, domain.record(current, event), [entry] if entry else []
            )

        await retrying(attempt)
        queued = await db.outbox.add(entry) if entry is not None else None
        return Attached(photo, queued)

    async def photo(self, shop: Shop, order_id: str, photo_id: str) -> Photo:
        """A photo of the shop's order; NotFound for anything else."""
        return await self.desk.db.photos.of_order(shop.id, OrderId(order_id), photo_id)

    async def content(self, photo: Photo, *, thumbnail: bool = False) -> bytes:
        return await self.desk.db.photos.content(photo, thumbnail=thumbnail)

    async def by_token(self, token: str) -> Photo | None:
        """The photo a media link's token opens now; None for any token that opens nothing."""
        return await self.desk.db.photos.by_token(token, self.desk.clock())


__all__ = ["MAX_CAPTION", "Attached", "PhotoCommands", "photo_id_for"]
