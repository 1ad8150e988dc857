"""The staff's order desk on Telegram, written as python-telegram-bot handlers.

``install`` registers them on an Application built with ``context_types()``. Every update first meets
``admit`` (group -1): it resolves the sender's shop from ``shop.staff_telegram_ids`` into
``context.shop``, answers anyone else one short "not authorised" and stops there. Handlers then reach the
order desk through ``context.bot_data`` (a ``Desk`` the composition root binds at start-up).

Every lookup is scoped to the staff member's shop: an order number is found only in that shop, and an
order id in a button's callback data is read through the shop-scoped service, so another shop's id is
"no such order" and changes nothing. Every action records the staff member (``Name (tg:<id>)``) as its
actor on the order's timeline. Notifications carry an idempotency key made from the Telegram message or
callback query, so a redelivered update queues nothing twice.

Staff listed in several shops act for the oldest of them (the first created); ``/start`` says so.
Only private chats are served: a group could show order details to people who are not staff.

Where each part lives. Handlers: ``handlers`` (which handler answers what; ``install``), ``gate`` (who may
use the desk), ``context`` (the desk, the per-update context and its replies), ``order_commands`` (one
order), ``shop_commands`` (the shop's orders as a whole), ``answer_commands`` (``/reply`` and replies to
alerts, answering customers), ``buttons`` (inline buttons). What they say, as
pure functions tested without Telegram: ``arguments`` (parsing what staff type), ``order_card``,
``attention_list``, ``reports`` (statistics, bulk outcomes, search results), ``keyboards`` (the buttons
and their callback data) and ``formatting`` (clipping and fitting text).
"""

from bot.staff.context import Desk, StaffApplication, StaffContext, context_types
from bot.staff.handlers import install

__all__ = ["Desk", "StaffApplication", "StaffContext", "context_types", "install"]
