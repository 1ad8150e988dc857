"""What every domain record shares: ids, the record base class, and who caused a change."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import NewType

from pydantic import BaseModel, ConfigDict

ShopId = NewType("ShopId", str)
OrderId = NewType("OrderId", str)
NotificationId = NewType("NotificationId", str)
CustomerId = NewType("CustomerId", str)
MessageId = NewType("MessageId", str)


def new_id(prefix: str) -> str:
    """A short random id with a readable prefix (``ord_3f9c...``)."""
    return f"{prefix}_{secrets.token_hex(10)}"


class Source(StrEnum):
    """Who caused a change on an order."""

    WEBHOOK = "webhook"
    STAFF = "staff"
    API = "api"
    RULES = "rules"
    AI = "ai"
    IMPORT = "import"


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)
