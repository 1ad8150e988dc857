"""The analytics page's use cases: its figures over a range of local days, and recounting a shop's days.

Reading is one query of at most ``MAX_DAYS`` day documents (``orders.store.analytics``), whatever the
number of orders. A recount (``rebuild``) reads the shop's orders, promises, notifications and inbound
messages once and replaces the days with what they add up to (``orders.analytics_recount``): for shops
that ran before the days were counted, and as the reference the live counters are compared with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from orders.analytics import DayCounts
from orders.analytics_report import Report, report
from orders.model import Shop, ShopId
from orders.promises import local_day
from orders.store import Database
from orders.usecases.unit_of_work import Clock

#: The longest range one answer covers (a year, leap day included), and the range when none is given.
MAX_DAYS = 366
DEFAULT_DAYS = 30


class InvalidRange(ValueError):
    """The range asked for is not one the page can have: a bad date, ``from`` after ``to``, too long."""


def parse_day(text: str | None, name: str) -> date | None:
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_day(text, name)
    except ValueError:
        return _bad_day(text, name)


def _bad_day(text: str, name: str) -> date:
    raise InvalidRange(f"`{name}` is not a date as YYYY-MM-DD")


@dataclass(frozen=True)
class Analytics:
    db: Database
    clock: Clock

    def range(self, shop: Shop, first: str | None, last: str | None) -> tuple[date, date]:
        """The local days asked for: ``to`` defaults to today, ``from`` to ``DEFAULT_DAYS`` ending at ``to``.

        Raises InvalidRange for a bad date, ``from`` after ``to``, or more than ``MAX_DAYS`` days.
        """
        end = parse_day(last, "to") or local_day(self.clock(), shop.timezone)
        start = parse_day(first, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise InvalidRange("`from` is after `to`")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidRange(f"the range is longer than {MAX_DAYS} days")
        return start, end

    async def report(self, shop: Shop, first: date, last: date) -> Report:
        return report(await self.db.analytics.days(shop.id, first, last), first, last, shop.timezone)

    async def recount(self, shop: Shop) -> dict[str, DayCounts]:
        """What the shop's stored data adds up to, per local day (nothing is written)."""
        return await self.db.analytics_sources.recount(shop.id, shop.timezone)

    async def rebuild(self, shop_id: ShopId) -> int:
        """Replace the shop's days with a recount; how many days it counted."""
        shop = await self.db.shops.get(shop_id)
        days = await self.recount(shop)
        await self.db.analytics.replace(shop.id, days)
        return len(days)


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Analytics", "InvalidRange", "parse_day"]
