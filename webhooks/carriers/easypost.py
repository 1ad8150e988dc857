"""EasyPost tracker webhooks: check a delivery's signature and read its parcel's news. Pure: no I/O.

EasyPost signs the raw body: ``X-Hmac-Signature`` is ``hmac-sha256-hex=`` and the hex HMAC-SHA256 of it,
keyed with the webhook's secret (the shop's ``easypost_webhook_secret``) after Unicode NFKD normalisation
and UTF-8 encoding, as EasyPost's client libraries compute it (``easypost.util.validate_webhook``). The
body is an ``Event``: ``id`` (``evt_...``, the same on every retry: the dedupe key), ``description`` (the
event type) and ``result`` (for ``tracker.created`` and ``tracker.updated``, the ``Tracker``:
``tracking_code``, ``carrier``, ``status``, ``status_detail``, ``tracking_details`` oldest first,
``est_delivery_date``). Other event types are acknowledged. The stage is read from the tracker's
``status``:

| EasyPost status                               | delivery stage      |
| --------------------------------------------- | ------------------- |
| in_transit                                    | in_transit          |
| out_for_delivery                              | out_for_delivery    |
| available_for_pickup                          | ready_for_pickup    |
| return_to_sender, failure, cancelled          | delivery_problem    |
| delivered                                     | delivered           |
| unknown, pre_transit, error                   | none (acknowledged) |

The report's time and place are the newest tracking detail's ``datetime`` and ``tracking_location``;
without details the tracker's ``updated_at``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from channels import signatures
from orders.lifecycle import DeliveryStage
from webhooks.carriers.reports import CarrierReport, newest, parse_time, place_of

__all__ = [
    "SIGNATURE_HEADER",
    "STATUSES",
    "EasyPostEvent",
    "EasyPostTracker",
    "sign",
    "signature_valid",
    "to_report",
]

SIGNATURE_HEADER = "X-Hmac-Signature"
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})

STATUSES: dict[str, DeliveryStage | None] = {
    "unknown": None,
    "pre_transit": None,
    "in_transit": DeliveryStage.IN_TRANSIT,
    "out_for_delivery": DeliveryStage.OUT_FOR_DELIVERY,
    "delivered": DeliveryStage.DELIVERED,
    "available_for_pickup": DeliveryStage.READY_FOR_PICKUP,
    "return_to_sender": DeliveryStage.DELIVERY_PROBLEM,
    "failure": DeliveryStage.DELIVERY_PROBLEM,
    "cancelled": DeliveryStage.DELIVERY_PROBLEM,
    "error": None,
}

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hmac-Signature`` value for ``body``, keyed with the NFKD form of ``secret``."""
    key = unicodedata.normalize("NFKD", secret)
    return "hmac-sha256-hex=" + signatures.hex_hmac_sha256(key, body)


def signature_valid(secret: str | None, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``body`` (constant time); never without a secret."""
    return secret is not None and signatures.header_matches(sign(secret, body), header)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EasyPostLocation(_Wire):
    city: Text | None = None
    state: Text | None = None
    country: Text | None = None


class EasyPostDetail(_Wire):
    status: Text | None = None
    datetime: Text | None = None
    tracking_location: EasyPostLocation | None = None


class EasyPostTracker(_Wire):
    tracking_code: Id
    carrier: Text | None = None
    status: Text | None = None
    status_detail: Text | None = None
    updated_at: Text | None = None
    est_delivery_date: Text | None = None
    tracking_details: Annotated[list[EasyPostDetail], Field(max_length=1000)] = Field(default_factory=list)


class EasyPostEvent(_Wire):
    """An ``Event`` as EasyPost posts it (the fields we read); ``result`` is read by its type."""

    id: Id
    description: Text
    result: dict[str, Any] | None = None


def tracker_of(event: EasyPostEvent) -> EasyPostTracker | None:
    """The tracker a tracker event carries; None for other events. Raises ``ValidationError`` when a
    tracker event's result is not a tracker."""
    if event.description not in TRACKER_EVENTS or event.result is None:
        return None
    return EasyPostTracker.model_validate(event.result)


def to_report(event: EasyPostEvent, tracker: EasyPostTracker) -> CarrierReport:
    """The parcel news ``event`` carries about ``tracker``."""
    times = [parse_time(detail.datetime) for detail in tracker.tracking_details]
    index = newest(times)
    at = times[index] if index is not None else None
    location = tracker.tracking_details[index].tracking_location if index is not None else None
    return CarrierReport(
        event_id=event.id,
        tracking_number=tracker.tracking_code,
        carrier=tracker.carrier or None,
        stage=STATUSES.get(tracker.status or ""),
        at=at or parse_time(tracker.updated_at),
        place=place_of(location.city, location.state, location.country) if location else None,
        estimated_delivery=parse_time(tracker.est_delivery_date),
    )
