"""Running a provider's delivery once, however often the provider delivers it.

Shop platforms and Telegram retry a delivery they got no answer to, and may deliver the same one twice at
once. Each delivery is claimed by its id in the event store before its work runs; a claim left by a crashed
process is taken over once it is older than ``CLAIM_TIMEOUT``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from orders.store import EventStore

Clock = Callable[[], datetime]

#: How long a claim may stand before another process takes it as left by a crash.
CLAIM_TIMEOUT = timedelta(seconds=60)


class DeliveryInProgress(Exception):
    """The same delivery is being processed right now; the sender should retry later."""


async def run_once(
    events: EventStore,
    clock: Clock,
    scope: str,
    event_id: str,
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> tuple[bool, dict[str, Any]]:
    """Run ``work`` once per delivery; ``(True, earlier result)`` without running it when it ran before.

    DeliveryInProgress while another delivery of it runs; a claim left by a crashed process is taken over
    after ``CLAIM_TIMEOUT``. A failed run releases its claim, so the provider's next delivery runs it again.
    """
    now = clock()
    earlier = await events.claim(scope, event_id, now)
    if earlier is not None:
        if earlier["state"] == "done":
            return True, dict(earlier.get("result") or {})
        claimed_at: datetime = earlier["received_at"]
        if now - claimed_at < CLAIM_TIMEOUT or not await events.take_over(scope, event_id, claimed_at, now):
            raise DeliveryInProgress(f"delivery {event_id} is being processed")
    try:
        result = await work()
    except BaseException:
        await events.release(scope, event_id)
        raise
    await events.complete(scope, event_id, result, clock())
    return False, result
