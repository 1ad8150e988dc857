"""What the API's actions and queries take: status changes, notifications, follow-ups, bulk actions, lists."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints, model_validator

from orders.lifecycle import Status
from orders.rules import Reason
from webhooks.api.schemas.fields import ChannelName, ShortText, Strict, Text


class UpdateStatus(Strict):
    order_id: ShortText
    status: Status
    note: Text | None = None
    notify: bool = True
    force: bool = False
    version: Annotated[int, Field(ge=0)] | None = None


class Notify(Strict):
    order_id: ShortText
    message: Text | None = None
    channel: ChannelName | None = None


class ScheduleFollowup(Strict):
    #: ``one_time`` as JSON Schema, so the OpenAPI document says it too.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["delay_hours"], "properties": {"delay_hours": {"type": "number"}}},
                {"required": ["at"], "properties": {"at": {"type": "string"}}},
            ]
        }
    )
    order_id: ShortText
    delay_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None
    at: AwareDatetime | None = None
    message: Text | None = None
    channel: ChannelName | None = None

    @model_validator(mode="after")
    def one_time(self) -> Self:
        if (self.delay_hours is None) == (self.at is None):
            raise ValueError("give exactly one of delay_hours or at")
        return self


class BulkAction(Strict):
    #: ``status_for_update`` as JSON Schema, so the OpenAPI document says it too.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["action"], "properties": {"action": {"const": "update_status"}}},
            "then": {"required": ["status"], "properties": {"status": {"type": "string"}}},
        }
    )
    order_ids: Annotated[list[ShortText], Field(min_length=1, max_length=100)]
    action: Literal["auto_progress", "update_status", "notify"]
    status: Status | None = None
    message: Text | None = None

    @model_validator(mode="after")
    def status_for_update(self) -> Self:
        if self.action == "update_status" and self.status is None:
            raise ValueError("update_status needs a status")
        return self


class ListQuery(Strict):
    status: Status | None = None
    search: ShortText | None = None
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AttentionQuery(Strict):
    max_age_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None
    reason: Reason | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AutoProgressQuery(Strict):
    dry_run: bool = False
