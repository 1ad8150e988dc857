"""The lanes a delivery date is learned on (``orders.eta``), from the narrowest to the whole shop.

Handing over to the carrier depends on who sends (a seller's area: its region and postal prefix), transit
on the route (origin region to the receiver's postal area, else its region; carrier where known). Each
lane is read shrunk toward the broader ones (``eta_learning``): it weighs as much as they do once it has
``MIN_SAMPLES`` orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Placed(Protocol):
    """What a lane reads of an order: where it left from and went to, and with which carrier."""

    @property
    def origin(self) -> str | None: ...
    @property
    def origin_area(self) -> str | None: ...
    @property
    def destination(self) -> str | None: ...
    @property
    def destination_area(self) -> str | None: ...
    @property
    def carrier(self) -> str | None: ...


@dataclass(frozen=True)
class Lane:
    name: str
    key: Callable[[Placed], tuple[str, ...] | None]


def _both(item: Placed) -> tuple[str, ...] | None:
    if item.origin and item.destination:
        return (item.origin, item.destination)
    return None


def _carried(item: Placed) -> tuple[str, ...] | None:
    both = _both(item)
    return (item.carrier.lower(), *both) if both and item.carrier else None


def _origin(item: Placed) -> tuple[str, ...] | None:
    return (item.origin,) if item.origin else None


def _to_area(item: Placed) -> tuple[str, ...] | None:
    """The route to the receiver's postal area: a state's capital and its interior lie days apart."""
    if item.origin and item.destination_area:
        return ((item.carrier or "").lower(), item.origin, item.destination_area)
    return None


#: Creation (or handover) to delivery: from the narrowest lane to the whole shop (the route to the
#: receiver's area goes by the carrier too when known).
LANES: tuple[Lane, ...] = (
    Lane("to area", _to_area),
    Lane("carrier", _carried),
    Lane("route", _both),
    Lane("destination", lambda item: (item.destination,) if item.destination else None),
    Lane("origin", _origin),
    Lane("shop", lambda item: ()),
)

#: Creation to handover: the sender's area, its region, the whole shop.
HANDOVER_LANES: tuple[Lane, ...] = (
    Lane("area", lambda item: (item.origin_area,) if item.origin_area else None),
    Lane("origin", _origin),
    Lane("shop", lambda item: ()),
)


def lane_label(lane: str, item: Placed) -> str:
    """The lane a date rests on, for people, written as the promise ledger writes lanes
    (``orders.promises.lane_of``), the receiver's postal area where the date rests on it (``BR-SP →
    BR-RJ-200``): ``BR-SP → BR-RJ (correios)``, ``BR-SP → BR-RJ``, then, widened, ``* → BR-RJ``
    (any origin), ``BR-SP → *`` (any destination) or ``shop``."""
    origin, destination = _place(item.origin), _place(item.destination)
    carrier = (item.carrier or "").strip().lower()
    return {
        "to area": f"{origin} → {_place(item.destination_area)}" + (f" ({carrier})" if carrier else ""),
        "carrier": f"{origin} → {destination} ({carrier})",
        "route": f"{origin} → {destination}",
        "destination": f"* → {destination}",
        "origin": f"{origin} → *",
    }.get(lane, "shop")


def _place(region: str | None) -> str:
    """``BR/SP`` (``region_key``) as ``BR-SP``."""
    return (region or "").replace("/", "-").strip("-") or "?"


def region_key(country: str | None, region: str | None) -> str | None:
    """``BR/SP``: a region as lanes key it (a region name alone is ambiguous across countries)."""
    if not region or not region.strip():
        return None
    return f"{(country or '').strip().upper()}/{region.strip().upper()}"


#: Leading characters of a postal code that name an area: a US sectional centre, a Brazilian sub-region.
AREA_PREFIX = 3


def area_key(country: str | None, region: str | None, postal_code: str | None) -> str | None:
    """``BR/SP/010``: the area a seller sends from, finer than its region (``region_key``)."""
    regional = region_key(country, region)
    code = "".join((postal_code or "").split()).upper()
    if regional is None or len(code) < AREA_PREFIX:
        return None
    return f"{regional}/{code[:AREA_PREFIX]}"
