"""What an aggregator's webhook says about a parcel, in one shape for every aggregator. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orders.lifecycle import DeliveryStage
from orders.model import Tracking

__all__ = ["CarrierReport", "newest", "parse_time", "place_of"]

_MAX_PLACE = 200


@dataclass(frozen=True)
class CarrierReport:
    """One delivery of an aggregator's webhook about one parcel.

    ``stage`` is None when the news moves nothing we track (a label created, a tracker that expired):
    such a delivery is acknowledged and writes nothing, unless it revises the estimate alone
    (``revises_estimate``). ``at`` is the time of the carrier's newest checkpoint, which orders reports
    about one parcel; ``estimated_at`` the time the aggregator sent the estimate, which orders estimates.
    """

    event_id: str
    tracking_number: str
    carrier: str | None
    stage: DeliveryStage | None
    at: datetime | None
    place: str | None
    estimated_delivery: datetime | None
    estimated_at: datetime | None = None

    @property
    def revises_estimate(self) -> bool:
        """News of a new estimate only (AfterShip's ``edd_revise``): stored without touching the stage."""
        return self.stage is None and self.estimated_delivery is not None and self.estimated_at is not None

    def tracking(self, known: Tracking | None) -> Tracking:
        """The order's tracking with this report's news on it (the rest as the shop sent it)."""
        base = known if known is not None and known.number == self.tracking_number else None
        return Tracking(
            carrier=(base.carrier if base else None) or self.carrier,
            number=self.tracking_number,
            url=base.url if base else None,
            stage=self.stage,
            stage_at=self.at,
            place=self.place,
            estimated_delivery=self.estimated_delivery or (base.estimated_delivery if base else None),
            estimated_at=self.estimated_at
            if self.estimated_delivery
            else (base.estimated_at if base else None),
        )


def parse_time(value: str | None) -> datetime | None:
    """An aggregator's time: ISO 8601 with or without an offset, or a bare date; None when blank or bad.

    AfterShip documents ``checkpoint_time`` and ``expected_delivery`` as "", ``YYYY-MM-DD``,
    ``YYYY-MM-DDTHH:MM:SS`` or ``YYYY-MM-DDTHH:MM:SS+TIMEZONE``. A time without an offset is the carrier's
    local time of a place we cannot place in a zone; it is read as UTC, off by at most a day's hours.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def newest(times: list[datetime | None]) -> int | None:
    """The index of the newest of a list of checkpoint times (the last among equals, or the last entry
    when none has a time): aggregators list checkpoints oldest first, but a carrier may correct one late."""
    if not times:
        return None
    floor = datetime.min.replace(tzinfo=UTC)
    return max(range(len(times)), key=lambda index: (times[index] or floor, index))


def place_of(*parts: str | None) -> str | None:
    """The non-blank parts joined with commas (city, state, country), or None."""
    words = [part.strip() for part in parts if part and part.strip()]
    return ", ".join(words)[:_MAX_PLACE] or None
