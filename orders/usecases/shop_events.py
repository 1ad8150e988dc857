"""Order events from shops (Shopify, WooCommerce, the generic order webhook): received, applied once.

``receive_event`` applies an event before the sender is answered. ``accept_event`` only records it (one
write) so a webhook can answer at once; ``process_event`` applies it afterwards, and
``Recovery.recover_events`` applies what a crash or a full work queue left unapplied. What an event does to
the order is decided by the pure ``orders.event_decisions.decide_event``; here it is loaded and committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from orders.event_decisions import EventKind, OnBackwards, decide_event
from orders.lifecycle import InvalidTransition
from orders.model import Order, OrderData, OrderId, Shop, new_id
from orders.numbering import DuplicateNumber
from orders.promises import latest
from orders.store import AlreadyExists, Conflict, Database
from orders.usecases.idempotency import CLAIM_TIMEOUT, run_once
from orders.usecases.progression import Progression
from orders.usecases.promises import delay_entry
from orders.usecases.unit_of_work import RETRIES, Clock, UnitOfWork, status_update

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventOutcome:
    order: Order
    duplicate: bool = False
    ignored: str | None = None


def event_payload(
    shop: Shop, source: str, kind: EventKind, data: OrderData, on_backwards: OnBackwards
) -> dict[str, Any]:
    """What ``ShopEvents.accept_event`` keeps with a delivery's claim, for ``process_event`` to apply."""
    return {
        "shop_id": shop.id,
        "source": source,
        "kind": kind,
        "data": data.model_dump(mode="json"),
        "on_backwards": on_backwards,
    }


def _result(outcome: EventOutcome) -> dict[str, Any]:
    """What a completed event record keeps: the order, and why it changed nothing when it did not."""
    return {"order_id": outcome.order.id, **({"ignored": outcome.ignored} if outcome.ignored else {})}


@dataclass(frozen=True)
class ShopEvents:
    uow: UnitOfWork
    progression: Progression

    @property
    def db(self) -> Database:
        return self.uow.db

    @property
    def clock(self) -> Clock:
        return self.uow.clock

    async def receive_event(
        self,
        shop: Shop,
        source: str,
        event_id: str,
        kind: EventKind,
        data: OrderData,
        *,
        on_backwards: OnBackwards = "raise",
    ) -> EventOutcome:
        """Apply a shop's order event once, however often it is delivered.

        ``on_backwards`` is as for ``apply_event``. A refused move (raised) leaves the delivery unrecorded,
        so a retry is refused again; an ignored one is recorded, so a retry is a duplicate.
        """
        applied: list[EventOutcome] = []

        async def apply() -> dict[str, Any]:
            applied.append(await self.apply_event(shop, kind, data, on_backwards=on_backwards))
            return _result(applied[0])

        duplicate, result = await run_once(self.db.events, self.clock, f"{source}:{shop.id}", event_id, apply)
        if duplicate:
            return EventOutcome(order=await self.db.orders.get(shop.id, result["order_id"]), duplicate=True)
        await self.progression.progress_if_due(shop, applied[0].order)
        return applied[0]

    async def accept_event(
        self,
        shop: Shop,
        source: str,
        event_id: str,
        kind: EventKind,
        data: OrderData,
        *,
        on_backwards: OnBackwards = "ignore",
    ) -> bool:
        """Record a shop's order event to apply later, in one write; False when it was delivered before.

        A webhook answers once this returns: ``process_event`` applies the event, and ``recover_events``
        applies what a crash or a full work queue left unapplied. A delivery seen before (applied, or still
        waiting to be) is a duplicate and changes nothing.
        """
        scope = f"{source}:{shop.id}"
        now = self.clock()
        payload = event_payload(shop, source, kind, data, on_backwards)
        earlier = await self.db.events.claim(scope, event_id, now, payload)
        if earlier is None:
            return True
        if (
            earlier["state"] == "processing"
            and "payload" not in earlier
            and now - earlier["received_at"] >= CLAIM_TIMEOUT
        ):
            # a claim without a payload, left by a process that crashed inside receive_event: the sender
            # was never answered, so this retry is the event, and it is ours to apply
            return await self.db.events.take_over(scope, event_id, earlier["received_at"], now, payload)
        return False

    async def process_event(self, shop: Shop, source: str, event_id: str) -> EventOutcome | None:
        """Apply an event ``accept_event`` recorded, as ``receive_event`` would, and mark it done.

        Safe to run more than once and from several processes: None when the event is done, unknown, or
        being applied by another run (each run starts by moving the claim with a compare-and-set). When
        applying fails the claim stays for ``recover_events``; a backwards move refused by
        ``on_backwards="raise"`` releases it, as ``receive_event`` does.
        """
        scope = f"{source}:{shop.id}"
        claim = await self.db.events.get(scope, event_id)
        if claim is None or claim["state"] != "processing" or "payload" not in claim:
            return None
        now = self.clock()
        claimed_at = claim["received_at"]
        if claim.get("attempts") and now - claimed_at < CLAIM_TIMEOUT:
            return None  # another run started it a moment ago
        if not await self.db.events.start(scope, event_id, claimed_at, now):
            return None  # another run started it first
        payload = claim["payload"]
        data = OrderData.model_validate(payload["data"])
        try:
            outcome = await self.apply_event(
                shop, payload["kind"], data, on_backwards=payload["on_backwards"]
            )
        except InvalidTransition:
            await self.db.events.release(scope, event_id)
            raise
        except DuplicateNumber as exc:
            # the platform was answered already and will not hear of it: nothing is written, the delivery is
            # recorded as ignored, and the order arrives with the platform's next update of it once staff
            # have resolved the clash
            log.warning(
                "%s delivery %s for shop %s not applied: its order number is used by order %s",
                source, event_id, shop.id, exc.holder,
            )  # fmt: skip
            outcome = EventOutcome(
                order=await self.db.orders.get(shop.id, exc.holder), ignored="duplicate_number"
            )
        await self.db.events.complete(scope, event_id, _result(outcome), self.clock())
        await self.progression.progress_if_due(shop, outcome.order)
        return outcome

    async def apply_event(
        self, shop: Shop, kind: EventKind, data: OrderData, *, on_backwards: OnBackwards = "raise"
    ) -> EventOutcome:
        """Create or update the order a source describes; events older than what is stored are ignored.

        A move the lifecycle refuses as backwards raises InvalidTransition with ``on_backwards="raise"``;
        with ``"ignore"`` it changes nothing and the outcome is the stored order, ``ignored="backwards"``.
        """
        for _ in range(RETRIES):
            now = self.clock()
            before = await self.db.orders.find_external(shop.id, data.external_id)
            decision = decide_event(
                before, kind, data, now,
                shop_id=shop.id, new_order_id=OrderId(new_id("ord")), on_backwards=on_backwards,
                timezone=shop.timezone,
            )  # fmt: skip
            if decision.ignored is not None:
                return EventOutcome(order=decision.order, ignored=decision.ignored)
            after = decision.order
            pending = [status_update(after, now, urgent=decision.urgent)] if decision.tell_customer else []
            if decision.later_day is not None and not await self._told_by(after, decision.later_day):
                pending.append(delay_entry(after, decision.later_day, shop.timezone, now))
            try:
                return EventOutcome(order=await self.uow.commit(before, after, pending, shop=shop))
            except (Conflict, AlreadyExists):
                continue
        raise Conflict(f"order {data.external_id} kept changing; try again")

    async def _told_by(self, order: Order, day: date) -> bool:
        """Whether the customer was last told a day on or after ``day`` (a chat answer, an earlier delay):
        a carrier estimate that moved later but still within it is no news to them."""
        told = latest(await self.db.promises.for_order(order.shop_id, order.id))
        return told is not None and date.fromisoformat(told.promised_day) >= day
