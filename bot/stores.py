"""The stores each part of the bot reads and writes, as small protocols.

A part receives its stores at construction, typed by the protocol below that lists only what it uses, so
its dependencies show in one line and a change to any other store cannot reach it. ``orders.store``'s
``Database`` has every store and satisfies them all; the composition root passes it.
"""

from __future__ import annotations

from typing import Protocol

from orders.store import (
    AlertStore,
    AnalyticsStore,
    AttemptCounter,
    ConversationStore,
    CustomerStore,
    InboxStore,
    LinkCodeStore,
    LockStore,
    MessageStore,
    OrderStore,
    OutboxStore,
    RateLimitStore,
    ShopStore,
    StatsStore,
)


class InboxStores(Protocol):
    """``bot.inbox``: messages waiting and handled, the customers who sent them, their parked entries, and
    the analytics days that count them."""

    @property
    def inbox(self) -> InboxStore: ...
    @property
    def messages(self) -> MessageStore: ...
    @property
    def customers(self) -> CustomerStore: ...
    @property
    def outbox(self) -> OutboxStore: ...
    @property
    def rate_limits(self) -> RateLimitStore: ...
    @property
    def shops(self) -> ShopStore: ...
    @property
    def analytics(self) -> AnalyticsStore: ...


class PlannerStores(Protocol):
    """``bot.planner``: what an outbox entry's route and timing depend on."""

    @property
    def shops(self) -> ShopStore: ...
    @property
    def orders(self) -> OrderStore: ...
    @property
    def outbox(self) -> OutboxStore: ...
    @property
    def customers(self) -> CustomerStore: ...
    @property
    def rate_limits(self) -> RateLimitStore: ...


class NotifierStores(PlannerStores, Protocol):
    """``bot.notifier`` and ``bot.outbox_outcomes``: the planner's stores, the messages sent, the counters."""

    @property
    def messages(self) -> MessageStore: ...
    @property
    def stats(self) -> StatsStore: ...
    @property
    def analytics(self) -> AnalyticsStore: ...


class LinkingStores(Protocol):
    """``bot.linking`` and ``bot.conversation``: the customer's proofs and links, orders, replies, and the
    latest messages of the conversation (the order it is about, ``bot.focus``)."""

    @property
    def customers(self) -> CustomerStore: ...
    @property
    def orders(self) -> OrderStore: ...
    @property
    def outbox(self) -> OutboxStore: ...
    @property
    def link_codes(self) -> LinkCodeStore: ...
    @property
    def proof_attempts(self) -> AttemptCounter: ...
    @property
    def conversations(self) -> ConversationStore: ...


class StaffAlertStores(Protocol):
    """``bot.staff_alerts``: the alerts sent, the orders they are about, and the alerts queued."""

    @property
    def shops(self) -> ShopStore: ...
    @property
    def alerts(self) -> AlertStore: ...
    @property
    def orders(self) -> OrderStore: ...
    @property
    def outbox(self) -> OutboxStore: ...


class JobStores(StaffAlertStores, Protocol):
    """``bot.scheduler``: the staff alerts' stores, the job leases, and the shops' waiting counters."""

    @property
    def locks(self) -> LockStore: ...
    @property
    def stats(self) -> StatsStore: ...


class ChatStores(InboxStores, NotifierStores, LinkingStores, Protocol):
    """``bot.chat``: everything the inbox, the conversation and the notifier it runs together use."""


class DeskStores(Protocol):
    """``bot.staff``: the staff's shops, orders by number, and an order's notifications."""

    @property
    def shops(self) -> ShopStore: ...
    @property
    def orders(self) -> OrderStore: ...
    @property
    def outbox(self) -> OutboxStore: ...
