"""Use cases over orders, shared by the REST API, the webhooks, staff commands and the CLI.

Each change is read, computed by pure functions, and saved with a version check; on a conflict it is
computed again from the fresh order. Outbox entries a change causes are written inside the order document
in the same write, then queued; a crash in between is repaired by ``recover_pending_outbox``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from orders import domain, rules
from orders.fair_gate import FairGate
from orders.lifecycle import ACTIVE, InvalidTransition, Status, is_backwards, next_status, progress
from orders.model import (
    Decision,
    NotificationId,
    Order,
    OrderData,
    OrderId,
    OutboxEntry,
    OutboxKind,
    Shop,
    ShopId,
    Source,
    TimelineEvent,
    new_id,
)
from orders.numbering import DuplicateNumber, claim_number
from orders.shared_answers import SharedAnswers
from orders.store import (
    AlreadyExists,
    Conflict,
    Database,
    EventStore,
    NotFound,
    decode_cursor,
    encode_cursor,
)

Clock = Callable[[], datetime]
EventKind = Literal["created", "updated", "cancelled"]
OnBackwards = Literal["raise", "ignore"]
BulkAction = Literal["auto_progress", "update_status", "notify"]

_RETRIES = 8
#: Orders of bulk actions changed at once in one process, and at most of one shop (``FairGate``).
BULK_CONCURRENCY = 16
BULK_CONCURRENCY_PER_SHOP = 8
_CLAIM_TIMEOUT = timedelta(seconds=60)
_RECOVERY_ROUNDS = 50
_ATTENTION_TTL = timedelta(seconds=15)
_RECOVERY_BATCH = 100

log = logging.getLogger(__name__)


class DeliveryInProgress(Exception):
    """The same delivery is being processed right now; the sender should retry later."""


class ProgressionAdvisor(Protocol):
    """Decides whether an order should move on. The rules are one; Gemini plugs in as another."""

    async def decide(
        self, order: Order, shop: Shop, allowed: list[Status], rules_decision: Decision
    ) -> Decision:
        """Return a decision; its ``next_status`` must be one of ``allowed``."""
        ...


class RulesAdvisor:
    """The advisor without AI: the rules' own decision."""

    async def decide(
        self, order: Order, shop: Shop, allowed: list[Status], rules_decision: Decision
    ) -> Decision:
        return rules_decision


@dataclass(frozen=True)
class EventOutcome:
    order: Order
    duplicate: bool = False
    ignored: str | None = None


async def run_once(
    events: EventStore,
    clock: Clock,
    scope: str,
    event_id: str,
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> tuple[bool, dict[str, Any]]:
    """Run ``work`` once per delivery; ``(True, earlier result)`` without running it when it ran before.

    DeliveryInProgress while another delivery of it runs; a claim left by a crashed process is taken over
    after a minute. A failed run releases its claim, so the provider's next delivery runs it again.
    """
    now = clock()
    earlier = await events.claim(scope, event_id, now)
    if earlier is not None:
        if earlier["state"] == "done":
            return True, dict(earlier.get("result") or {})
        claimed_at: datetime = earlier["received_at"]
        if now - claimed_at < _CLAIM_TIMEOUT or not await events.take_over(scope, event_id, claimed_at, now):
            raise DeliveryInProgress(f"delivery {event_id} is being processed")
    try:
        result = await work()
    except BaseException:
        await events.release(scope, event_id)
        raise
    await events.complete(scope, event_id, result, clock())
    return False, result


def event_payload(
    shop: Shop, source: str, kind: EventKind, data: OrderData, on_backwards: OnBackwards
) -> dict[str, Any]:
    """What ``OrderService.accept_event`` keeps with a delivery's claim, for ``process_event`` to apply."""
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
class AttentionItem:
    order: Order
    reasons: list[rules.Reason]
    age_hours: float


@dataclass(frozen=True)
class ProgressView:
    order: Order
    progress: int
    next_status: Status | None
    notifications: list[OutboxEntry]


@dataclass(frozen=True)
class AutoProgressResult:
    decision: Decision
    applied: bool
    order: Order


BulkOutcome = Literal["applied", "not_applied", "failed"]


@dataclass(frozen=True)
class BulkResult:
    """One order's result: ``applied``; ``not_applied`` (an auto-progress whose rules said not yet: nothing
    went wrong); or ``failed`` (unknown order, a move not allowed, a change meanwhile)."""

    order_id: str
    ok: bool
    error: str | None = None
    outcome: BulkOutcome = "applied"
    number: str | None = None  # None for an id the shop does not know


@dataclass(frozen=True)
class Stats:
    total: int
    by_status: dict[str, int]
    sent: int
    delivered: int
    failed: int
    delivery_rate: float | None
    auto_progression_rate: float | None
    avg_hours_to_ship: float | None


OrderPage = tuple[list[Order], str | None]
AttentionKey = tuple[str, float | None, str | None, int]
PageKey = tuple[str, Status | None, str | None, str | None, int]


@dataclass
class OrderService:
    """The order desk's use cases. ``advisor`` decides progressions (rules unless Gemini is plugged in)."""

    db: Database
    clock: Clock
    advisor: ProgressionAdvisor = field(default_factory=RulesAdvisor)
    _attention: SharedAnswers[AttentionKey, datetime, list[AttentionItem]] = field(
        default_factory=SharedAnswers, init=False, repr=False
    )
    _pages: SharedAnswers[PageKey, int, OrderPage] = field(
        default_factory=SharedAnswers, init=False, repr=False
    )
    bulk_gate: FairGate[str] = field(
        default_factory=lambda: FairGate(BULK_CONCURRENCY, BULK_CONCURRENCY_PER_SHOP), repr=False
    )

    # -- writing ---------------------------------------------------------------------------------

    async def _commit(self, before: Order | None, after: Order, pending: list[OutboxEntry]) -> Order:
        """Save ``after`` (insert when ``before`` is None), then queue its outbox entries and count it.

        The entries ride inside the order's own write, so a crash right after it loses none; they are
        queued at once (idempotently) and ``recover_pending_outbox`` clears them from the order later,
        off the request's path.
        """
        self._changed(after.shop_id)
        if before is None:
            await self.db.orders.add(after, pending)
            saved = after
        else:
            saved = await self.db.orders.save(before, after, pending)
        await asyncio.gather(
            *(self.db.outbox.add(entry) for entry in pending),
            self.db.stats.add(saved.shop_id, domain.stats_deltas(before, saved)),
        )
        return saved

    async def recover_pending_outbox(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Queue what orders carry but the outbox lacks, and clear the copies; returns how many orders lacked.

        The write that recorded them nearly always queued them too, so a batch of orders costs one read of
        which entries are queued and two writes that clear the copies, not a write per entry and order.
        """
        lacking = 0
        for _ in range(_RECOVERY_ROUNDS):
            found = await self.db.orders.with_pending_outbox(self.clock() - older_than)
            if not found:
                break
            entries = [entry for _, pending in found for entry in pending]
            queued = await self.db.outbox.stored([entry.id for entry in entries])
            for _, pending in found:
                missing = [entry for entry in pending if entry.id not in queued]
                for entry in missing:
                    await self.db.outbox.add(entry)
                lacking += bool(missing)
            await self.db.orders.clear_pending([order_id for order_id, _ in found], [e.id for e in entries])
        return lacking

    def _status_update(self, order: Order, now: datetime, *, urgent: bool = False) -> OutboxEntry:
        return OutboxEntry(
            id=NotificationId(new_id("ntf")),
            shop_id=order.shop_id,
            order_id=order.id,
            kind=OutboxKind.STATUS_UPDATE,
            status=order.status,
            channel=order.channel,
            due_at=now,
            idempotency_key=f"status_update:{order.id}:{len(order.timeline)}",
            sequence=len(order.timeline),
            created_at=now,
            urgent=urgent,
        )

    async def _retrying(self, attempt: Callable[[], Awaitable[Order]]) -> Order:
        for _ in range(_RETRIES):
            try:
                return await attempt()
            except Conflict:
                await asyncio.sleep(secrets.randbelow(5) / 1000)
        raise Conflict("the order kept changing; try again")

    # -- order events from shops --------------------------------------------------------------------

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
        await self.progress_if_due(shop, applied[0].order)
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
            and now - earlier["received_at"] >= _CLAIM_TIMEOUT
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
        claimed_at: datetime = claim["received_at"]
        if claim.get("attempts") and now - claimed_at < _CLAIM_TIMEOUT:
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
        await self.progress_if_due(shop, outcome.order)
        return outcome

    async def recover_events(
        self, older_than: timedelta = timedelta(seconds=30), *, batch: int = _RECOVERY_BATCH
    ) -> int:
        """Apply events accepted at least ``older_than`` ago and still unapplied; returns how many.

        They are read ``batch`` at a time, oldest first, until none are left. An event whose shop is gone is
        dropped. One that fails is logged and left for a later run.
        """
        cutoff = self.clock() - older_than
        kept: set[str] = set()  # still pending after this run looked at them: not looked at again
        applied = 0
        while True:
            # every claim looked at either leaves the pending set (applied, dropped) or is kept, so
            # asking for one batch more than the kept ones brings new claims until none are left
            wanted = batch + len(kept)
            claims = await self.db.events.pending(cutoff, wanted)
            fresh = [claim for claim in claims if claim["_id"] not in kept]
            for claim in fresh:
                result = await self._recover_event(claim)
                applied += result == "applied"
                if result == "kept":
                    kept.add(claim["_id"])
            if not fresh or len(claims) < wanted:
                return applied

    async def _recover_event(self, claim: Mapping[str, Any]) -> Literal["applied", "dropped", "kept"]:
        payload = claim["payload"]
        try:
            shop = await self.db.shops.get(payload["shop_id"])
        except NotFound:
            log.warning("dropping event %s: its shop %s is gone", claim["event_id"], payload["shop_id"])
            await self.db.events.release(claim["source"], claim["event_id"])
            return "dropped"
        try:
            outcome = await self.process_event(shop, payload["source"], claim["event_id"])
        except InvalidTransition as exc:
            log.info("event %s of shop %s refused and dropped: %s", claim["event_id"], shop.id, exc)
            return "dropped"
        except Exception:
            log.exception(
                "applying event %s of shop %s failed; left for a later run", claim["event_id"], shop.id
            )
            return "kept"
        return "kept" if outcome is None else "applied"

    async def apply_event(
        self, shop: Shop, kind: EventKind, data: OrderData, *, on_backwards: OnBackwards = "raise"
    ) -> EventOutcome:
        """Create or update the order a source describes; events older than what is stored are ignored.

        A move the lifecycle refuses as backwards raises InvalidTransition with ``on_backwards="raise"``;
        with ``"ignore"`` it changes nothing and the outcome is the stored order, ``ignored="backwards"``.
        """
        for _ in range(_RETRIES):
            now = self.clock()
            existing = await self.db.orders.find_external(shop.id, data.external_id)
            target = Status.CANCELLED if kind == "cancelled" else data.status
            try:
                if existing is None:
                    return EventOutcome(
                        order=await self._create(shop, data, target, Source.WEBHOOK, None, now)
                    )
                if (
                    data.updated_at is not None
                    and existing.source_updated_at is not None
                    and data.updated_at <= existing.source_updated_at
                ):
                    return EventOutcome(order=existing, ignored="stale")
                if kind == "created" and target is not None and is_backwards(existing.status, target):
                    return EventOutcome(order=existing, ignored="stale")
                if (carrier_ignored := domain.carrier_report_ignored(existing, data)) is not None:
                    return EventOutcome(order=existing, ignored=carrier_ignored)
                updated = domain.with_details(existing, data)
                at = min(domain.reported_at(data) or now, now)
                note = None
                if target is None and (target := domain.carrier_status(updated)) is not None:
                    note = domain.delivered_note(updated)
                try:
                    moved = (
                        domain.move(updated, target, at=at, source=Source.WEBHOOK, note=note)
                        if target
                        else None
                    )
                except InvalidTransition:
                    if on_backwards == "raise":
                        raise
                    return EventOutcome(order=existing, ignored="backwards")
                after = moved or updated
                # a new carrier stage on a shipped order gets its own timeline event; the urgent ones (out for
                # delivery, a problem) also go out at once, quiet hours or not
                news = domain.delivery_news(existing, after)
                stage = domain.stage_news(existing, after, data)
                if stage is not None and moved is None:
                    after = domain.note_delivery(after, stage, at=at, source=Source.WEBHOOK)
                after = domain.with_problem_flag(after).model_copy(update={"updated_at": now})
                urgent = news is not None
                pending = [self._status_update(after, now, urgent=urgent)] if moved or urgent else []
                return EventOutcome(order=await self._renumbering(existing, after, pending, now))
            except (Conflict, AlreadyExists):
                continue
        raise Conflict(f"order {data.external_id} kept changing; try again")

    async def create_order(self, shop: Shop, data: OrderData, actor: str | None) -> Order:
        """Create an order from the API; with an external id already used, the order that has it, unchanged.

        So a client that retries a create (a timeout, a lost answer) gets the first order back and never a
        second one. A number another order holds is refused with DuplicateNumber.
        """
        for _ in range(_RETRIES):
            if (existing := await self.db.orders.find_external(shop.id, data.external_id)) is not None:
                return existing
            try:
                return await self._create(shop, data, data.status, Source.API, actor, self.clock())
            except AlreadyExists:
                continue  # created by a concurrent call: answer with that one
        raise Conflict(f"order {data.external_id} kept changing; try again")

    async def _renumbering(
        self, before: Order, after: Order, pending: list[OutboxEntry], now: datetime
    ) -> Order:
        """``_commit``, claiming the order's new number first when it changed, and freeing the old one after."""
        if after.number == before.number:
            return await self._commit(before, after, pending)
        await claim_number(self.db, after.shop_id, after.number, after.id, now, after.external_id)
        saved = await self._commit(before, after, pending)
        await self.db.numbers.release(after.shop_id, [before.number], after.id)
        return saved

    def forget_answers(self, shop_id: str) -> None:
        """Drop the answers kept for the shop's attention queue: its orders changed outside this service."""
        self._changed(shop_id)

    async def _create(
        self,
        shop: Shop,
        data: OrderData,
        target: Status | None,
        source: Source,
        actor: str | None,
        now: datetime,
    ) -> Order:
        status = target or Status.PENDING
        created = min(data.created_at or now, now)
        since = min(data.updated_at or created, now) if status != Status.PENDING else created
        order = Order(
            id=OrderId(new_id("ord")),
            shop_id=shop.id,
            external_id=data.external_id,
            number=data.number or data.external_id,
            status=status,
            status_since=since,
            created_at=created,
            updated_at=now,
            timeline=[TimelineEvent(status=status, at=since, source=source, actor=actor)],
        )
        order = domain.with_details(order, data)
        urgent = domain.delivery_news(None, order) is not None
        await claim_number(self.db, shop.id, order.number, order.id, now, order.external_id)
        try:
            return await self._commit(None, order, [self._status_update(order, now, urgent=urgent)])
        except AlreadyExists:
            await self.db.numbers.release(shop.id, [order.number], order.id)
            raise

    # -- staff and API actions ----------------------------------------------------------------------

    async def update_status(
        self,
        shop: Shop,
        order_id: str,
        target: Status,
        *,
        source: Source,
        actor: str | None,
        note: str | None = None,
        notify: bool = True,
        force: bool = False,
        expected_version: int | None = None,
        reason: str | None = None,
        confidence: float | None = None,
    ) -> Order:
        """Move an order; InvalidTransition when the lifecycle forbids it, Conflict on a stale version."""

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            if expected_version is not None and order.version != expected_version:
                raise _StaleVersion(f"order {order_id} changed since version {expected_version}")
            now = self.clock()
            moved = domain.move(
                order, target, at=now, source=source, actor=actor, note=note,
                reason=reason, confidence=confidence, force=force,
            )  # fmt: skip
            if moved is None:
                return order
            return await self._commit(order, moved, [self._status_update(moved, now)] if notify else [])

        try:
            return await self._retrying(attempt)
        except _StaleVersion as exc:
            raise Conflict(str(exc)) from None

    async def auto_progress(
        self, shop: Shop, order_id: str, *, dry_run: bool = False, actor: str | None = None
    ) -> AutoProgressResult:
        """Decide, and unless ``dry_run`` apply, whether the order moves on."""
        order = await self.db.orders.get(shop.id, order_id)
        decision = await self._decide(shop, order)
        if dry_run:
            return AutoProgressResult(decision=decision, applied=False, order=order)
        return await self._apply_decision(shop, order, decision, actor)

    async def _decide(self, shop: Shop, order: Order) -> Decision:
        """The advisor's decision, held to the moves the rules allow (no write)."""
        rules_decision = rules.decide_progression(order, shop.rules, self.clock())
        allowed = rules.allowed_moves(order)
        decision = await self.advisor.decide(order, shop, allowed, rules_decision)
        if decision.should_progress and decision.next_status not in allowed:
            return rules_decision
        return decision

    async def _apply_decision(
        self, shop: Shop, order: Order, decision: Decision, actor: str | None
    ) -> AutoProgressResult:
        if not rules.is_confident(decision, shop.rules) or decision.next_status is None:
            return AutoProgressResult(decision=decision, applied=False, order=order)
        try:
            moved = await self.update_status(
                shop, order.id, decision.next_status, source=decision.source, actor=actor,
                reason=decision.reason, confidence=decision.confidence, expected_version=order.version,
            )  # fmt: skip
        except (Conflict, InvalidTransition):
            return AutoProgressResult(
                decision=decision, applied=False, order=await self.db.orders.get(shop.id, order.id)
            )
        return AutoProgressResult(decision=decision, applied=True, order=moved)

    async def record_contact(self, shop_id: ShopId, order_id: str, at: datetime) -> None:
        """A message reached the order's customer: clears ``no_customer_contact``.

        Only whether the customer was ever reached is read (attention, the waiting counts), so a sender
        that knows the order was reached before need not call this on every message.
        """

        async def attempt() -> Order:
            order = await self.db.orders.get(shop_id, order_id)
            if order.last_customer_contact_at is not None and order.last_customer_contact_at >= at:
                return order
            return await self._commit(order, order.model_copy(update={"last_customer_contact_at": at}), [])

        await self._retrying(attempt)

    async def set_flag(self, shop: Shop, order_id: str, flag: str, *, present: bool) -> Order:
        """Raise or clear an attention flag (``customer_waiting``, ``notification_failed``)."""

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            flags = sorted(set(order.flags) | {flag}) if present else [f for f in order.flags if f != flag]
            if flags == order.flags:
                return order
            return await self._commit(order, order.model_copy(update={"flags": flags}), [])

        return await self._retrying(attempt)

    async def progress_if_due(self, shop: Shop, order: Order) -> bool:
        """With auto-progression on, move an order an event just changed when the rules find it due.

        Only the rules' own verdict is asked first (pure, no I/O), so an event about an order that is not
        due costs nothing more; one that is due goes through ``auto_progress`` (the advisor may weigh in).
        Moves the advisor alone would make wait for the sweep. Returns whether it moved.
        """
        if not shop.rules.auto_progress:
            return False
        if not rules.decide_progression(order, shop.rules, self.clock()).should_progress:
            return False
        result = await self.auto_progress(shop, order.id, actor="auto-progress")
        return result.applied

    async def sweep_auto_progress(self, shop: Shop, limit: int = 200) -> int:
        """Auto-progress the shop's orders that may be due; return how many moved."""
        now = self.clock()
        due = now - timedelta(hours=shop.rules.auto_process_after_hours)
        candidates = await self.db.waiting_orders.longest_in_status(
            shop.id, {Status.PENDING: due, Status.PROCESSING: now}, limit
        )
        moved = 0
        for order in candidates:
            if order.status == Status.PROCESSING and not (order.tracking and order.tracking.number):
                continue
            result = await self.auto_progress(shop, order.id, actor="auto-progress sweep")
            moved += result.applied
        return moved

    async def notify(
        self,
        shop: Shop,
        order_id: str,
        *,
        message: str | None,
        channel: str | None,
        actor: str | None,
        due_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> OutboxEntry:
        """Queue a message to the order's customer now (manual) or later (follow-up)."""
        now = self.clock()
        kind = OutboxKind.FOLLOW_UP if due_at is not None else OutboxKind.MANUAL
        entry_id = NotificationId(new_id("ntf"))
        key = f"{kind}:{shop.id}:{idempotency_key}" if idempotency_key else f"{kind}:{entry_id}"
        if idempotency_key and (earlier := await self.db.outbox.find_key(shop.id, key)) is not None:
            return earlier
        created: list[OutboxEntry] = []

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            entry = OutboxEntry(
                id=entry_id, shop_id=shop.id, order_id=order.id, kind=kind, channel=channel or order.channel,
                status=order.status, message=message, due_at=due_at or now, idempotency_key=key,
                actor=actor, created_at=now,
            )  # fmt: skip
            note = f"{kind.value.replace('_', '-')} queued" + (
                f" for {_local(due_at, shop)}" if due_at else ""
            )
            event = TimelineEvent(
                kind=kind.value, status=order.status, at=now, source=Source.STAFF if actor else Source.API,
                actor=actor, note=note,
            )  # fmt: skip
            created[:] = [entry]
            return await self._commit(order, domain.record(order, event), [entry])

        await self._retrying(attempt)
        return await self.db.outbox.add(created[0])

    # -- reading ------------------------------------------------------------------------------------

    async def get(self, shop: Shop, order_id: str) -> Order:
        return await self.db.orders.get(shop.id, order_id)

    async def progress(self, shop: Shop, order_id: str) -> ProgressView:
        order, notifications = await asyncio.gather(
            self.db.orders.get(shop.id, order_id), self.db.outbox.for_order(shop.id, OrderId(order_id))
        )
        return ProgressView(order, progress(order.status), next_status(order.status), notifications)

    async def list_orders(
        self, shop: Shop, *, status: Status | None, search: str | None, cursor: str | None, limit: int
    ) -> OrderPage:
        """A page of orders, newest first, and the cursor of the next page (None at the end).

        Every open order desk asks for the same page after each change: an answer is kept per process
        under the shop's revision read before the query, and reused while the revision stands. It is
        never older than that revision, since every order write moves the revision after it is made.
        """
        after = decode_cursor(cursor) if cursor else None
        revision = await self.db.stats.revision(shop.id)

        async def page() -> OrderPage:
            orders = await self.db.orders.page(
                shop.id, status=status, search=search, after=after, limit=limit + 1, now=self.clock()
            )
            more = len(orders) > limit
            return orders[:limit], encode_cursor(orders[limit - 1]) if more else None

        key = (shop.id, status, search, cursor, limit)
        return await self._pages.get(key, revision, lambda kept: kept == revision, page)

    async def requiring_attention(
        self,
        shop: Shop,
        *,
        max_age_hours: float | None = None,
        reason: rules.Reason | None = None,
        limit: int = 50,
    ) -> list[AttentionItem]:
        """Orders that need a person, the longest waiting first; each query runs on an index.

        The queue changes on the scale of hours, and many dashboards ask for it: an answer is kept for a
        few seconds per process, and forgotten at once when this process changes one of the shop's orders.
        """
        now = self.clock()
        return await self._attention.get(
            (shop.id, max_age_hours, reason, limit),
            now,
            lambda made: now - made < _ATTENTION_TTL,
            lambda: self._attention_now(shop, now, max_age_hours, reason, limit),
        )

    def _changed(self, shop_id: str) -> None:
        self._attention.forget(lambda key: key[0] == shop_id)

    async def _attention_now(
        self, shop: Shop, now: datetime, max_age_hours: float | None, reason: rules.Reason | None, limit: int
    ) -> list[AttentionItem]:
        """Stale orders, uncontacted ones and flagged ones, as far as the ``limit`` longest waiting reach."""

        def wanted(candidate: rules.Reason) -> bool:
            return reason is None or reason == candidate

        stale: dict[Status, datetime] = {}
        for status in ACTIVE:
            after = rules.stale_after(status, shop.rules, max_age_hours)
            if after is not None and wanted(rules.STALE_REASON[status]):
                stale[status] = now - after
        no_contact = now - timedelta(hours=shop.rules.no_contact_hours)
        candidates = await self.db.waiting_orders.attention_candidates(
            shop.id,
            stale=stale,
            uncontacted_before=no_contact if wanted(rules.Reason.NO_CUSTOMER_CONTACT) else None,
            flags=[flag.value for flag in rules.FLAG_REASONS if wanted(flag)],
            limit=limit,
        )
        items = []
        for order in candidates:
            reasons = rules.attention_reasons(order, shop.rules, now, max_age_hours)
            if reasons and (reason is None or reason in reasons):
                items.append(AttentionItem(order, reasons, rules.age_hours(order, now)))
        items.sort(key=lambda item: (item.order.status_since, item.order.id))
        return items[:limit]

    async def revision(self, shop: Shop) -> int:
        """Moves whenever the shop's orders or notifications change; one read by id."""
        return await self.db.stats.revision(shop.id)

    async def stats(self, shop: Shop) -> Stats:
        counters = await self.db.stats.get(shop.id)
        by_status = {status.value: int(counters.get(f"by_status.{status}", 0)) for status in Status}
        sent = int(counters.get("notifications.sent", 0))
        delivered = int(counters.get("notifications.delivered", 0))
        failed = int(counters.get("notifications.failed", 0))
        moves = counters.get("moves.total", 0)
        shipped = counters.get("shipping.count", 0)
        return Stats(
            total=int(counters.get("total", 0)),
            by_status=by_status,
            sent=sent,
            delivered=delivered,
            failed=failed,
            delivery_rate=round(delivered / sent, 4) if sent else None,
            auto_progression_rate=round(counters.get("moves.automatic", 0) / moves, 4) if moves else None,
            avg_hours_to_ship=round(counters.get("shipping.hours", 0) / shipped, 1) if shipped else None,
        )

    # -- bulk ---------------------------------------------------------------------------------------

    async def bulk(
        self,
        shop: Shop,
        order_ids: list[str],
        action: BulkAction,
        *,
        actor: str | None,
        status: Status | None = None,
        message: str | None = None,
    ) -> list[BulkResult]:
        """Run one action on up to 100 orders, a few at a time; every order gets its own result.

        All bulk actions of the process share ``bulk_gate``: a shop's bulks together change at most
        ``BULK_CONCURRENCY_PER_SHOP`` orders at once, and all shops' at most ``BULK_CONCURRENCY``.
        """

        async def one(order_id: str) -> BulkResult:
            try:
                await self._bulk_one(shop, order_id, action, actor=actor, status=status, message=message)
            except NotFound:
                return BulkResult(order_id, False, "not_found", "failed")
            except InvalidTransition as exc:
                return BulkResult(order_id, False, f"invalid_transition: {exc}", "failed")
            except Conflict as exc:
                return BulkResult(order_id, False, f"conflict: {exc}", "failed")
            except _NotApplied as exc:
                return BulkResult(order_id, False, f"not_applied: {exc}", "not_applied")
            return BulkResult(order_id, True)

        results = await asyncio.gather(*(one(order_id) for order_id in dict.fromkeys(order_ids)))
        async with self.bulk_gate.hold(shop.id):  # numbers never change: one read names every order
            found = await self.db.orders.get_many(shop.id, [result.order_id for result in results])
        return [
            replace(result, number=found[result.order_id].number) if result.order_id in found else result
            for result in results
        ]

    async def _bulk_one(
        self, shop: Shop, order_id: str, action: BulkAction, *, actor: str | None, status: Status | None,
        message: str | None,
    ) -> None:  # fmt: skip
        """One order's action; its reads and writes pass the bulk gate, an advisor's answer is awaited
        outside it (the AI client bounds its own calls), so a slow model holds no database place."""
        if action == "update_status":
            assert status is not None
            async with self.bulk_gate.hold(shop.id):
                await self.update_status(
                    shop, order_id, status, source=Source.STAFF, actor=actor, note=message
                )
            return
        if action == "notify":
            async with self.bulk_gate.hold(shop.id):
                await self.notify(shop, order_id, message=message, channel=None, actor=actor)
            return
        async with self.bulk_gate.hold(shop.id):
            order = await self.db.orders.get(shop.id, order_id)
        decision = await self._decide(shop, order)
        async with self.bulk_gate.hold(shop.id):
            result = await self._apply_decision(shop, order, decision, actor)
        if not result.applied:
            raise _NotApplied(result.decision.reason)


class _StaleVersion(Exception):
    """Raised inside a retry loop to stop it: the caller asked for a specific version."""


class _NotApplied(Exception):
    """A bulk auto-progress that decided not to move the order."""


def _local(at: datetime, shop: Shop) -> str:
    """A time for people, in the shop's timezone and in words: "Tue 3 Nov 2026, 10:00 CET"."""
    local = at.astimezone(ZoneInfo(shop.timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"


def new_shop(name: str, now: datetime, **details: Any) -> Shop:
    """A new shop with its own id and a generated order-webhook secret."""
    return Shop(
        id=ShopId(new_id("shop")),
        name=name,
        webhook_secret=secrets.token_urlsafe(32),
        created_at=now,
        **details,
    )
