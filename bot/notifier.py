"""The outbox dispatcher: every message the service sends goes through here, once.

Entries are claimed with a lease (compare-and-set from ``queued`` to ``sending``), sent through the
channel's adapter and finished only while the lease holds. Transient errors retry with exponential backoff
and jitter; permanent ones fail at once and put the order in the attention queue. An entry whose lease ran
out mid-send is never resent blindly: it goes to ``review``. What to do with an entry (send it and how,
hold it for quiet hours, a rate or a debounce, park it behind a WhatsApp nudge, skip it as superseded) is
decided by ``bot.planner``; a customer's reply releases their parked entries (``release_parked``). How an
entry ends when it is not simply sent (retry, failure, review, hold) is ``bot.outbox_outcomes``; building
the message for its channel and recording it as sent is ``bot.outgoing``.

An entry's reads and writes before its send (claim, plan) and after it (finish, counts, the order's contact)
each run in a turn of the process's database slots (``database_slots``), shared with the inbox's and the
shop events' workers, so that the sends in flight do not fill the database's queue ahead of a webhook's
acknowledgement; the provider's call itself holds a sending slot only, as a slow provider must not hold the
database's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

from bot.outbox_outcomes import NoMetrics, OutboxMetrics, OutboxOutcomes, RetryPolicy
from bot.outgoing import AlertButtons, Outgoing, Sending, shop_email_channel
from bot.photo_media import PhotoMedia
from bot.planner import Planner
from bot.plans import Send, Skip
from bot.quiet_hours import URGENT_KINDS
from bot.stores import NotifierStores
from bot.work import Alarm, FairSlots
from channels.base import Channel, SendError
from orders.analytics import notification_channel
from orders.correlation import request_id
from orders.model import (
    OutboxEntry,
    OutboxKind,
    OutboxState,
    Shop,
    ShopId,
)
from orders.rules import Reason
from orders.store import NotFound
from orders.store.outbox_documents import lease_end
from orders.usecases import DeskCommands, PromiseLedger, Surveys

log = logging.getLogger(__name__)

#: Queue states shown as gauges (queued is what waits to be sent), refreshed this often.
DEPTH_STATES = ("queued", "parked", "review")
DEPTH_EVERY = 15.0
#: How often the claim loop looks for parked entries whose nudge expired, and for senders that stopped
#: mid-send (a lease runs for a minute, so a look every few seconds finds them as soon as it matters).
PARK_SWEEP_EVERY = timedelta(seconds=30)
LEASE_SWEEP_EVERY = timedelta(seconds=5)


class Notifier(OutboxOutcomes, Sending):
    def __init__(
        self,
        desk: DeskCommands,
        channels: Mapping[str, Channel],
        clock: Callable[[], datetime],
        *,
        stores: NotifierStores,
        lease: timedelta = timedelta(seconds=60),
        retry: RetryPolicy | None = None,
        concurrency: int = 16,
        email_channel: Callable[[Shop], Channel | None] | None = None,
        planner: Planner | None = None,
        metrics: OutboxMetrics | None = None,
        alert_buttons: AlertButtons | None = None,
        promises: PromiseLedger | None = None,
        media: PhotoMedia | None = None,
        database_slots: FairSlots | None = None,
    ) -> None:
        self.media = media
        self.email_channel = email_channel or shop_email_channel
        self.planner = planner or Planner(stores, clock)
        self.metrics: OutboxMetrics = metrics or NoMetrics()
        self.alert_buttons = alert_buttons
        #: Where the dates told to customers are recorded once sent (``OutboxEntry.promised_date``).
        self.promises = promises
        self._counted = -DEPTH_EVERY
        self._next_park_sweep = self._next_lease_sweep = datetime.min.replace(tzinfo=UTC)
        self.desk = desk
        self.surveys = Surveys(desk.uow)
        self.stores = stores
        self.channels = channels
        self.clock = clock
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self._gate = FairSlots(concurrency)  # fair between shops, a reply before a run of notifications
        self.database_slots = database_slots  # shared with the process's other background work
        self.alarm = Alarm(clock)  # rung by this process's queued and held entries (``run_forever``)

    async def run_once(self, batch: int = 50) -> int:
        """Claim and send one batch of due entries; returns how many were claimed."""
        entries = await self._claim(batch)
        await asyncio.gather(*(self._send_one(entry) for entry in entries))
        return len(entries)

    async def _claim(self, limit: int) -> list[OutboxEntry]:
        await self._count_depth()
        now = self.clock()
        if now >= self._next_lease_sweep:
            self._next_lease_sweep = now + LEASE_SWEEP_EVERY
            for stuck in await self.stores.outbox.expired_leases(now):
                log.warning("outbox entry %s was mid-send when its sender stopped; moved to review", stuck.id)
                await self._flag(stuck, Reason.NOTIFICATION_FAILED)
        await self._expire_parked(now)
        self.planner.next_batch()
        return await self.stores.outbox.claim_due(now, now + self.lease, limit)

    async def _expire_parked(self, now: datetime) -> None:
        """Parked entries whose nudge went unanswered (the shop's ``nudge_wait_hours``) are queued again,
        to go by SMS, then email, or be skipped: the claim below picks them up. Every ``PARK_SWEEP_EVERY``."""
        if now < self._next_park_sweep:
            return
        self._next_park_sweep = now + PARK_SWEEP_EVERY
        for entry in await self.stores.outbox.expire_parked(now):
            log.info("outbox entry %s: no reply to the nudge in time; trying another channel", entry.id)
            self.metrics.outcome(entry.channel or "whatsapp", "nudge_expired")

    async def _count_depth(self) -> None:
        """Refresh the queue-depth gauges, at most every ``DEPTH_EVERY`` seconds (a count is a scan)."""
        if time.monotonic() - self._counted < DEPTH_EVERY:
            return
        self._counted = time.monotonic()
        for state in DEPTH_STATES:
            self.metrics.depth(state, await self.stores.outbox.count_state(state))

    async def run_forever(self, idle_seconds: float = 0.5) -> None:
        """Claim due entries whenever half the sending slots are free, and wait for a slot or the alarm,
        not a timer.

        Sends are not awaited batch by batch: a provider that answers slowly or not at all (until the
        channel's timeout) holds only its own slots, and what falls due meanwhile goes out at once. A claim
        costs a read of the due queue (under a backlog, of one lane of it), so it fills half the slots or more.
        Claimed entries are all being sent, so a worker killed mid-batch leaves at most ``concurrency``
        entries for review. What this process queues or holds for later rings ``alarm`` when it falls due;
        ``idle_seconds`` is how often it looks anyway, for what other processes queued or left behind.
        """
        sending: set[asyncio.Task[None]] = set()
        room = self.concurrency
        try:
            while True:
                entries: list[OutboxEntry] = []
                if len(sending) <= room // 2:
                    try:
                        entries = await self._claim(room - len(sending))
                    except Exception:
                        log.exception("dispatcher pass failed; retrying")
                for entry in entries:
                    task = asyncio.create_task(self._send_logged(entry))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                if not entries:  # wait for room, the alarm, or the idle time
                    await self.alarm.wait(idle_seconds, set(sending))
        finally:
            for task in sending:
                task.cancel()
            await asyncio.gather(*sending, return_exceptions=True)

    async def _send_logged(self, entry: OutboxEntry) -> None:
        try:
            await self._send_one(entry)
        except Exception:
            log.exception("sending outbox entry %s failed; its lease will expire into review", entry.id)

    async def send_now(self, entry_id: str, *, shop_id: str = "", urgent: bool = False) -> bool:
        """Claim one entry that was just queued and send it; False when another sender took it first.

        It claims only once a sending slot is free (its shop's turn, sooner when ``urgent``), so an entry
        never waits for a slot while its lease runs.
        """
        async with self._gate.hold(shop_id, urgent=urgent):
            async with self._database_turn(shop_id, urgent=urgent):
                now = self.clock()
                entry = await self.stores.outbox.claim(entry_id, now, now + self.lease)
            if entry is None:
                return False
            await self._send(entry)
            return True

    async def send_claimed(self, entry: OutboxEntry, *, urgent: bool = False) -> bool:
        """Send an entry this process stored already claimed (``OutboxStore.send_when_queued``), once a
        slot is free; a lease half worn while it waited is renewed first, and one that ran out (moved to
        review) is not sent: False."""
        async with self._gate.hold(entry.shop_id, urgent=urgent):
            now = self.clock()
            if entry.lease_until is None or entry.lease_until - now < self.lease / 2:
                lease_until = lease_end(now + self.lease)
                async with self._database_turn(entry.shop_id, urgent=urgent):
                    renewed = await self.stores.outbox.finish(entry, lease_until=lease_until)
                if not renewed:
                    return False
                entry = entry.model_copy(update={"lease_until": lease_until})
            await self._send(entry)
            return True

    def _database_turn(self, shop_id: str, *, urgent: bool) -> AbstractAsyncContextManager[None]:
        """One of the process's database slots for a step's reads and writes (none without slots)."""
        if self.database_slots is None:
            return contextlib.nullcontext()
        return self.database_slots.hold(shop_id, urgent=urgent)

    async def _send_one(self, entry: OutboxEntry) -> None:
        async with self._gate.hold(entry.shop_id, urgent=entry.kind in URGENT_KINDS):
            await self._send(entry)

    async def _send(self, entry: OutboxEntry) -> None:
        """Plan and build the message, send it, record how it went: the provider's call between two turns
        at the database slots. A claimed entry's turns go before its shop's new work (its lease runs, and
        its sending slot and its customer wait for it to finish)."""
        request_id.set(entry.request_id)  # this task's log lines name the request that caused the entry
        urgent = True
        async with self._database_turn(entry.shop_id, urgent=urgent):
            prepared = await self._prepared(entry)
        if prepared is None:
            return
        plan, outgoing = prepared
        deliveries = plan.deliveries
        try:  # from here on an unexpected error leaves the entry to its lease, and so to review
            receipts = []
            # the customer the planner found (a status update is queued by order, before anyone looks them up)
            to_customer = (
                None if entry.kind == OutboxKind.STAFF_ALERT else plan.customer_id or entry.customer_id
            )
            for out in outgoing:
                receipts.append(await self._deliver(entry, out, to_customer))
                if len(outgoing) > 1:  # a retry after a later chat failed must not repeat this one
                    await self.stores.outbox.reached(entry, out.message.to)
        except SendError as exc:
            async with self._database_turn(entry.shop_id, urgent=urgent):
                await self._failed(entry, exc, deliveries[0].channel.value)
            return
        sent_at = self.clock()
        async with self._database_turn(entry.shop_id, urgent=urgent):
            await self._sent(entry, plan, receipts, sent_at)

    async def _prepared(self, entry: OutboxEntry) -> tuple[Send, list[Outgoing]] | None:
        """What to send for ``entry`` and how; None when it ended here (skipped, held, parked, failed)."""
        try:
            plan = await self.planner.plan(entry)
        except Skip as why:
            await self.stores.outbox.finish(entry, state=OutboxState.SKIPPED.value, error=str(why))
            await self.stores.stats.touch(entry.shop_id)
            if entry.kind == OutboxKind.SATISFACTION and entry.order_id:  # why, on the order's timeline
                await self.surveys.skipped(entry.shop_id, entry.order_id, str(why))
            return None
        except NotFound as exc:
            await self.stores.outbox.finish(entry, state=OutboxState.SKIPPED.value, error=str(exc))
            return None
        except Exception as exc:  # nothing was sent: queue it again rather than leave it for review
            await self._unplanned(entry, exc)
            return None
        if not isinstance(plan, Send):
            await self._wait(entry, plan)
            return None
        shop, deliveries = plan.shop, plan.deliveries
        try:
            outgoing = [await self._outgoing(entry, delivery, shop) for delivery in deliveries]
        except SendError as exc:
            await self._failed(entry, exc, deliveries[0].channel.value)
            return None
        except Exception as exc:
            await self._unplanned(entry, exc)
            return None
        return plan, outgoing

    async def _sent(self, entry: OutboxEntry, plan: Send, receipts: list[str], now: datetime) -> None:
        """Record an entry sent at ``now``: parked behind its nudge, or sent, counted, its promise and the
        order's contact noted."""
        shop, deliveries = plan.shop, plan.deliveries
        self.metrics.outcome(deliveries[0].channel.value, "nudged" if plan.park else "sent")
        if plan.park:  # due_at of a parked entry: when the nudge expires (``_expire_parked``)
            await self.stores.outbox.finish(
                entry, state=OutboxState.PARKED.value, customer_id=plan.customer_id, channel=plan.channel,
                held=f"nudged on {plan.channel}; sent when the customer replies", provider_id=receipts[0],
                attempts=entry.attempts - 1, lease_until=None,
                due_at=now + timedelta(hours=shop.notify.nudge_wait_hours),
            )  # fmt: skip
            return
        await self.stores.outbox.finish(
            entry, state=OutboxState.SENT.value, provider_id=receipts[0], sent_at=now, error=None,
            ai_text=deliveries[0].text if deliveries[0].ai_written else None,
        )  # fmt: skip
        await self._count(entry, "sent", notification_channel(deliveries[0].channel.value, entry.channel))
        await self._record_promise(entry, plan.channel or deliveries[0].channel.value, deliveries[0].text)
        await self._delivered_locally(entry, deliveries[0].channel)
        log.info("sent %s %s on %s", entry.kind.value, entry.id, deliveries[0].channel.value)
        await self._reached(entry, plan, now)

    async def _reached(self, entry: OutboxEntry, plan: Send, now: datetime) -> None:
        """What a sent entry changes on its order: the contact, an awaited survey answer, a cleared failure."""
        if entry.order_id is None:
            return
        if entry.kind != OutboxKind.STAFF_ALERT and not plan.contacted:
            await self.desk.record_contact(entry.shop_id, entry.order_id, now)
        if entry.kind == OutboxKind.SATISFACTION:  # its answer is awaited from now on
            channel = plan.channel or plan.deliveries[0].channel.value
            await self.surveys.asked(entry.shop_id, entry.order_id, channel, plan.customer_id)
        if entry.kind == OutboxKind.MANUAL:  # staff (or a Retry tap) reached them
            await self.desk.set_flag(
                plan.shop, entry.order_id, Reason.NOTIFICATION_FAILED.value, present=False
            )


__all__ = ["Notifier", "RetryPolicy", "ShopId"]
