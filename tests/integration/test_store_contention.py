"""Shared counters and claims under concurrency: many senders, one database, no double spending."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import DuplicateKeyError

from orders.model import NotificationId, OutboxEntry, OutboxKind, Shop
from orders.store import Database, outbox_lane
from orders.store.batching import InsertBatcher
from orders.store.documents import Doc
from tests.conftest import Clock
from webhooks.settings import Settings


async def test_concurrent_takes_share_one_bucket_without_overspending(db: Database, clock: Clock) -> None:
    now = clock()
    takes = [db.rate_limits.take("send:sms:+1", now, per_second=1.0, burst=5) for _ in range(20)]
    answers = await asyncio.gather(*takes)
    assert sum(answer is None for answer in answers) == 5  # the burst, and not one token more
    waits = [answer for answer in answers if answer is not None]
    assert all(timedelta(0) < wait <= timedelta(seconds=1) for wait in waits)

    assert (
        await db.rate_limits.take("send:sms:+1", now + timedelta(seconds=1), per_second=1.0, burst=5) is None
    )
    later = await db.rate_limits.take("send:sms:+1", now + timedelta(seconds=1), per_second=1.0, burst=5)
    assert later is not None and later > timedelta(0)  # one second refilled one token


async def test_an_idle_bucket_refills_up_to_its_burst_only(db: Database, clock: Clock) -> None:
    now = clock()
    for _ in range(3):
        assert await db.rate_limits.take("send:whatsapp:+1", now, per_second=2.0, burst=3) is None
    rested = now + timedelta(hours=1)
    answers = [
        await db.rate_limits.take("send:whatsapp:+1", rested, per_second=2.0, burst=3) for _ in range(4)
    ]
    assert [answer is None for answer in answers] == [True, True, True, False]


def manual(shop: Shop, name: str, due_at: datetime, now: datetime) -> OutboxEntry:
    return OutboxEntry(
        id=NotificationId(f"ntf_{name}"), shop_id=shop.id, kind=OutboxKind.MANUAL, message="hi",
        due_at=due_at, idempotency_key=f"manual:{name}", created_at=now,
    )  # fmt: skip


async def queue_due(db: Database, shop: Shop, count: int, now: datetime) -> None:
    """``count`` entries due one second apart, the oldest last."""
    for n in range(count):
        await db.outbox.add(manual(shop, f"{n:03d}", now - timedelta(seconds=n), now))


async def test_concurrent_claims_split_the_due_entries_without_overlap(
    db: Database, shop: Shop, clock: Clock
) -> None:
    now = clock()
    await queue_due(db, shop, 60, now)
    later = await db.outbox.add(manual(shop, "later", now + timedelta(minutes=5), now))
    lease = now + timedelta(seconds=60)
    batches = await asyncio.gather(*(db.outbox.claim_due(now, lease, 25) for _ in range(4)))
    claimed = [entry.id for batch in batches for entry in batch]
    assert len(claimed) == len(set(claimed)) == 60  # every due entry once, none twice
    assert later.id not in claimed  # not due yet
    for batch in batches:  # each batch oldest due first, leased and counted as an attempt
        assert [e.due_at for e in batch] == sorted(e.due_at for e in batch)
        assert all(e.state == "sending" and e.lease_until == lease and e.attempts == 1 for e in batch)
    assert await db.outbox.claim_due(now, lease, 25) == []


async def test_under_a_backlog_claims_read_lanes_and_still_take_every_entry_once(
    db: Database, shop: Shop, clock: Clock
) -> None:
    now = clock()
    await queue_due(db, shop, 120, now)
    lease = now + timedelta(seconds=60)
    claimed: list[str] = []
    one_lane_batches = 0
    while batches := [
        b for b in await asyncio.gather(*(db.outbox.claim_due(now, lease, 5) for _ in range(3))) if b
    ]:
        for batch in batches:
            claimed += [entry.id for entry in batch]
            one_lane_batches += len(batch) >= 3 and len({outbox_lane(e.id) for e in batch}) == 1
    assert len(claimed) == len(set(claimed)) == 120
    assert one_lane_batches > 0  # claims read single lanes while the backlog lasted


async def test_concurrent_event_claims_each_learn_their_own_outcome(db: Database, clock: Clock) -> None:
    now = clock()
    assert await db.events.claim("shopify:s1", "seen", now) is None
    ids = ["a", "b", "seen", "c", "b", "d"]  # one stored before, one twice in the same burst
    answers = await asyncio.gather(*(db.events.claim("shopify:s1", event_id, now) for event_id in ids))
    fresh = [event_id for event_id, answer in zip(ids, answers, strict=True) if answer is None]
    assert fresh == ["a", "b", "c", "d"]
    earlier = [answer for answer in answers if answer is not None]
    assert [answer["event_id"] for answer in earlier] == ["seen", "b"]
    assert all(answer["state"] == "processing" for answer in earlier)


async def test_insert_batcher_sends_what_arrives_together_in_one_command(settings: Settings) -> None:
    assert settings.mongodb_uri is not None
    inserts = InsertCounter()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(settings.mongodb_uri, event_listeners=[inserts])
    collection = client[settings.mongodb_db]["batched"]
    try:
        await collection.insert_one({"_id": "stored"})
        batcher = InsertBatcher(collection)
        inserts.count = 0

        async def insert(key: str) -> str:
            try:
                await batcher.insert({"_id": key})
            except DuplicateKeyError:
                return "duplicate"
            return "inserted"

        keys = ["k1", "stored", "k2", "k1", *(f"n{n}" for n in range(40))]
        outcomes = await asyncio.gather(*(insert(key) for key in keys))
        assert outcomes[:4] == ["inserted", "duplicate", "inserted", "duplicate"]
        assert set(outcomes[4:]) == {"inserted"}
        assert await collection.count_documents({}) == 43
        assert inserts.count <= 2  # the first flush takes one document at most, the next the rest
        assert await insert("alone") == "inserted"  # a lone insert waits for nothing
    finally:
        await collection.drop()
        await client.close()


class InsertCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "insert":
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_reservations_spread_the_waiting_senders_one_interval_apart(db: Database, clock: Clock) -> None:
    now = clock()
    answers = await asyncio.gather(
        *(db.rate_limits.reserve("send:sms:+2", now, per_second=1.0, burst=5) for _ in range(20))
    )
    assert sum(answer is None for answer in answers) == 5  # the burst goes now
    waits = sorted(round(answer.total_seconds(), 3) for answer in answers if answer is not None)
    assert waits == [float(n) for n in range(1, 16)]  # each of the others has its own second, none shared
    # a taker that does not reserve finds the bucket spoken for until the last reservation
    later = await db.rate_limits.take("send:sms:+2", now + timedelta(seconds=10), per_second=1.0, burst=5)
    assert later == timedelta(seconds=6)


async def test_concurrent_claims_of_one_entry_by_id_give_it_to_one_sender(
    db: Database, shop: Shop, clock: Clock
) -> None:
    for n in range(10):
        entry = await db.outbox.add(manual(shop, f"by-id-{n}", clock(), clock()))
        lease = clock() + timedelta(minutes=1)
        won = await asyncio.gather(*(db.outbox.claim(entry.id, clock(), lease) for _ in range(8)))
        assert sum(claimed is not None for claimed in won) == 1, n
        [claimed] = [claimed for claimed in won if claimed is not None]
        assert (claimed.state, claimed.attempts) == ("sending", 1)
