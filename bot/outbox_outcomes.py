"""How an outbox entry ends when it is not simply sent, and what the provider reports afterwards.

A failed send is retried with backoff and jitter while the error is transient, fails at once when it is
permanent, and goes to ``review`` when the provider may have taken it (a person decides, never a blind
resend); a failure flags the order for the attention queue. A held or parked entry waits without
spending an attempt. The provider's later delivery reports move a sent entry on (delivered, read,
failed). ``Notifier`` inherits these steps; they live apart from its claim-and-send loop.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.notification_counts import Outcome, count_notification
from bot.plans import Hold, Park
from bot.stores import NotifierStores
from bot.work import Alarm
from channels.base import SendError
from orders.analytics import notification_channel
from orders.model import DeliveryState, Message, OutboxEntry, OutboxKind, OutboxState
from orders.rules import Reason
from orders.usecases import DeskCommands, PromiseLedger

log = logging.getLogger("bot.notifier")  # one logger for the dispatcher, wherever its steps live


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 2.0
    max_seconds: float = 600.0

    def delay(self, attempt: int) -> timedelta:
        """Exponential backoff with full jitter: up to base * 2^(attempt-1), capped."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not security


class OutboxMetrics(Protocol):
    """Where the dispatcher counts what it did (Prometheus in the app)."""

    def outcome(self, channel: str, outcome: str) -> None: ...

    def depth(self, state: str, count: int) -> None: ...


class NoMetrics:
    def outcome(self, channel: str, outcome: str) -> None:
        return None

    def depth(self, state: str, count: int) -> None:
        return None


class OutboxOutcomes:
    """The dispatcher's steps after a send attempt, or instead of one; ``Notifier`` sets these attributes."""

    desk: DeskCommands
    stores: NotifierStores
    clock: Callable[[], datetime]
    retry: RetryPolicy
    metrics: OutboxMetrics
    promises: PromiseLedger | None
    alarm: Alarm

    async def _record_promise(self, entry: OutboxEntry, channel: str, wording: str) -> None:
        """A sent message that told a date (``promised_date``) goes into the promise ledger, once (keyed by
        the entry). A failure is logged, never raised: the message is sent, whatever the ledger does."""
        if entry.promised_date is None or self.promises is None:
            return
        try:
            await self.promises.record(entry, channel, wording)
        except Exception:
            log.exception("recording the promise of outbox entry %s failed", entry.id)

    async def _unplanned(self, entry: OutboxEntry, exc: Exception) -> None:
        """An unexpected error before any provider call (a shop that cannot be read, a bug): retried with
        backoff like a transient send error, so it ends ``dead`` after the retry budget."""
        log.error("preparing outbox entry %s failed before sending", entry.id, exc_info=exc)
        reason = f"could not prepare the message ({type(exc).__name__}): {exc}"[:300]
        failure = SendError(reason, transient=True, code="planning_failed")
        try:
            await self._failed(entry, failure, entry.channel or "unknown")
        except Exception:  # flagging the order needs the shop, which may be what cannot be read
            log.exception("recording the failure of outbox entry %s failed", entry.id)

    async def _failed(self, entry: OutboxEntry, exc: SendError, channel: str) -> None:
        if exc.ambiguous:  # the provider may have taken it: as with an expired lease, a person decides
            self.metrics.outcome(channel, OutboxState.REVIEW.value)
            log.warning("outbox entry %s may have been sent; moved to review: %s", entry.id, exc)
            await self.stores.outbox.finish(
                entry, state=OutboxState.REVIEW.value, error=f"{exc}; check before resending",
                error_code=exc.code, channel=channel, lease_until=None,
            )  # fmt: skip
            await self._flag(entry, Reason.NOTIFICATION_FAILED)
            return
        if exc.transient and entry.attempts < self.retry.attempts:
            self.metrics.outcome(channel, "retried")
            due = self.clock() + self.retry.delay(entry.attempts)
            if await self.stores.outbox.finish(
                entry, state=OutboxState.QUEUED.value, due_at=due, error=str(exc), error_code=exc.code,
                lease_until=None,
            ):  # fmt: skip
                self.alarm.at(due)
            return
        state = OutboxState.DEAD if exc.transient else OutboxState.FAILED
        self.metrics.outcome(channel, state.value)
        log.warning("outbox entry %s %s: %s", entry.id, state.value, exc.code or "error")
        await self.stores.outbox.finish(
            entry, state=state.value, error=str(exc), error_code=exc.code, channel=channel
        )
        await self._count(entry, "failed", channel)
        await self._flag(entry, Reason.NOTIFICATION_FAILED)

    async def _count(self, entry: OutboxEntry, outcome: Outcome, channel: str) -> None:
        """Count how ``entry`` ended on ``channel``, now (``bot.notification_counts``)."""
        await count_notification(self.stores, entry.shop_id, outcome, channel, self.clock(), entry.kind)

    async def _flag(self, entry: OutboxEntry, reason: Reason) -> None:
        if entry.order_id and entry.kind != OutboxKind.STAFF_ALERT:
            shop = await self.stores.shops.get(entry.shop_id)
            await self.desk.set_flag(shop, entry.order_id, reason.value, present=True)

    async def _wait(self, entry: OutboxEntry, plan: Hold | Park) -> None:
        """Not now: held (queued again, due later) or parked; neither spends an attempt."""
        if isinstance(plan, Park):
            await self.stores.outbox.finish(
                entry, state=OutboxState.PARKED.value, customer_id=plan.customer_id, channel=plan.channel,
                held=f"waiting for the customer to write on {plan.channel}", attempts=entry.attempts - 1,
                lease_until=None, due_at=plan.until,
            )  # fmt: skip
            self.metrics.outcome(plan.channel, "parked")
            return
        if await self.stores.outbox.finish(
            entry, state=OutboxState.QUEUED.value, due_at=plan.until, held=plan.reason,
            attempts=entry.attempts - 1, lease_until=None,
        ):  # fmt: skip
            self.alarm.at(plan.until)  # this process's dispatcher sends it then, not at its next look
        self.metrics.outcome(entry.channel or "unknown", plan.reason)

    # -- provider callbacks -----------------------------------------------------------------------------

    async def on_delivery(self, message: Message) -> None:
        """A provider reported on an outbound message: carry delivered/read/failed to its outbox entry."""
        if message.outbox_id is None:
            return
        entry_id, state = message.outbox_id, message.state
        if state in (DeliveryState.DELIVERED, DeliveryState.READ):
            if await self.stores.outbox.move_state(entry_id, state.value, only_from=("sent",)):
                at = message.updated_at
                channel = notification_channel(message.channel, None)
                await count_notification(self.stores, message.shop_id, "delivered", channel, at)
            elif state == DeliveryState.READ:
                await self.stores.outbox.move_state(entry_id, state.value, only_from=("delivered",))
        elif state in (DeliveryState.FAILED, DeliveryState.UNDELIVERED):
            entry = await self.stores.outbox.by_provider_id(message.provider_id)
            if entry is not None and await self.stores.outbox.move_state(
                entry_id, "failed", only_from=("sent",)
            ):
                channel = notification_channel(message.channel, entry.channel)
                await count_notification(
                    self.stores, message.shop_id, "failed", channel, message.updated_at, entry.kind
                )
                await self._flag(entry, Reason.NOTIFICATION_FAILED)


__all__ = ["NoMetrics", "OutboxMetrics", "OutboxOutcomes", "RetryPolicy"]
