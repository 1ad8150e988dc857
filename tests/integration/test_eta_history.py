"""The shop's history as dates read it: from the orders store, kept per shop, read again when stale."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from orders.eta import Estimate, TooLittleHistory
from orders.import_history import row
from orders.importing import Pending, import_orders
from orders.lifecycle import Status
from orders.model import Place, Shop
from orders.store import Database
from orders.usecases import DeliveryEstimates, OrderUseCases
from tests.conftest import Clock
from webhooks.bootstrap import build_service

SP, RJ = Place(country="BR", region="SP"), Place(country="BR", region="RJ")


async def delivered(service: OrderUseCases, shop: Shop, count: int, first: int = 0) -> None:
    """``count`` orders SP→RJ delivered in 3 days through the import (which forgets the kept history)."""
    now = service.clock()
    rows = []
    for index in range(first, first + count):
        made = now - timedelta(days=10, hours=index)
        data = row(
            external_id=f"H-{index}", number=None, created_at=made, shipped_at=made + timedelta(days=1),
            delivered_at=made + timedelta(days=3), ship_from=SP, ship_to=RJ,
        )  # fmt: skip
        rows.append(Pending(index, data))
    assert {result.outcome for result in await import_orders(service, shop, rows)} == {"created"}


async def test_the_store_reads_delivered_orders_and_those_on_their_way_not_cancelled_ones(
    db: Database, clock: Clock, shop: Shop, other_shop: Shop
) -> None:
    now = clock()
    service = build_service(db, clock)
    await delivered(service, shop, 3)
    sender = Place(country="BR", region="SP", postal_code="01310-100")
    receiver = Place(country="BR", region="RJ", postal_code="22041-001")
    moving = row(external_id="W-1", number=None, created_at=now - timedelta(days=2),
                 shipped_at=now - timedelta(days=1), ship_from=sender, ship_to=receiver)  # fmt: skip
    cancelled = row(external_id="C-1", number=None, created_at=now - timedelta(days=2),
                    cancelled_at=now - timedelta(days=1))  # fmt: skip
    await import_orders(service, shop, [Pending(0, moving), Pending(1, cancelled)])
    read = await db.orders.shipments(shop.id)
    assert len(read) == 4
    [on_way] = [item for item in read if item.delivered_at is None]
    assert on_way.shipped_at == now - timedelta(days=1) and on_way.destination == "BR/RJ"
    assert on_way.origin_area == "BR/SP/013"  # the sender's postal area: its handovers are learned there
    assert on_way.destination_area == "BR/RJ/220"  # the receiver's: its transit is learned there too
    done = [item for item in read if item.delivered_at is not None]
    assert {item.delivered_at - item.created_at for item in done if item.delivered_at} == {timedelta(days=3)}
    assert {(item.origin, item.origin_area, item.shipped_at is not None) for item in done} == {
        ("BR/SP", None, True)
    }
    assert await db.orders.shipments(other_shop.id) == []


async def test_the_history_is_kept_forgotten_on_import_and_read_again_behind_a_stale_answer(
    db: Database, clock: Clock, shop: Shop
) -> None:
    service = build_service(db, clock)
    estimates = service.estimates
    await delivered(service, shop, 10)
    target = await db.orders.find_external(shop.id, "H-0")
    assert target is not None and target.status == Status.FULFILLED
    made_now = {"status": Status.PENDING, "status_since": clock(), "created_at": clock(), "timeline": []}
    fresh = target.model_copy(update=made_now)

    assert await estimates.for_order(shop, fresh) == TooLittleHistory(samples=10)
    kept = await estimates.history(shop.id)
    assert await estimates.history(shop.id) is kept  # kept, not read again

    await delivered(service, shop, 30, first=10)  # the import forgets it: the next date counts them
    answer = await estimates.for_order(shop, fresh)
    assert isinstance(answer, Estimate) and answer.samples == 40

    # orders that came in another way (another process's import) count once the kept history is stale
    elsewhere = DeliveryEstimates(db, clock)
    before = await elsewhere.history(shop.id)
    await delivered(service, shop, 5, first=40)
    assert await elsewhere.history(shop.id) is before
    clock.advance(minutes=11)
    assert await elsewhere.history(shop.id) is before  # the stale one answers at once, a read starts behind
    for _ in range(100):
        await asyncio.sleep(0.05)
        if (now := await elsewhere.history(shop.id)) is not before:
            break
    assert now.size == 45


async def test_closing_stops_and_awaits_the_read_running_behind_an_answer(
    db: Database, clock: Clock, shop: Shop
) -> None:
    service = build_service(db, clock)
    await delivered(service, shop, 3)
    estimates = DeliveryEstimates(db, clock)
    await estimates.history(shop.id)
    clock.advance(minutes=11)
    await estimates.history(shop.id)  # stale: a read starts behind the answer
    running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert running

    await estimates.close()

    assert all(task.done() for task in running if "_read" in repr(task.get_coro()))
    assert any("_read" in repr(task.get_coro()) for task in running)
