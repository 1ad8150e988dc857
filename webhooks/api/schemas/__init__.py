"""The REST API's and the order webhook's wire shapes, and their mapping to and from the domain.

Request models forbid unknown fields (a typo must not pass silently); the shop webhook ignores extra
fields, since shops send what their systems have. By job:

- ``fields``: the field types requests share (texts, money, channel names, typed phones);
- ``orders_in``: an order as clients send it (``POST /orders``, the shop's order webhook);
- ``actions``: what the actions and queries take (status changes, notifications, bulk actions, lists);
- ``orders_out``: an order as the API shows it (fields, timeline, progress, the attention queue);
- ``results``: every other answer (decisions, bulk results, stats, the shop, webhooks' acks, errors).

Import them from here: ``from webhooks.api import schemas`` then ``schemas.OrderOut``. The shapes of one
feature's routes are imported from their own module: ``live`` (events, alerts), ``photos``,
``conversations`` (the conversations desk).
"""

from __future__ import annotations

from webhooks.api.schemas.actions import (
    AttentionQuery,
    AutoProgressQuery,
    BulkAction,
    ListQuery,
    Notify,
    ScheduleFollowup,
    UpdateStatus,
)
from webhooks.api.schemas.fields import (
    PHONE_REGION,
    ChannelName,
    IdempotencyKey,
    Money,
    ShortText,
    Strict,
    Text,
    TypedPhone,
    typed_phone,
)
from webhooks.api.schemas.orders_in import (
    CustomerIn,
    ItemIn,
    OrderCreate,
    OrderFields,
    OrderWebhook,
    PlaceIn,
    TrackingIn,
    WebhookOrder,
)
from webhooks.api.schemas.orders_out import (
    AttentionOrderOut,
    AttentionOut,
    CustomerOut,
    ItemOut,
    NotificationOut,
    OrderListOut,
    OrderOut,
    PlaceOut,
    ProgressOut,
    TimelineOut,
    TrackingOut,
)
from webhooks.api.schemas.results import (
    AutoProgressOut,
    BulkItemOut,
    BulkOut,
    DecisionOut,
    ErrorBody,
    ErrorOut,
    FollowupAccepted,
    NotificationAccepted,
    NotificationStatsOut,
    RevisionOut,
    ShopOut,
    StatsOut,
    WebhookAccepted,
)

__all__ = [
    "PHONE_REGION",
    "AttentionOrderOut",
    "AttentionOut",
    "AttentionQuery",
    "AutoProgressOut",
    "AutoProgressQuery",
    "BulkAction",
    "BulkItemOut",
    "BulkOut",
    "ChannelName",
    "CustomerIn",
    "CustomerOut",
    "DecisionOut",
    "ErrorBody",
    "ErrorOut",
    "FollowupAccepted",
    "IdempotencyKey",
    "ItemIn",
    "ItemOut",
    "ListQuery",
    "Money",
    "NotificationAccepted",
    "NotificationOut",
    "NotificationStatsOut",
    "Notify",
    "OrderCreate",
    "OrderFields",
    "OrderListOut",
    "OrderOut",
    "OrderWebhook",
    "PlaceIn",
    "PlaceOut",
    "ProgressOut",
    "RevisionOut",
    "ScheduleFollowup",
    "ShopOut",
    "ShortText",
    "StatsOut",
    "Strict",
    "Text",
    "TimelineOut",
    "TrackingIn",
    "TrackingOut",
    "TypedPhone",
    "UpdateStatus",
    "WebhookAccepted",
    "WebhookOrder",
    "typed_phone",
]
