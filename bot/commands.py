"""Staff commands on Telegram, written as python-telegram-bot handlers.

``install`` registers them on an Application built with ``context_types()``. Every update first meets
``admit`` (group -1): it resolves the sender's shop from ``shop.staff_telegram_ids`` into
``context.shop``, answers anyone else one short "not authorised" and stops there. Handlers then reach the
order desk through ``context.bot_data`` (a ``Desk`` the composition root binds at start-up); rendering is
plain functions over the service's results.

Staff listed in several shops act for the oldest of them (the first created); ``/start`` says so.
Only private chats are served: a group could show order details to people who are not staff.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from channels.telegram import Button, keyboard
from orders.lifecycle import Status
from orders.model import Order, Shop, TimelineEvent
from orders.service import OrderService, ProgressView, Stats
from orders.store import Database, NotFound

log = logging.getLogger(__name__)

NOT_AUTHORISED = "Sorry, you are not authorised to use this bot."
USAGE = "Usage: /stats · /order <number> · /help"
HELP = "\n".join(
    [
        "Order desk commands:",
        "/stats — orders by status and notification delivery",
        "/order <number> — an order's status, progress and latest events",
        "/help — this list",
    ]
)
REFRESH = "order:"  # callback data prefix of an order card's refresh button, followed by the order id
_RECENT_EVENTS = 5
_MAX_NUMBER = 64
_MAX_DETAIL = 300  # five events' notes stay well inside Telegram's 4096 characters


class Desk:
    """``application.bot_data``: the order desk the handlers use, bound once at start-up."""

    def __init__(self) -> None:
        self._service: OrderService | None = None

    def bind(self, service: OrderService) -> None:
        self._service = service

    @property
    def service(self) -> OrderService:
        if self._service is None:
            raise RuntimeError("the staff desk is not bound to an OrderService yet")
        return self._service

    @property
    def db(self) -> Database:
        return self.service.db


class StaffContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Desk]):
    """The handlers' context: ``admit`` sets ``shop`` (and how many shops list the user) per update."""

    shop: Shop | None = None
    shop_count: int = 0

    @property
    def staff_shop(self) -> Shop:
        if self.shop is None:
            raise RuntimeError("no staff shop resolved for this update")
        return self.shop


StaffApplication = Application[ExtBot[None], StaffContext, dict[Any, Any], dict[Any, Any], Desk, None]


def context_types() -> ContextTypes[StaffContext, dict[Any, Any], dict[Any, Any], Desk]:
    return ContextTypes(context=StaffContext, bot_data=Desk)


def install(application: StaffApplication) -> None:
    """Register the staff gate and the command handlers."""
    new_messages = filters.UpdateType.MESSAGE  # an edited "/order" is not a new request
    application.add_handler(TypeHandler(Update, admit), group=-1)
    application.add_handlers(
        [
            CommandHandler(["start", "help"], help_command, filters=new_messages),
            CommandHandler("stats", stats_command, filters=new_messages),
            CommandHandler("order", order_command, filters=new_messages),
            CallbackQueryHandler(refresh_order, pattern=f"^{REFRESH}"),
            CallbackQueryHandler(stale_button),
            MessageHandler(new_messages, fallback),
        ]
    )


# -- the gate -----------------------------------------------------------------------------------------


async def admit(update: Update, context: StaffContext) -> None:
    """Let staff through with their shop resolved; refuse anyone else once, and ignore other chats."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop
    shops = await context.bot_data.db.shops.for_staff(user.id)
    if not shops:
        log.info("refused Telegram user %s: not staff of any shop", user.id)
        if update.callback_query is not None:
            await update.callback_query.answer(NOT_AUTHORISED, show_alert=True)
        elif update.message is not None:
            await update.message.reply_text(NOT_AUTHORISED)
        raise ApplicationHandlerStop
    context.shop = min(shops, key=lambda shop: (shop.created_at, shop.id))
    context.shop_count = len(shops)


# -- commands -----------------------------------------------------------------------------------------


async def help_command(update: Update, context: StaffContext) -> None:
    assert update.message is not None
    shop = context.staff_shop
    intro = f"Order desk of {shop.name}."
    if context.shop_count > 1:
        intro += f" You are staff of {context.shop_count} shops; commands act for {shop.name}, the first."
    await update.message.reply_text(f"{intro}\n\n{HELP}")


async def stats_command(update: Update, context: StaffContext) -> None:
    assert update.message is not None
    shop = context.staff_shop
    await update.message.reply_text(render_stats(shop, await context.bot_data.service.stats(shop)))


async def order_command(update: Update, context: StaffContext) -> None:
    assert update.message is not None
    number = order_number(context.args or [])
    if number is None:
        await update.message.reply_text("Usage: /order <number>, for example /order 1042")
        return
    shop = context.staff_shop
    order = await context.bot_data.db.orders.find_number(shop.id, number)
    if order is None:
        await update.message.reply_text(f"No order #{number} in {shop.name}.")
        return
    view = await context.bot_data.service.progress(shop, order.id)
    await update.message.reply_text(render_order(view, shop), reply_markup=order_buttons(view.order))


async def refresh_order(update: Update, context: StaffContext) -> None:
    """The order card's refresh button: redraw the card in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    try:
        view = await context.bot_data.service.progress(context.staff_shop, query.data.removeprefix(REFRESH))
    except NotFound:
        await query.answer("That order no longer exists.")
        return
    try:
        await query.edit_message_text(
            render_order(view, context.staff_shop), reply_markup=order_buttons(view.order)
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        await query.answer("Already up to date.")
        return
    await query.answer("Updated.")


async def stale_button(update: Update, context: StaffContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer("This button is no longer in use.")


async def fallback(update: Update, context: StaffContext) -> None:
    """Unknown commands and anything else that is not a command."""
    assert update.message is not None
    text = update.message.text or ""
    if text.startswith("/"):
        await update.message.reply_text(f"Unknown command {text.split()[0][:40]}.\n{USAGE}")
    else:
        await update.message.reply_text(USAGE)


# -- arguments and rendering (pure) ----------------------------------------------------------------


def order_number(args: Sequence[str]) -> str | None:
    """The order number in ``/order <number>`` (a leading ``#`` is allowed), or None when malformed."""
    if len(args) != 1:
        return None
    number = args[0].removeprefix("#")
    return number if 0 < len(number) <= _MAX_NUMBER else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def render_stats(shop: Shop, stats: Stats) -> str:
    by_status = " · ".join(f"{status} {stats.by_status.get(status, 0)}" for status in Status)
    lines = [
        f"📊 {shop.name}",
        f"Orders: {stats.total}",
        by_status,
        f"Notifications: {stats.sent} sent · {stats.delivered} delivered · {stats.failed} failed",
        f"Delivery rate: {percent(stats.delivery_rate)}",
    ]
    if stats.auto_progression_rate is not None:
        lines.append(f"Automatic moves: {percent(stats.auto_progression_rate)}")
    if stats.avg_hours_to_ship is not None:
        lines.append(f"Average time to ship: {stats.avg_hours_to_ship} h")
    return "\n".join(lines)


def render_order(view: ProgressView, shop: Shop) -> str:
    order = view.order
    filled = view.progress // 25
    lines = [
        f"📦 Order #{order.number} — {order.status}",
        f"Progress: {'■' * filled}{'□' * (4 - filled)} {view.progress}%",
        f"Next: {view.next_status or '— (closed)'}",
    ]
    if order.customer.name:
        lines.append(f"Customer: {clip(order.customer.name, 80)}")
    if order.items:
        lines.append(
            f"Items: {sum(item.quantity for item in order.items)} · total {order.total} {order.currency}"
        )
    if order.tracking and order.tracking.number:
        lines.append(f"Tracking: {' '.join(filter(None, [order.tracking.carrier, order.tracking.number]))}")
    lines.append("Latest:")
    zone = ZoneInfo(shop.timezone)
    lines += [f"• {event_line(event, zone)}" for event in order.timeline[-_RECENT_EVENTS:]]
    return "\n".join(lines)


def event_line(event: TimelineEvent, zone: ZoneInfo) -> str:
    what = str(event.status) if event.kind == "status" else event.kind.replace("_", "-")
    who = f"{event.source}" + (f" ({event.actor})" if event.actor else "")
    line = f"{event.at.astimezone(zone):%d %b %H:%M} {what} by {who}"
    if event.forced:
        line += ", forced"
    detail = event.note or event.reason
    return f"{line} — {clip(detail, _MAX_DETAIL)}" if detail else line


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def order_buttons(order: Order) -> InlineKeyboardMarkup | None:
    """The order card's inline keyboard (a later issue adds status actions next to refresh)."""
    return keyboard([[Button("🔄 Refresh", f"{REFRESH}{order.id}")]])
