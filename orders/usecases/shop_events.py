"""Order events from shops (Shopify, WooCommerce, the generic order webhook): received, applied once.

``accept_event`` only records an event (one write) so a webhook can answer at once; ``accept_answered`` does
too, after deciding what it does, for the generic webhook whose answer names the order. ``process_event`` and
``apply_accepted`` apply it afterwards, and ``Recovery.recover_events`` applies what a crash or a full work
queue left unapplied. What an event does to the order is decided by the pure
``orders.event_decisions.decide_event``; here it is loaded and committed. What the use cases answer with and
what a claim keeps are in ``shop_event_records``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orders.event_decisions import EventKind, OnBackwards, decide_event
from orders.lifecycle import InvalidTransition
from orders.model import Order, OrderData, OrderId, Shop, new_id
from orders.numbering import DuplicateNumber, refuse_taken_number
from orders.promises import latest
from orders.store import AlreadyExists, Conflict, Database
from orders.usecases.idempotency import CLAIM_TIMEOUT, DeliveryInProgress
from orders.usecases.order_turns import OrderTurns
from orders.usecases.progression import Progression
from orders.usecases.promises import delay_entry
from orders.usecases.shop_event_records import (
    Accepted,
    EventOutcome,
    PendingEvent,
    event_payload,
    event_result,
)
from orders.usecases.unit_of_work import RETRIES, Clock, UnitOfWork, status_update

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShopEvents:
    uow: UnitOfWork
    progression: Progression
    #: Accepted events of one order are applied one after another, as they were accepted.
    turns: OrderTurns = field(default_factory=OrderTurns)

    @property
    def db(self) -> Database:
        return self.uow.db

    @property
    def clock(self) -> Clock:
        return self.uow.clock

    async def accept_event(
        self,
        shop: Shop,
        source: str,
        event_id: str,
        kind: EventKind,
        data: OrderData,
        *,
        on_backwards: OnBackwards = "ignore",
        read: tuple[Order | None] | None = None,
    ) -> PendingEvent | None:
        """Record a shop's order event to apply later, in one write; None when it was delivered before.

        A webhook answers once this returns, and ``apply_accepted`` starts and applies what it returns
        without reading the claim back (``read``: the order as the caller just read it, the first attempt's);
        ``recover_events`` applies what a crash or a full work queue left unapplied. A delivery seen before
        (applied, or still waiting to be) is a duplicate and changes nothing.
        """
        scope = f"{source}:{shop.id}"
        now = self.clock()
        payload = event_payload(shop, source, kind, data, on_backwards)
        earlier = await self.db.events.claim(scope, event_id, now, payload)
        if earlier is None:
            return PendingEvent(source, event_id, now, payload, data, read, started=False)
        if (
            earlier["state"] == "processing"
            and "payload" not in earlier
            and now - earlier["received_at"] >= CLAIM_TIMEOUT
            and await self.db.events.take_over(scope, event_id, earlier["received_at"], now, payload)
        ):
            # a claim without a payload, left by a process of an earlier version that crashed while applying
            # the event before answering: the sender was never answered, so this retry is ours to apply
            return PendingEvent(source, event_id, now, payload, data, read, started=False)
        return None

    async def process_event(self, shop: Shop, source: str, event_id: str) -> EventOutcome | None:
        """Apply an event ``accept_event`` recorded, and mark it done.

        Safe to run more than once and from several processes: None when the event is done, unknown, or
        being applied by another run (each run starts by moving the claim with a compare-and-set). When
        applying fails the claim stays for ``recover_events``; a backwards move refused by
        ``on_backwards="raise"`` releases it, so a retry is refused again.
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
        return await self._apply_claimed(
            shop, source, event_id, payload, OrderData.model_validate(payload["data"])
        )

    async def accept_answered(
        self, shop: Shop, source: str, event_id: str, kind: EventKind, data: OrderData
    ) -> Accepted:
        """Record an event in one write and say what it does, for a webhook whose answer names the order.

        The order is read and the event decided (``decide_event``) before anything is written: a move
        backwards raises InvalidTransition, and a number another order holds raises DuplicateNumber, so a
        refused delivery is not recorded and its retry is refused again. The decision is the answer; the
        event is applied afterwards (``apply_accepted``), by the same pure decision against the order as it
        is then (a change in between wins as it would have, and a move that became backwards meanwhile
        is ignored). A delivery seen before answers with its order, ``duplicate``.
        """
        now = self.clock()
        scope = f"{source}:{shop.id}"
        before = await self.db.orders.find_external(shop.id, data.external_id)
        try:
            decision = decide_event(
                before, kind, data, now, shop_id=shop.id, new_order_id=OrderId(new_id("ord")),
                on_backwards="raise", timezone=shop.timezone,
            )  # fmt: skip
            if decision.ignored is None and (before is None or before.number != decision.order.number):
                await refuse_taken_number(self.db, decision.order, now)
        except (InvalidTransition, DuplicateNumber):
            # refused as things stand now; a retry of a delivery accepted before (and applied since) is not
            earlier = await self.db.events.get(scope, event_id)
            if earlier is None or (earlier["state"] == "processing" and "payload" not in earlier):
                raise
            return Accepted(await self._answered_before(shop, earlier))
        order = decision.order
        payload = {**event_payload(shop, source, kind, data, "ignore"), "order_id": order.id}
        earlier = await self.db.events.claim(scope, event_id, now, payload, started=True)
        outcome = EventOutcome(order=order, ignored=decision.ignored)
        if earlier is None:
            return Accepted(outcome, PendingEvent(source, event_id, now, payload, data, (before,)))
        if earlier["state"] == "processing" and "payload" not in earlier:
            if now - earlier["received_at"] < CLAIM_TIMEOUT:
                raise DeliveryInProgress(f"delivery {event_id} is being processed")
            # left by an earlier version's process that crashed before answering: this retry is ours
            if not await self.db.events.take_over(scope, event_id, earlier["received_at"], now, payload):
                raise DeliveryInProgress(f"delivery {event_id} is being processed")
            taken = PendingEvent(source, event_id, now, payload, data, (before,), started=False)
            return Accepted(outcome, taken)
        return Accepted(await self._answered_before(shop, earlier))

    async def _answered_before(self, shop: Shop, earlier: Mapping[str, Any]) -> EventOutcome:
        """The answer to a delivery seen before: its order as stored, or, while it waits to be applied, as
        its recorded event will leave the order stored now."""
        if earlier["state"] == "done":
            order_id = earlier.get("result", {}).get("order_id")
            return EventOutcome(order=await self.db.orders.get(shop.id, order_id), duplicate=True)
        payload = earlier["payload"]
        data = OrderData.model_validate(payload["data"])
        before = await self.db.orders.find_external(shop.id, data.external_id)
        new_id_ = OrderId(payload.get("order_id") or new_id("ord"))
        decision = decide_event(
            before, payload["kind"], data, self.clock(), shop_id=shop.id, new_order_id=new_id_,
            on_backwards="ignore", timezone=shop.timezone,
        )  # fmt: skip
        return EventOutcome(order=decision.order, duplicate=True)

    async def apply_accepted(self, shop: Shop, pending: PendingEvent) -> EventOutcome | None:
        """Apply an event this process just accepted, without reading its claim back (None: another run has
        it), after the events of the same order this process accepted before it. One claimed as started
        (``accept_answered``) is left alone by other processes' recovery for
        ``CLAIM_TIMEOUT``, so it is applied at once unless it waited half of that here; any other is first
        started with the compare-and-set ``process_event`` uses. The order read when it was accepted, if
        any, is the first attempt's (the write's version check finds it changed)."""
        async with self.turns.turn((shop.id, pending.data.external_id)):
            now = self.clock()
            if not pending.started or now - pending.received_at >= CLAIM_TIMEOUT / 2:
                scope = f"{pending.source}:{shop.id}"
                if not await self.db.events.start(scope, pending.event_id, pending.received_at, now):
                    return None
            return await self._apply_claimed(
                shop, pending.source, pending.event_id, pending.payload, pending.data, pending.read
            )

    async def _apply_claimed(
        self,
        shop: Shop,
        source: str,
        event_id: str,
        payload: Mapping[str, Any],
        data: OrderData,
        read: tuple[Order | None] | None = None,
    ) -> EventOutcome:
        """Apply a claimed event's payload, mark it done, and auto-progress the order when due."""
        scope = f"{source}:{shop.id}"
        order_id = payload.get("order_id")
        try:
            outcome = await self.apply_event(
                shop, payload["kind"], data, on_backwards=payload["on_backwards"],
                new_order_id=OrderId(order_id) if order_id else None, read=read,
            )  # fmt: skip
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
        await self.db.events.complete(scope, event_id, event_result(outcome), self.clock())
        await self.progression.progress_if_due(shop, outcome.order)
        return outcome

    async def apply_event(
        self,
        shop: Shop,
        kind: EventKind,
        data: OrderData,
        *,
        on_backwards: OnBackwards = "raise",
        new_order_id: OrderId | None = None,
        read: tuple[Order | None] | None = None,
    ) -> EventOutcome:
        """Create or update the order a source describes; events older than what is stored are ignored.

        A move the lifecycle refuses as backwards raises InvalidTransition with ``on_backwards="raise"``;
        with ``"ignore"`` it changes nothing and the outcome is the stored order, ``ignored="backwards"``.
        A new order takes ``new_order_id`` (the one its webhook answered with) when given. ``read`` is the
        order as read a moment ago (``(None,)``: there was none), used instead of reading it again: the
        write's version check (or the insert's unique key) finds it changed, and the next attempt reads;
        an event it would ignore is decided again on the order read afresh.
        """
        for attempt in range(RETRIES):
            now = self.clock()
            if attempt == 0 and read is not None:
                before = read[0]
            else:
                before = await self.db.orders.find_external(shop.id, data.external_id)
            decision = decide_event(
                before, kind, data, now,
                shop_id=shop.id, new_order_id=new_order_id or OrderId(new_id("ord")),
                on_backwards=on_backwards, timezone=shop.timezone,
            )  # fmt: skip
            if decision.ignored is not None:
                if attempt == 0 and read is not None:
                    continue  # ignored as the order was: read it as it is before ignoring the event
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
