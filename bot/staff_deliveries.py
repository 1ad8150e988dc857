"""Where a staff alert goes: every staff chat on Telegram and every staff email, each once.

Staff alerts are not customer messages: no window, template, quiet hours or opt-out applies, and one alert
goes to many people. Kept apart from the planner's customer routing so that each reads on its own; the
planner still decides when an alert goes (the sending rate). The desk shows every alert
(``orders.store.desk_alerts``), reached or not.
"""

from __future__ import annotations

from bot.plans import Delivery, Skip
from channels.base import ChannelName
from orders.model import OutboxEntry, Shop

#: Why a staff alert went nowhere but the desk.
NO_STAFF = "no staff on Telegram, and no staff email with an SMTP server: shown in the desk only"


def staff_lane(shop: Shop) -> str:
    """The channel whose sending rate an alert of ``shop`` takes; Skip when no staff member is reachable."""
    if not shop.staff_telegram_ids and not (shop.staff_emails if shop.email else []):
        raise Skip(NO_STAFF)
    return "telegram" if shop.staff_telegram_ids else "email"


def staff_deliveries(shop: Shop, entry: OutboxEntry) -> list[Delivery]:
    """The alert to each staff chat and email it has not reached yet; Skip when it reached them all."""
    emails = shop.staff_emails if shop.email else []
    chats = [str(chat) for chat in shop.staff_telegram_ids if str(chat) not in entry.reached]
    addresses = [address for address in emails if address not in entry.reached]
    if not chats and not addresses:
        raise Skip("every staff chat and email has it already")
    text = entry.message or ""
    subject = alert_subject(shop.name, text)
    return [Delivery(ChannelName.TELEGRAM, chat, shop.name, text) for chat in chats] + [
        Delivery(ChannelName.EMAIL, to, shop.name, text, subject=subject) for to in addresses
    ]


def alert_subject(shop_name: str, text: str) -> str:
    """An alert email's subject: the shop and the alert's first line, short enough for a mail list."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else "staff alert"
    return f"[{shop_name}] " + (first if len(first) <= 80 else first[:79] + "…")


__all__ = ["NO_STAFF", "alert_subject", "staff_deliveries", "staff_lane"]
