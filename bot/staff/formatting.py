"""Small text helpers every staff reply uses: clipping, ages, local times, percentages, fitting a message.

Telegram refuses a message over 4096 characters and a toast over 200, so every free text shown to staff
is clipped, and a long list is cut with a count of what was left out rather than failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from orders.model import Shop

TEXT_LIMIT = 4000  # Telegram takes 4096 characters in a message


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def age(hours: float) -> str:
    """``<1 h``, ``30 h``, ``2 d 5 h``."""
    if hours < 1:
        return "<1 h"
    whole = round(hours)
    if whole < 48:
        return f"{whole} h"
    days, rest = divmod(whole, 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


def when(at: datetime, shop: Shop) -> str:
    return f"{at.astimezone(ZoneInfo(shop.timezone)):%d %b %H:%M}"


def fit(lines: Sequence[str], limit: int = TEXT_LIMIT) -> str:
    """``lines`` joined, the last ones left out (and counted) when they would pass ``limit`` characters."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        tail = f"…and {len(lines) - index} more"
        if size + len(line) + 1 > limit - len(tail) - 1:
            return "\n".join([*kept, tail])
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


__all__ = ["TEXT_LIMIT", "age", "clip", "fit", "percent", "when"]
