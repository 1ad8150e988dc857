"""The import format: one order per row, as JSON (the API, JSON lines) or as flat CSV columns.

A JSON row has the fields of ``ImportRowIn``. A CSV file has a header naming its columns: the same
top-level fields, nested ones flattened with an underscore prefix (``customer_name``, ``customer_phone``,
``customer_email``, ``customer_instagram_id``, ``tracking_carrier``, ``tracking_number``, ``tracking_url``,
``ship_to_country``, ``ship_to_region``, ``ship_to_postal_code``, and the same for ``ship_from``), and
``items`` as a JSON array in one cell. An empty cell is a field not given.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AwareDatetime, ConfigDict, Field, ValidationError, model_validator

from orders.import_history import InvalidRow, row
from orders.importing import Pending
from orders.lifecycle import Status
from orders.model import Customer, Item, Place, Tracking
from webhooks.api.schemas import (
    PHONE_REGION,
    ChannelName,
    CustomerIn,
    ItemIn,
    Money,
    PlaceIn,
    ShortText,
    Strict,
    TrackingIn,
)

_NESTED = ("customer", "tracking", "ship_to", "ship_from")


class ImportRowIn(Strict):
    """One order to import. `created_at` is required; each lifecycle time given becomes the move to its
    status at that time (`paid_at` processing, `shipped_at` shipped, `delivered_at` fulfilled,
    `cancelled_at` cancelled). Without `external_id` the order is found by `number`."""

    #: ``keyed`` as JSON Schema, so the OpenAPI document says it too.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": ["external_id"]}, {"required": ["number"]}]}
    )

    external_id: ShortText | None = None
    number: ShortText | None = None
    status: Status | None = None
    customer: CustomerIn | None = None
    items: Annotated[list[ItemIn], Field(max_length=500)] | None = None
    total: Money | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    tracking: TrackingIn | None = None
    ship_to: PlaceIn | None = None
    ship_from: PlaceIn | None = None
    channel: ChannelName | None = None
    created_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    shipped_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def keyed(self) -> ImportRowIn:
        if not self.external_id and not self.number:
            raise ValueError("a row needs an external_id or a number")
        return self

    def pending(self, index: int) -> Pending:
        try:
            data = row(
                external_id=self.external_id, number=self.number, status=self.status,
                customer=Customer(**self.customer.model_dump()) if self.customer else None,
                items=[Item(**item.model_dump()) for item in self.items] if self.items is not None else None,
                total=self.total, currency=self.currency,
                tracking=Tracking(**self.tracking.model_dump()) if self.tracking else None,
                ship_to=Place(**self.ship_to.model_dump()) if self.ship_to else None,
                ship_from=Place(**self.ship_from.model_dump()) if self.ship_from else None,
                channel=self.channel, created_at=self.created_at, paid_at=self.paid_at,
                shipped_at=self.shipped_at, delivered_at=self.delivered_at, cancelled_at=self.cancelled_at,
            )  # fmt: skip
        except InvalidRow as exc:
            return Pending(index, error=str(exc))
        return Pending(index, data)


def problems(exc: ValidationError) -> str:
    """A validation error as one line naming each field, without the values sent."""
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'row'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)
    )


def from_json(index: int, fields: Any, region: str | None = None) -> Pending:
    """One row, its phone read as typed in ``region`` (the shop's default country)."""
    try:
        return ImportRowIn.model_validate(fields, context={PHONE_REGION: region}).pending(index)
    except ValidationError as exc:
        return Pending(index, error=problems(exc))


CSV_COLUMNS = frozenset(
    {name for name in ImportRowIn.model_fields if name not in _NESTED}
    | {f"customer_{name}" for name in CustomerIn.model_fields}
    | {f"tracking_{name}" for name in TrackingIn.model_fields}
    | {f"{place}_{name}" for place in ("ship_to", "ship_from") for name in PlaceIn.model_fields}
)


def _csv_fields(record: dict[str, str]) -> dict[str, Any]:
    """A CSV record as a JSON row: empty cells left out, prefixed columns nested, ``items`` parsed."""
    fields: dict[str, Any] = {}
    for column, value in record.items():
        if value is None or not value.strip():
            continue
        nested = next((name for name in _NESTED if column.startswith(f"{name}_")), None)
        if nested is not None and column not in ImportRowIn.model_fields:
            fields.setdefault(nested, {})[column.removeprefix(f"{nested}_")] = value
        elif column == "items":
            fields["items"] = json.loads(value)
        else:
            fields[column] = value
    return fields


def read_rows(text: str, region: str | None = None) -> Iterator[Pending]:
    """The rows of a CSV or JSON-lines file, each with its line number, phones read as typed in
    ``region``; ValueError for a CSV header naming unknown columns (the whole file would be misread)."""
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
            except ValueError:
                yield Pending(number, error="not a JSON object")
                continue
            yield from_json(number, fields, region)
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    unknown = sorted(set(reader.fieldnames or ()) - CSV_COLUMNS)
    if unknown:
        raise ValueError(f"unknown CSV columns: {', '.join(unknown)}")
    for record in reader:
        at = reader.line_num
        if None in record:
            yield Pending(at, error="more cells than columns")
            continue
        try:
            fields = _csv_fields(record)
        except ValueError:
            yield Pending(at, error="items: not a JSON array")
            continue
        yield from_json(at, fields, region)
