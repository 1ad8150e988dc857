"""The domain's data: shops, orders, their timeline, outbox entries, and the chats with customers.

These models are the domain's own shape. The store maps them to documents and the web layer to its
schemas; neither leaks driver or HTTP types in here. One module per kind of record; import them from
here.
"""

from orders.model.base import (
    CustomerId,
    Domain,
    MessageId,
    NotificationId,
    OrderId,
    ShopId,
    Source,
    new_id,
)
from orders.model.chat import (
    DELIVERY_RANK,
    Attachment,
    CustomerRecord,
    DeliveryState,
    Direction,
    Message,
)
from orders.model.order import (
    Customer,
    Decision,
    Item,
    Order,
    OrderData,
    Place,
    Satisfaction,
    TimelineEvent,
    Tracking,
)
from orders.model.outbox import FAILED_STATES, OutboxEntry, OutboxKind, OutboxState
from orders.model.photo import Photo
from orders.model.promise import Promise, PromiseOutcome
from orders.model.shop import EmailSettings, NotifyPolicy, Shop, Thresholds

__all__ = [
    "DELIVERY_RANK",
    "FAILED_STATES",
    "Attachment",
    "Customer",
    "CustomerId",
    "CustomerRecord",
    "Decision",
    "DeliveryState",
    "Direction",
    "Domain",
    "EmailSettings",
    "Item",
    "Message",
    "MessageId",
    "NotificationId",
    "NotifyPolicy",
    "Order",
    "OrderData",
    "OrderId",
    "OutboxEntry",
    "OutboxKind",
    "OutboxState",
    "Photo",
    "Place",
    "Promise",
    "PromiseOutcome",
    "Satisfaction",
    "Shop",
    "ShopId",
    "Source",
    "Thresholds",
    "TimelineEvent",
    "Tracking",
    "new_id",
]
