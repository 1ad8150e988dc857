"""Bringing a shop's order history in: create or update orders, batch by batch, telling no one.

Rows are matched by external id, else (a row without one) by number. A batch is read in three queries and
its new orders written in three (number claims, search keys, orders), so a large history goes in at
thousands of rows a second; updates are saved one by one with the usual version check. Nothing reaches
the outbox and no one is notified: these are past events. The shop's counters are moved once per batch,
by the same deltas as any other change (``domain.stats_deltas``), so stats and the attention queue's hints
count imported orders like the others.

A row either is written whole or not at all: a row that contradicts itself, or whose number another order
holds, is reported invalid with why and writes nothing, and the rows around it go on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from orders import domain
from orders.analytics import Tally, order_tallies
from orders.import_history import ImportRow, InvalidRow, new_order, updated_order
from orders.model import Order, Shop
from orders.numbering import DuplicateNumber, claim_number, claim_numbers
from orders.store import AlreadyExists, Conflict
from orders.usecases import OrderUseCases
from orders.usecases.settling import closes, settle_promises

Outcome = Literal["created", "updated", "unchanged", "invalid"]

#: Rows read and written together, and batches in flight at once: a batch spends most of its time waiting
#: for its few round trips, so overlapping batches keep the database busy; an API call of 1,000 rows is
#: written as four overlapping batches.
BATCH = 250
CONCURRENT_BATCHES = 4
_SAVE_CONCURRENCY = 8
_MEANWHILE = "the order was created meanwhile; import the row again"


@dataclass(frozen=True)
class RowResult:
    """What became of one row; ``row`` is its place in the input (a line number for a file)."""

    row: int
    outcome: Outcome
    order_id: str | None = None
    external_id: str | None = None
    number: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Pending:
    """A row to import, or the reason it cannot be (it failed to parse)."""

    row: int
    data: ImportRow | None = None
    error: str | None = None


def summary(results: Sequence[RowResult]) -> dict[str, int]:
    counts = Counter(result.outcome for result in results)
    return {outcome: counts.get(outcome, 0) for outcome in ("created", "updated", "unchanged", "invalid")}


async def import_orders(
    service: OrderUseCases, shop: Shop, rows: Sequence[Pending], *, dry_run: bool = False
) -> list[RowResult]:
    """Import the rows in order, a result for each; with ``dry_run`` nothing is written."""
    running: list[tuple[set[str], asyncio.Task[list[RowResult]]]] = []
    done: list[asyncio.Task[list[RowResult]]] = []
    try:
        for batch in _batches(rows):
            keys = _keys(batch)
            # a batch waits for the batches in flight that touch the same orders, and for a free place
            while running and (len(running) >= CONCURRENT_BATCHES or any(keys & held for held, _ in running)):
                await running.pop(0)[1]
            task = asyncio.create_task(_import_batch(service, shop, batch, dry_run=dry_run))
            running.append((keys, task))
            done.append(task)
        await asyncio.gather(*(task for _, task in running))
    except BaseException:
        for task in done:
            task.cancel()
        raise
    results = [result for task in done for result in task.result()]
    if not dry_run and any(result.outcome in ("created", "updated") for result in results):
        service.attention.forget(shop.id)
        service.estimates.forget(shop.id)
    return results


def _keys(batch: list[Pending]) -> set[str]:
    """What identifies the orders a batch may touch: its external ids and numbers."""
    keys: set[str] = set()
    for pending in batch:
        if pending.data is not None:
            keys |= {f"e:{pending.data.external_id}", f"n:{pending.data.number}"}
    return keys


def _batches(rows: Sequence[Pending]) -> Iterator[list[Pending]]:
    """Batches of at most BATCH rows in which no external id or number repeats, so that a later row about
    the same order is read after the earlier one was written."""
    batch: list[Pending] = []
    seen: set[str] = set()
    for pending in rows:
        keys = {f"e:{pending.data.external_id}", f"n:{pending.data.number}"} if pending.data else set()
        if len(batch) == BATCH or keys & seen:
            yield batch
            batch, seen = [], set()
        batch.append(pending)
        seen |= keys
    if batch:
        yield batch


def _invalid(pending: Pending, why: str) -> RowResult:
    data = pending.data
    return RowResult(
        pending.row, "invalid", external_id=data.external_id if data else None,
        number=data.number if data else None, error=why,
    )  # fmt: skip


def _done(pending: Pending, outcome: Outcome, order: Order) -> RowResult:
    return RowResult(pending.row, outcome, order.id, order.external_id, order.number)


async def _import_batch(
    service: OrderUseCases, shop: Shop, batch: list[Pending], *, dry_run: bool
) -> list[RowResult]:
    db, now = service.db, service.clock()
    valid = [pending for pending in batch if pending.data is not None]
    rows = [pending.data for pending in valid if pending.data is not None]
    known = await db.orders.find_externals(shop.id, [data.external_id for data in rows])
    # only rows not found by their external id can be another order's by number
    unknown = [data.number for data in rows if data.number and data.external_id not in known]
    claims = await db.numbers.holders(shop.id, unknown)
    holders = await db.orders.get_many(shop.id, [claim["order_id"] for claim in claims.values()])
    by_number = {
        number: order
        for number, claim in claims.items()
        if (order := holders.get(claim["order_id"])) is not None and order.number == number
    }
    results: dict[int, RowResult] = {}
    created: list[tuple[Pending, Order]] = []
    changed: list[tuple[Pending, Order, Order]] = []
    for pending in batch:
        data = pending.data
        if data is None:
            results[pending.row] = _invalid(pending, pending.error or "invalid row")
            continue
        existing = known.get(data.external_id)
        holder = by_number.get(data.number or data.external_id)
        if existing is None and holder is not None and holder.external_id != data.external_id:
            if data.external_id == data.number:  # a row without an external id: the order with its number
                existing = holder
            else:
                error = str(DuplicateNumber(holder.number, holder.id))
                results[pending.row] = _invalid(pending, f"duplicate_number: {error}")
                continue
        try:
            if existing is None:
                created.append((pending, new_order(shop.id, data, now)))
                continue
            after = updated_order(existing, data, now)
        except InvalidRow as exc:
            results[pending.row] = _invalid(pending, str(exc))
            continue
        if after is existing:
            results[pending.row] = _done(pending, "unchanged", existing)
        else:
            changed.append((pending, existing, after))
    if dry_run:
        results.update((p.row, _done(p, "created", order)) for p, order in created)
        results.update((p.row, _done(p, "updated", after)) for p, _, after in changed)
    else:
        deltas: dict[str, float] = {}
        tallies: list[Tally] = []
        await _create(service, shop, created, results, deltas, tallies)
        await _update(service, shop, changed, results, deltas, tallies)
        if deltas:
            await db.stats.add(shop.id, deltas)
        await db.analytics.add(shop.id, tallies, shop.timezone)  # each order on its own dates
    return [results[pending.row] for pending in batch]


async def _create(
    service: OrderUseCases,
    shop: Shop,
    created: list[tuple[Pending, Order]],
    results: dict[int, RowResult],
    deltas: dict[str, float],
    tallies: list[Tally],
) -> None:
    db, now = service.db, service.clock()
    claims = {order.number: (order.id, order.external_id) for _, order in created}
    refused = await claim_numbers(db, shop.id, claims, now)
    for pending, order in created:
        if isinstance(exc := refused.get(order.number), DuplicateNumber):
            results[pending.row] = _invalid(pending, f"duplicate_number: {exc}")
        elif exc is not None:
            results[pending.row] = _invalid(pending, _MEANWHILE)
    writing = [(pending, order) for pending, order in created if order.number not in refused]
    taken = await db.orders.add_many([order for _, order in writing])
    for pending, order in writing:
        if order.id in taken:
            await db.numbers.release(shop.id, [order.number], order.id)
            results[pending.row] = _invalid(pending, _MEANWHILE)
            continue
        results[pending.row] = _done(pending, "created", order)
        _count(deltas, domain.stats_deltas(None, order))
        tallies += order_tallies(None, order)
        db.feed.publish(shop.id, "order", order_id=order.id, status=order.status.value)


async def _update(
    service: OrderUseCases,
    shop: Shop,
    changed: list[tuple[Pending, Order, Order]],
    results: dict[int, RowResult],
    deltas: dict[str, float],
    tallies: list[Tally],
) -> None:
    db, now = service.db, service.clock()
    gate = asyncio.Semaphore(_SAVE_CONCURRENCY)

    async def save(pending: Pending, before: Order, after: Order) -> None:
        async with gate:
            try:
                if after.number != before.number:
                    await claim_number(db, shop.id, after.number, after.id, now, after.external_id)
                saved = await db.orders.save(before, after)
            except DuplicateNumber as exc:
                results[pending.row] = _invalid(pending, f"duplicate_number: {exc}")
                return
            except (Conflict, AlreadyExists):
                results[pending.row] = _invalid(pending, "the order changed meanwhile; import the row again")
                return
            if after.number != before.number:
                await db.numbers.release(shop.id, [before.number], before.id)
            results[pending.row] = _done(pending, "updated", saved)
            _count(deltas, domain.stats_deltas(before, saved))
            tallies.extend(order_tallies(before, saved))
            if closes(before, saved):  # delivered by the file: the dates told are kept or broken now
                await settle_promises(db, saved, now)
            db.feed.publish(shop.id, "order", order_id=saved.id, status=saved.status.value)

    await asyncio.gather(*(save(*change) for change in changed))


def _count(deltas: dict[str, float], more: dict[str, float]) -> None:
    for key, value in more.items():
        deltas[key] = deltas.get(key, 0) + value
