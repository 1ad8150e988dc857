"""AfterShip tracking webhooks: check a delivery's signature and read its parcel's news. Pure: no I/O.

AfterShip signs the raw body: ``aftership-hmac-sha256`` is the base64 HMAC-SHA256 of it, keyed with the
webhook secret shown in the shop's AfterShip admin (the shop's ``aftership_webhook_secret``). The body is
``{"event", "event_id", "is_tracking_first_tag", "msg", "ts"}``; ``event_id`` (a UUID) names the event and is
the same on every retry, so it is the dedupe key. ``msg`` is the tracking: ``tracking_number``, ``slug`` (the
carrier), ``tag`` and ``subtag`` (the delivery status), ``checkpoints`` (oldest first) and the estimates
(``expected_delivery``, ``aftership_estimated_delivery_date``, ``courier_estimated_delivery_date``).

``tracking_update`` events carry a stage; ``edd_revise`` ("all EDD updates") carries the same tracking
object, read for its estimate alone, dated by the event's ``ts``: the order's estimate changes, its stage
and timeline do not. ``tracking_pending_time`` is acknowledged. The stage is read from ``msg.tag``:

| AfterShip tag                       | delivery stage      |
| ----------------------------------- | ------------------- |
| InTransit                           | in_transit          |
| OutForDelivery                      | out_for_delivery    |
| AvailableForPickup                  | ready_for_pickup    |
| AttemptFail, Exception              | delivery_problem    |
| Delivered                           | delivered           |
| Pending, InfoReceived, Expired      | none (acknowledged) |

The report's time and place are the newest checkpoint's ``checkpoint_time`` and ``location`` (else its
city, state and country); without checkpoints the event's ``ts``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from channels import signatures
from orders.lifecycle import DeliveryStage
from webhooks.carriers.reports import CarrierReport, newest, parse_time, place_of

__all__ = ["SIGNATURE_HEADER", "TAGS", "AfterShipWebhook", "sign", "signature_valid", "to_report"]

SIGNATURE_HEADER = "aftership-hmac-sha256"
UPDATE_EVENT = "tracking_update"
ESTIMATE_EVENT = "edd_revise"

TAGS: dict[str, DeliveryStage | None] = {
    "Pending": None,
    "InfoReceived": None,
    "InTransit": DeliveryStage.IN_TRANSIT,
    "OutForDelivery": DeliveryStage.OUT_FOR_DELIVERY,
    "AttemptFail": DeliveryStage.DELIVERY_PROBLEM,
    "Delivered": DeliveryStage.DELIVERED,
    "AvailableForPickup": DeliveryStage.READY_FOR_PICKUP,
    "Exception": DeliveryStage.DELIVERY_PROBLEM,
    "Expired": None,
}

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def sign(secret: str, body: bytes) -> str:
    """The ``aftership-hmac-sha256`` value for ``body``: base64 of its HMAC-SHA256."""
    return signatures.base64_hmac_sha256(secret, body)


def signature_valid(secret: str | None, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``body`` (constant time); never without a secret."""
    return secret is not None and signatures.header_matches(sign(secret, body), header)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AfterShipCheckpoint(_Wire):
    checkpoint_time: Text | None = None
    location: Text | None = None
    city: Text | None = None
    state: Text | None = None
    country_region: Text | None = None
    country_iso3: Text | None = None
    tag: Text | None = None


class AfterShipEstimate(_Wire):
    estimated_delivery_date: Text | None = None


class AfterShipTracking(_Wire):
    tracking_number: Id
    slug: Text | None = None
    tag: Text | None = None
    subtag: Text | None = None
    checkpoints: Annotated[list[AfterShipCheckpoint], Field(max_length=1000)] = Field(default_factory=list)
    expected_delivery: Text | None = None
    aftership_estimated_delivery_date: AfterShipEstimate | None = None
    courier_estimated_delivery_date: AfterShipEstimate | None = None


class AfterShipWebhook(_Wire):
    """A tracking webhook's body (the fields we read)."""

    event: Text
    event_id: Id
    ts: Annotated[int, Field(ge=0, le=2**40)] | None = None
    msg: AfterShipTracking


def to_report(webhook: AfterShipWebhook) -> CarrierReport | None:
    """The parcel news a delivery carries; None for an event that carries neither a stage nor an estimate."""
    msg = webhook.msg
    sent_at = datetime.fromtimestamp(webhook.ts, UTC) if webhook.ts is not None else None
    estimate = _estimate(msg)
    if webhook.event == ESTIMATE_EVENT:
        if estimate is None or sent_at is None:
            return None
        return CarrierReport(
            event_id=webhook.event_id, tracking_number=msg.tracking_number, carrier=msg.slug or None,
            stage=None, at=None, place=None, estimated_delivery=estimate, estimated_at=sent_at,
        )  # fmt: skip
    if webhook.event != UPDATE_EVENT:
        return None
    times = [parse_time(checkpoint.checkpoint_time) for checkpoint in msg.checkpoints]
    index = newest(times)
    latest = msg.checkpoints[index] if index is not None else None
    at = times[index] if index is not None else None
    at = at or sent_at
    place = None
    if latest is not None:
        country = latest.country_region or latest.country_iso3
        place = place_of(latest.location) or place_of(latest.city, latest.state, country)
    return CarrierReport(
        event_id=webhook.event_id,
        tracking_number=msg.tracking_number,
        carrier=msg.slug or None,
        stage=TAGS.get(msg.tag or ""),
        at=at,
        place=place,
        estimated_delivery=estimate,
        estimated_at=sent_at if estimate is not None else None,
    )


def _estimate(msg: AfterShipTracking) -> datetime | None:
    """The carrier's own estimate first, then AfterShip's, then the legacy ``expected_delivery``."""
    candidates = (
        msg.courier_estimated_delivery_date.estimated_delivery_date
        if msg.courier_estimated_delivery_date
        else None,
        msg.aftership_estimated_delivery_date.estimated_delivery_date
        if msg.aftership_estimated_delivery_date
        else None,
        msg.expected_delivery,
    )
    return next((t for t in map(parse_time, candidates) if t is not None), None)
