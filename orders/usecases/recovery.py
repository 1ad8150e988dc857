"""Finishing what a crash left half done: shop events accepted but never applied, and outbox entries an
order carries but the outbox lacks.

Both run at start-up and periodically in the worker; each is safe to run from several processes at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from orders.lifecycle import InvalidTransition
from orders.store import NotFound
from orders.usecases.shop_events import ShopEvents

#: Batches of orders ``recover_pending_outbox`` clears in one run at most.
_OUTBOX_ROUNDS = 50
#: Claims ``recover_events`` reads at a time.
_EVENT_BATCH = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovery:
    shop_events: ShopEvents

    async def recover_events(
        self, older_than: timedelta = timedelta(seconds=30), *, batch: int = _EVENT_BATCH
    ) -> int:
        """Apply events accepted at least ``older_than`` ago and still unapplied; returns how many.

        They are read ``batch`` at a time, oldest first, until none are left. An event whose shop is gone is
        dropped. One that fails is logged and left for a later run.
        """
        db = self.shop_events.db
        cutoff = self.shop_events.clock() - older_than
        kept: set[str] = set()  # still pending after this run looked at them: not looked at again
        applied = 0
        while True:
            # every claim looked at either leaves the pending set (applied, dropped) or is kept, so
            # asking for one batch more than the kept ones brings new claims until none are left
            wanted = batch + len(kept)
            claims = await db.events.pending(cutoff, wanted)
            fresh = [claim for claim in claims if claim["_id"] not in kept]
            for claim in fresh:
                result = await self._recover_event(claim)
                applied += result == "applied"
                if result == "kept":
                    kept.add(claim["_id"])
            if not fresh or len(claims) < wanted:
                return applied

    async def _recover_event(self, claim: Mapping[str, Any]) -> Literal["applied", "dropped", "kept"]:
        db = self.shop_events.db
        payload = claim["payload"]
        try:
            shop = await db.shops.get(payload["shop_id"])
        except NotFound:
            log.warning("dropping event %s: its shop %s is gone", claim["event_id"], payload["shop_id"])
            await db.events.release(claim["source"], claim["event_id"])
            return "dropped"
        try:
            outcome = await self.shop_events.process_event(shop, payload["source"], claim["event_id"])
        except InvalidTransition as exc:
            log.info("event %s of shop %s refused and dropped: %s", claim["event_id"], shop.id, exc)
            return "dropped"
        except Exception:
            log.exception(
                "applying event %s of shop %s failed; left for a later run", claim["event_id"], shop.id
            )
            return "kept"
        return "kept" if outcome is None else "applied"

    async def recover_pending_outbox(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Queue what orders carry but the outbox lacks, and clear the copies; returns how many orders lacked.

        The write that recorded them nearly always queued them too, so a batch of orders costs one read of
        which entries are queued and two writes that clear the copies, not a write per entry and order.
        """
        db = self.shop_events.db
        lacking = 0
        for _ in range(_OUTBOX_ROUNDS):
            found = await db.orders.with_pending_outbox(self.shop_events.clock() - older_than)
            if not found:
                break
            entries = [entry for _, pending in found for entry in pending]
            queued = await db.outbox.stored([entry.id for entry in entries])
            for _, pending in found:
                missing = [entry for entry in pending if entry.id not in queued]
                for entry in missing:
                    await db.outbox.add(entry)
                lacking += bool(missing)
            await db.orders.clear_pending([order_id for order_id, _ in found], [e.id for e in entries])
        return lacking
