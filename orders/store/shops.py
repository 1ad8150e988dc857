"""Shops, their secrets sealed in the document mapping itself, so no caller can store one in clear."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.crypto import SecretBox
from orders.model import Shop, ShopId
from orders.store.documents import Doc, from_doc, to_doc
from orders.store.errors import AlreadyExists, NotFound

#: The shop's secrets, stored sealed (``orders.crypto``): dotted paths into the shop's document.
SHOP_SECRET_FIELDS = (
    "webhook_secret",
    "shopify_secret",
    "woocommerce_secret",
    "email.password",
    "aftership_webhook_secret",
    "aftership_api_key",
    "easypost_webhook_secret",
    "easypost_api_key",
)


def _map_secrets(doc: Doc, change: Callable[[str, str], str]) -> Doc:
    """``doc`` with each secret field present replaced by ``change(value, context)``."""
    doc = dict(doc)
    for path in SHOP_SECRET_FIELDS:
        parent, _, field = path.rpartition(".")
        holder = doc
        if parent:
            if not isinstance(doc.get(parent), Mapping):
                continue
            holder = doc[parent] = dict(doc[parent])
        if isinstance(holder.get(field), str):
            holder[field] = change(holder[field], f"{doc['_id']}/{path}")
    return doc


class ShopStore:
    """Shops, their secrets sealed in the document mapping itself, so no caller can store one in clear."""

    def __init__(self, collection: AsyncCollection[Doc], box: SecretBox) -> None:
        self._shops = collection
        self._box = box

    def _doc_of(self, shop: Shop) -> Doc:
        return _map_secrets(to_doc(shop), self._box.seal)

    def _shop_of(self, doc: Mapping[str, Any]) -> Shop:
        return from_doc(Shop, _map_secrets(dict(doc), self._box.open))

    async def add(self, shop: Shop) -> None:
        try:
            await self._shops.insert_one(self._doc_of(shop))
        except DuplicateKeyError as exc:
            raise AlreadyExists("a shop already uses one of these channel addresses") from exc

    async def get(self, shop_id: ShopId) -> Shop:
        doc = await self._shops.find_one({"_id": shop_id})
        if doc is None:
            raise NotFound(f"unknown shop {shop_id}")
        return self._shop_of(doc)

    async def reseal_all(self) -> tuple[int, int]:
        """Seal every shop's secrets with the newest key (plaintext from before included).

        Returns (shops changed, shops seen). Each shop is one compare-and-set on the values it was read
        with, so a shop changed meanwhile keeps its change (run again to reseal it). Raises ``SealError``
        for a shop whose secrets no configured key opens, after the shops before it were done.
        """
        changed = seen = 0
        async for doc in self._shops.find({}, projection=list(SHOP_SECRET_FIELDS)):
            seen += 1
            resealed = _map_secrets(doc, self._box.reseal)
            fields = {p: _dotted(resealed, p) for p in SHOP_SECRET_FIELDS if _dotted(doc, p) is not None}
            news = {p: v for p, v in fields.items() if v != _dotted(doc, p)}
            if not news:
                continue
            before = {p: _dotted(doc, p) for p in news}
            result = await self._shops.update_one({"_id": doc["_id"], **before}, {"$set": news})
            changed += result.modified_count
        return changed, seen

    async def save(self, shop: Shop) -> None:
        """Replace the stored shop with ``shop`` (its settings changed)."""
        try:
            result = await self._shops.replace_one({"_id": shop.id}, self._doc_of(shop))
        except DuplicateKeyError as exc:
            raise AlreadyExists("a shop already uses one of these channel addresses") from exc
        if result.matched_count == 0:
            raise NotFound(f"unknown shop {shop.id}")

    async def save_changes(self, before: Shop, after: Shop) -> None:
        """Write only the top-level settings that differ between ``before`` and ``after``, in one update.

        A change of one setting never writes back another from a stale copy, so two people changing
        different settings at once both keep theirs.
        """
        old, new = to_doc(before), to_doc(after)
        sealed = self._doc_of(after)
        changed = {key: sealed[key] for key in new if key != "_id" and new[key] != old.get(key)}
        removed = {key: "" for key in old if key not in new}
        update: dict[str, Any] = {}
        if changed:
            update["$set"] = changed
        if removed:
            update["$unset"] = removed
        if not update:
            return
        try:
            result = await self._shops.update_one({"_id": after.id}, update)
        except DuplicateKeyError as exc:
            raise AlreadyExists("a shop already uses one of these channel addresses") from exc
        if result.matched_count == 0:
            raise NotFound(f"unknown shop {after.id}")

    async def set_text(self, shop_id: ShopId, key: str, text: str) -> None:
        """Keep the shop's own text under ``key``: one field, so a settings change meanwhile keeps its change."""
        result = await self._shops.update_one({"_id": shop_id}, {"$set": {_text_field(key): text}})
        if result.matched_count == 0:
            raise NotFound(f"unknown shop {shop_id}")

    async def reset_text(self, shop_id: ShopId, key: str) -> None:
        """Forget the shop's own text under ``key``, so the default speaks again."""
        result = await self._shops.update_one({"_id": shop_id}, {"$unset": {_text_field(key): ""}})
        if result.matched_count == 0:
            raise NotFound(f"unknown shop {shop_id}")

    async def by_address(self, field: str, address: str) -> Shop | None:
        """The shop that owns a channel address (``sms_number``, ``whatsapp_number``, ``instagram_id``)."""
        if field not in ("sms_number", "whatsapp_number", "instagram_id"):
            raise ValueError(f"not a channel address: {field}")
        doc = await self._shops.find_one({field: address})
        return None if doc is None else self._shop_of(doc)

    async def for_staff(self, telegram_id: int) -> list[Shop]:
        """The shops that list this Telegram user as staff."""
        return [self._shop_of(doc) async for doc in self._shops.find({"staff_telegram_ids": telegram_id})]

    async def find_by_name(self, name: str) -> Shop | None:
        doc = await self._shops.find_one({"name": name})
        return None if doc is None else self._shop_of(doc)

    async def list(self) -> list[Shop]:
        return [self._shop_of(doc) async for doc in self._shops.find().sort("created_at", ASCENDING)]


def _text_field(key: str) -> str:
    if "." in key or key.startswith("$"):
        raise ValueError(f"not a text key: {key!r}")
    return f"message_texts.{key}"


def _dotted(doc: Mapping[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(part)  # type: ignore[assignment]
    return doc
