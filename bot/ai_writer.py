"""Personal messages, when a shop asks for them: Gemini words an entry, the template stays the fallback.

Only three kinds of text are worded by the AI: a status update, a follow-up, and a reply that answers a
customer's question about their order (the conversation marks it with ``draft_kind``). Anything a person
wrote (staff messages, follow-ups with a text) and every canned answer (a handover, a cancel request)
stays as it is. A draft is asked for only when the shop turned ``ai_messages`` on and has calls left in
its daily budget, and is used only when ``bot.ai.drafter.check_draft`` passes it; a refusal, an error or
a slow answer leaves the template, so a send never waits longer than ``DRAFT_WAIT_SECONDS`` for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.languages.detect import warm
from bot.order_words import OrderFacts
from bot.plans import Delivery
from bot.speaking import facts, shop_voice
from bot.voice import Voice
from orders.model import Order, OutboxEntry, OutboxKind, Shop
from orders.store import RateLimitStore

log = logging.getLogger(__name__)

#: The longest a send waits for a draft, a free slot for the call included: room for a slow answer to a
#: short prompt, yet short enough that a customer who just asked still gets their reply while a chat feels
#: instant, and that a sending slot and its lease are never held for the AI.
DRAFT_WAIT_SECONDS = 4.0
#: The budget's window: a UTC day, so every process counts against the same day.
BUDGET_WINDOW_SECONDS = 86_400


class MessageDrafter(Protocol):
    """``bot.ai.GeminiDrafter``: a checked draft, or None for the template."""

    async def draft(self, kind: str, facts: OrderFacts, voice: Voice, style: str) -> str | None: ...


def draft_kind(entry: OutboxEntry) -> str | None:
    """What the AI may word for ``entry`` (``bot.ai.drafter.DRAFT_KINDS``); None: it keeps its own text."""
    if entry.kind == OutboxKind.REPLY:
        return entry.draft_kind
    if entry.message:
        return None  # a person's words
    return {OutboxKind.STATUS_UPDATE: "status_update", OutboxKind.FOLLOW_UP: "follow_up"}.get(entry.kind)


def budget_key(shop: Shop) -> str:
    return f"ai-drafts:{shop.id}"


@dataclass
class AiWriter:
    """Asks ``drafter`` for a personal message within the shop's setting, budget and a short wait."""

    drafter: MessageDrafter
    limits: RateLimitStore
    clock: Callable[[], datetime]
    timeout: float = DRAFT_WAIT_SECONDS
    #: "written", "refused" (an error or a guardrail: the drafter says None), "timeout", "over_budget",
    #: "failed (...)": for tests and operators, with no text and no customer in them.
    outcomes: Counter[str] = field(default_factory=Counter)
    _languages: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    async def write(
        self, shop: Shop, entry: OutboxEntry, order: Order, style: str, language: str | None
    ) -> str | None:
        """The AI's text for ``entry`` on ``style`` in the customer's ``language``, or None: the template."""
        kind = draft_kind(entry)
        if kind is None or not shop.notify.ai_messages:
            return None
        allowed = await self.limits.allow(
            budget_key(shop),
            self.clock(),
            limit=shop.notify.ai_daily_budget,
            window_seconds=BUDGET_WINDOW_SECONDS,
        )
        if not allowed:
            self._count("over_budget", entry)
            return None
        voice = shop_voice(shop, order.customer.name, language)
        try:
            await self._languages_loaded()
            async with asyncio.timeout(self.timeout):
                text = await self.drafter.draft(kind, facts(order), voice, style)
        except TimeoutError:
            self._count("timeout", entry)
            return None
        except Exception as exc:  # a draft is never worth a send: whatever broke, the template goes
            self._count(f"failed ({type(exc).__name__})", entry)
            return None
        self._count("refused" if text is None else "written", entry)
        return text

    async def rewrite(
        self, shop: Shop, entry: OutboxEntry, order: Order | None, delivery: Delivery, language: str | None
    ) -> Delivery:
        """``delivery`` with the AI's text in place of the template's, when there is one that passed."""
        if order is None or delivery.template is not None:
            return delivery
        text = await self.write(shop, entry, order, delivery.channel.value, language)
        return delivery if text is None else dataclasses.replace(delivery, text=text, ai_written=True)

    async def _languages_loaded(self) -> None:
        """The language check's models, loaded once per process before the first draft's wait starts:
        loading them takes seconds, which would otherwise turn the first draft into a timeout."""
        if self._languages is None:
            self._languages = asyncio.create_task(asyncio.to_thread(warm))
        await asyncio.shield(self._languages)

    def _count(self, outcome: str, entry: OutboxEntry) -> None:
        self.outcomes[outcome] += 1
        if outcome != "written":
            log.info("outbox entry %s: AI draft %s; the template goes", entry.id, outcome.replace("_", " "))


__all__ = [
    "BUDGET_WINDOW_SECONDS",
    "DRAFT_WAIT_SECONDS",
    "AiWriter",
    "MessageDrafter",
    "budget_key",
    "draft_kind",
]
