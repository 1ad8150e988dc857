"""The order service layer: one small set of use cases per job, all over the same store and clock.

A caller takes the piece it needs (``shop_events``, ``desk``, ``progression``, ``queries``, ``attention``,
``bulk``, ``recovery``, ``promises``, ``conversations``, ``answers``) from the ``OrderUseCases`` the composition root builds once per process, and the
types they answer with are importable from here. Every piece that writes commits through one
``UnitOfWork`` (``unit_of_work``); the decisions themselves are pure functions in ``orders.domain``,
``orders.event_decisions`` and ``orders.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass

from orders.event_decisions import EventKind, OnBackwards
from orders.store import Database
from orders.usecases.analytics import Analytics, InvalidRange
from orders.usecases.answers import Answer, Answers
from orders.usecases.attention import AttentionItem, AttentionQueue
from orders.usecases.bulk import (
    BULK_CONCURRENCY,
    BULK_CONCURRENCY_PER_SHOP,
    BulkAction,
    BulkActions,
    BulkResult,
)
from orders.usecases.conversations import (
    ConversationItem,
    ConversationPage,
    Conversations,
    ConversationSummary,
    MessagePage,
    customer_orders,
)
from orders.usecases.desk import DeskCommands
from orders.usecases.estimates import DeliveryEstimates
from orders.usecases.idempotency import DeliveryInProgress, run_once
from orders.usecases.photos import Attached, PhotoCommands
from orders.usecases.progression import AutoProgressResult, Progression, ProgressionAdvisor, RulesAdvisor
from orders.usecases.promises import PROMISE_AT_RISK_FLAG, PromiseLedger, Report, delay_entry
from orders.usecases.queries import OrderPage, OrderQueries, ProgressView, Stats
from orders.usecases.recovery import Recovery
from orders.usecases.shop_event_records import Accepted, EventOutcome, PendingEvent, event_payload
from orders.usecases.shop_events import ShopEvents
from orders.usecases.surveys import Surveys
from orders.usecases.unit_of_work import Clock, UnitOfWork


@dataclass(frozen=True)
class OrderUseCases:
    """Every use case over orders, grouped by job; built once per process by ``OrderUseCases.build``.

    ``db`` and ``clock`` are what the pieces were built over, for collaborators that need them too (the
    inbox, the planner).
    """

    db: Database
    clock: Clock
    shop_events: ShopEvents
    desk: DeskCommands
    progression: Progression
    queries: OrderQueries
    attention: AttentionQueue
    bulk: BulkActions
    recovery: Recovery
    surveys: Surveys
    conversations: Conversations
    answers: Answers
    promises: PromiseLedger
    estimates: DeliveryEstimates
    photos: PhotoCommands
    analytics: Analytics

    @classmethod
    def build(
        cls,
        db: Database,
        clock: Clock,
        advisor: ProgressionAdvisor | None = None,
        *,
        survey_hours: float | None = None,
    ) -> OrderUseCases:
        """The use cases over ``db``; ``advisor`` decides progressions (the rules unless Gemini plugs in);
        ``survey_hours``: the default delay of satisfaction requests after delivery (None: none are asked)."""
        attention = AttentionQueue(db, clock)
        desk = DeskCommands(UnitOfWork(db, clock, changed=attention.forget, survey_hours=survey_hours))
        progression = Progression(desk, advisor or RulesAdvisor())
        shop_events = ShopEvents(desk.uow, progression)
        return cls(
            db=db,
            clock=clock,
            shop_events=shop_events,
            desk=desk,
            progression=progression,
            queries=OrderQueries(db, clock),
            attention=attention,
            bulk=BulkActions(desk, progression),
            recovery=Recovery(shop_events),
            surveys=Surveys(desk.uow),
            conversations=Conversations(desk.uow),
            answers=Answers(desk.uow),
            promises=PromiseLedger(desk.uow),
            estimates=DeliveryEstimates(db, clock),
            photos=PhotoCommands(desk),
            analytics=Analytics(db, clock),
        )


__all__ = [
    "BULK_CONCURRENCY",
    "BULK_CONCURRENCY_PER_SHOP",
    "PROMISE_AT_RISK_FLAG",
    "Accepted",
    "Analytics",
    "Answer",
    "Answers",
    "Attached",
    "AttentionItem",
    "AttentionQueue",
    "AutoProgressResult",
    "BulkAction",
    "BulkActions",
    "BulkResult",
    "Clock",
    "ConversationItem",
    "ConversationPage",
    "ConversationSummary",
    "Conversations",
    "DeliveryEstimates",
    "DeliveryInProgress",
    "DeskCommands",
    "EventKind",
    "EventOutcome",
    "InvalidRange",
    "MessagePage",
    "OnBackwards",
    "OrderPage",
    "OrderQueries",
    "OrderUseCases",
    "PendingEvent",
    "PhotoCommands",
    "ProgressView",
    "Progression",
    "ProgressionAdvisor",
    "PromiseLedger",
    "Recovery",
    "Report",
    "RulesAdvisor",
    "ShopEvents",
    "Stats",
    "Surveys",
    "UnitOfWork",
    "customer_orders",
    "delay_entry",
    "event_payload",
    "run_once",
]
