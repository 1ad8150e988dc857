"""Photos staff attached to orders, in GridFS, and the expiring links providers fetch them by.

GridFS keeps the images in the database itself, so every web process serves every photo and a backup of
the database holds them. Each photo is two files: the image (``_id`` the photo id) and its thumbnail
(``<photo id>/thumb``); the photo's record rides in the image file's ``metadata``, filtered on ``shop_id``
here like every other record of a shop.

A media link's token is random (``secrets.token_urlsafe(32)``: 256 bits) and only its SHA-256 is stored, so
a copy of the database opens no photo. It names one photo until it expires; the route that serves it checks
the expiry itself (a TTL index removes expired ones later, on its own schedule).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from datetime import datetime
from typing import Any

from gridfs import AsyncGridFSBucket, NoFile
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from orders.model import OrderId, Photo, ShopId
from orders.store.documents import Doc
from orders.store.errors import NotFound

BUCKET = "photos"
THUMB_SUFFIX = "/thumb"
#: A token as ``mint_token`` makes it: 32 random bytes in URL-safe base64, 43 characters.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class PhotoStore:
    """Attached photos (GridFS bucket ``photos``) and their media tokens (``media_tokens``)."""

    def __init__(self, database: AsyncDatabase[Doc], tokens: AsyncCollection[Doc]) -> None:
        self._bucket = AsyncGridFSBucket(database, bucket_name=BUCKET)
        self._files: AsyncCollection[Doc] = database[f"{BUCKET}.files"]
        self._tokens = tokens

    async def add(self, photo: Photo, content: bytes, thumbnail: bytes) -> bool:
        """Store the photo and its thumbnail; False when a photo with its id is stored already (a retry).

        The thumbnail goes first and the image last: the image's file is the record, so a photo is found
        only once both are whole.
        """
        if await self._files.find_one({"_id": photo.id}, {"_id": 1}) is not None:
            return False
        record = {**photo.model_dump(mode="python", exclude={"id"}), "photo_id": photo.id}
        with contextlib.suppress(DuplicateKeyError):  # a retry whose image was not stored: the same thumbnail
            await self._bucket.upload_from_stream_with_id(
                photo.id + THUMB_SUFFIX, f"{photo.id}-thumb.jpg", thumbnail,
                metadata={"shop_id": photo.shop_id, "content_type": "image/jpeg", "thumbnail": True},
            )  # fmt: skip
        try:
            await self._bucket.upload_from_stream_with_id(photo.id, photo.id, content, metadata=record)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, shop_id: ShopId, photo_id: str) -> Photo:
        """The photo's record; NotFound when the shop has no such photo."""
        doc = await self._files.find_one({"_id": photo_id})
        metadata: dict[str, Any] = (doc or {}).get("metadata") or {}
        if doc is None or metadata.get("shop_id") != shop_id or "photo_id" not in metadata:
            raise NotFound(f"no photo {photo_id}")
        fields = {key: value for key, value in metadata.items() if key != "photo_id"}
        return Photo(id=metadata["photo_id"], **fields)

    async def content(self, photo: Photo, *, thumbnail: bool = False) -> bytes:
        """The stored image (or thumbnail) of ``photo``, which ``get`` found for its shop."""
        try:
            stream = await self._bucket.open_download_stream(photo.id + (THUMB_SUFFIX if thumbnail else ""))
        except NoFile:
            raise NotFound(f"no photo {photo.id}") from None
        data: bytes = await stream.read()
        return data

    async def mint_token(self, photo: Photo, expires_at: datetime) -> str:
        """A new token that opens ``photo`` until ``expires_at``."""
        token = secrets.token_urlsafe(32)
        await self._tokens.insert_one(
            {"_id": _digest(token), "shop_id": photo.shop_id, "photo_id": photo.id, "expires_at": expires_at}
        )
        return token

    async def by_token(self, token: str, now: datetime) -> Photo | None:
        """The photo a live token opens; None for a malformed, unknown or expired one."""
        if not _TOKEN.fullmatch(token):
            return None
        doc = await self._tokens.find_one({"_id": _digest(token)})
        if doc is None or doc["expires_at"] <= now:
            return None
        try:
            return await self.get(ShopId(doc["shop_id"]), doc["photo_id"])
        except NotFound:
            return None

    async def of_order(self, shop_id: ShopId, order_id: OrderId, photo_id: str) -> Photo:
        """The photo, when it belongs to that order of that shop; else NotFound."""
        photo = await self.get(shop_id, photo_id)
        if photo.order_id != order_id:
            raise NotFound(f"no photo {photo_id} on order {order_id}")
        return photo


__all__ = ["BUCKET", "PhotoStore"]
